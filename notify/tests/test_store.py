"""notify's store on a PostgreSQL database of its own: the unique (kind, booking) decides,
a message being sent is never sent by a second worker, the sweep's question, paging."""
import uuid
from datetime import timedelta

import eventlet
import pytest
from sqlalchemy.orm import Session

from notify import store
from notify.domain import utcnow
from notify.models import Notification
from tests.helpers.databases import migrated_database

pytestmark = pytest.mark.integration  # PostgreSQL, through its own engine fixture


@pytest.fixture(scope="module")
def engine(run_prefix):
    with migrated_database("notify", run_prefix + "store_") as engine:
        yield engine


def columns(user_id, subject="Your e-tickets"):
    return {"booking_ref": "K7M2QX", "user_id": user_id, "recipient": "ada@example.com", "subject": subject,
            "text_body": "text", "html_body": "<p>html</p>"}


def add(engine, kind, order_id, user_id):
    with Session(engine) as session, session.begin():
        return store.add(session, kind, order_id, **columns(user_id))


def test_one_message_per_fact_per_booking_even_when_deliveries_race(engine):
    user_id, order_id = uuid.uuid4(), uuid.uuid4().hex[:24]
    pool = eventlet.GreenPool(8)
    ids = list(pool.imap(lambda _: add(engine, "ticketed", order_id, user_id), range(8)))
    assert len([i for i in ids if i is not None]) == 1
    assert add(engine, "refunded", order_id, user_id) is not None  # another fact of the same booking
    assert add(engine, "ticketed", uuid.uuid4().hex[:24], user_id) is not None  # the same fact, another booking
    with Session(engine) as session:
        assert store.exists(session, "ticketed", order_id) and not store.exists(session, "cancelled", order_id)


def test_a_fact_that_recurs_makes_one_message_per_fact_key(engine):
    user_id, order_id = uuid.uuid4(), uuid.uuid4().hex[:24]

    def add_keyed(key):
        with Session(engine) as session, session.begin():
            return store.add(session, "disrupted", order_id, key, **columns(user_id))

    pool = eventlet.GreenPool(6)
    ids = list(pool.imap(add_keyed, ["f1:delayed"] * 3 + ["f1:cancelled"] * 3))
    assert len([i for i in ids if i is not None]) == 2
    with Session(engine) as session:
        assert store.exists(session, "disrupted", order_id, "f1:delayed")
        assert not store.exists(session, "disrupted", order_id, "f2:delayed")
        assert not store.exists(session, "disrupted", order_id)


def test_a_message_being_sent_is_not_claimed_again_and_a_sent_one_never(engine):
    notification_id = add(engine, "cancelled", uuid.uuid4().hex[:24], uuid.uuid4())
    with Session(engine) as first, first.begin():
        claimed = store.claim_unsent(first, notification_id)
        assert claimed is not None
        with Session(engine) as second, second.begin():
            assert store.claim_unsent(second, notification_id) is None  # locked: skipped, not waited for
        store.mark_sent(claimed)
    with Session(engine) as session, session.begin():
        assert store.claim_unsent(session, notification_id) is None
        row = session.get(Notification, notification_id)
        assert row.sent_at is not None and row.attempts == 1 and row.last_error is None


def test_the_sweep_takes_what_is_unsent_after_the_grace_only(engine):
    notification_id = add(engine, "expired", uuid.uuid4().hex[:24], uuid.uuid4())
    with Session(engine) as session, session.begin():
        assert notification_id not in store.overdue(session, 60)
        assert notification_id in store.overdue(session, 60, now=utcnow() + timedelta(seconds=61))
        row = store.claim_unsent(session, notification_id)
        store.mark_failed(row, ConnectionRefusedError(111, "Connection refused"))
    with Session(engine) as session, session.begin():
        row = session.get(Notification, notification_id)
        assert row.attempts == 1 and row.last_error.startswith("ConnectionRefusedError")
        # the grace runs from the last try
        assert notification_id not in store.overdue(session, 60, now=row.attempted_at + timedelta(seconds=59))
        assert notification_id in store.overdue(session, 60, now=row.attempted_at + timedelta(seconds=61))


def test_a_users_page_is_newest_first_and_the_cursor_follows_it(engine):
    user_id = uuid.uuid4()
    made = [add(engine, "ticketed", uuid.uuid4().hex[:24], user_id) for _ in range(5)]
    add(engine, "ticketed", uuid.uuid4().hex[:24], uuid.uuid4())  # someone else's
    seen, cursor = [], None
    with Session(engine) as session:
        while True:
            page, cursor = store.page_for_user(session, user_id, 2, cursor)
            seen += [row.id for row in page]
            if cursor is None:
                break
    assert seen == list(reversed(made))
