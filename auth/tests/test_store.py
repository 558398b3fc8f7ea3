"""The auth service's database rules, on a fresh PostgreSQL database of their own
(the admin count must not depend on what other tests did)."""
import uuid
from datetime import timedelta

import eventlet
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from auth import store
from auth.domain import ADMIN, CUSTOMER, GATE_AGENT, new_token_pair, utcnow
from auth.models import RefreshToken, User
from common.config import Settings, load_config
from common.errors import Conflict, Unauthorized
from tests.helpers.databases import migrated_database

pytestmark = pytest.mark.integration  # PostgreSQL, through its own engine fixture

CONFIG_EXTRA = {"JWT_SECRET": "unit-test-secret-that-is-long-enough"}


@pytest.fixture(scope="module")
def engine(run_prefix):
    with migrated_database("auth", run_prefix + "store_") as engine:
        yield engine


def start_session(session, settings, user):
    """What a login does in the store: a new family with its first token pair."""
    pair = new_token_pair(settings, user.id, user.role, utcnow())
    store.save_token_pair(session, user.id, uuid.uuid4(), pair)
    return pair


def fake_hash():
    eventlet.sleep(0.05)  # like the real hash, yields: both starters pass the "missing?" check
    return "$argon2id$not-a-real-hash"


def ensure(engine, email):
    with Session(engine) as session, session.begin():
        return store.ensure_admin(session, email, fake_hash)


def test_two_instances_starting_at_once_create_one_admin(engine):
    pool = eventlet.GreenPool(2)
    created = list(pool.imap(lambda _: ensure(engine, "first@example.com"), range(2)))
    assert sorted(created) == [False, True]
    assert ensure(engine, "first@example.com") is False
    with Session(engine) as session:
        rows = session.scalars(sa.select(User).where(User.email == "first@example.com")).all()
    assert [user.role for user in rows] == [ADMIN]


def test_the_last_admin_cannot_be_demoted(engine):
    ensure(engine, "first@example.com")
    with Session(engine) as session, session.begin():
        for user in session.scalars(sa.select(User).where(User.role == ADMIN, User.email != "first@example.com")):
            user.role = CUSTOMER
    with Session(engine) as session, session.begin():
        only = store.user_by_email(session, "first@example.com", for_update=True)
        with pytest.raises(Conflict) as error:
            store.set_role(session, only, CUSTOMER)
        assert error.value.code == "LAST_ADMIN"

    ensure(engine, "second@example.com")
    with Session(engine) as session, session.begin():
        demoted = store.user_by_email(session, "first@example.com", for_update=True)
        store.set_role(session, demoted, CUSTOMER)
        assert demoted.role == CUSTOMER


def test_demotion_ends_the_users_sessions(engine):
    settings = Settings.from_config({**load_config(), **CONFIG_EXTRA})
    ensure(engine, "third@example.com")
    ensure(engine, "fourth@example.com")
    with Session(engine) as session, session.begin():
        user = store.user_by_email(session, "third@example.com")
        pair = start_session(session, settings, user)
    with Session(engine) as session, session.begin():
        user = store.user_by_email(session, "third@example.com", for_update=True)
        denied = store.set_role(session, user, CUSTOMER)
    assert len(denied) == 1 and denied[0][0]
    with Session(engine) as session, session.begin():
        with pytest.raises(Unauthorized) as error:
            store.rotate_refresh_token(session, pair.refresh_token, lambda revoked: None)
        assert error.value.code == "INVALID_REFRESH_TOKEN"


def test_a_promotion_keeps_the_sessions_and_every_demotion_ends_them(engine):
    settings = Settings.from_config({**load_config(), **CONFIG_EXTRA})
    ensure(engine, "gate-boss@example.com")  # an admin is left when the other is demoted
    with Session(engine) as session, session.begin():
        store.create_user(session, "gate@example.com", "$argon2id$not-a-real-hash", "Gate")

    def change(role):
        """Open a session, then change the role: how many access tokens are denied."""
        with Session(engine) as session, session.begin():
            user = store.user_by_email(session, "gate@example.com", for_update=True)
            start_session(session, settings, user)
            denied = store.set_role(session, user, role)
            assert user.role == role
            return len(denied)

    assert change(GATE_AGENT) == 0
    assert change(ADMIN) == 0
    assert change(GATE_AGENT) == 3  # the three sessions opened so far
    assert change(CUSTOMER) == 1  # the one opened since


def test_purge_deletes_only_refresh_tokens_expired_before_the_cutoff(engine):
    settings = Settings.from_config({**load_config(), **CONFIG_EXTRA, "REFRESH_TOKEN_TTL": 60})
    ensure(engine, "fifth@example.com")
    with Session(engine) as session, session.begin():
        user = store.user_by_email(session, "fifth@example.com")
        for _ in range(2):
            start_session(session, settings, user)
        owned = sa.select(RefreshToken.id).where(RefreshToken.user_id == user.id)
        old, live = session.scalars(owned).all()
        session.execute(sa.update(RefreshToken).where(RefreshToken.id == old)
                        .values(expires_at=utcnow() - timedelta(days=2)))
    with Session(engine) as session, session.begin():
        assert store.purge_refresh_tokens(session, utcnow() - timedelta(days=1)) == 1
        assert session.scalars(owned).all() == [live]
