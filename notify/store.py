"""The notify service's database access. Each function takes a SQLAlchemy session
and leaves committing to the caller."""
import uuid
from datetime import timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from common.sql import compiled_once
from notify.domain import decode_cursor, dedup_key, encode_cursor, utcnow
from notify.models import Notification

MAX_ERROR_LENGTH = 500


def exists(session, kind, order_id, fact_key=""):
    kind, order_id, fact_key = dedup_key(kind, order_id, fact_key)
    return session.scalar(sa.select(sa.literal(True)).where(
        Notification.kind == kind, Notification.order_id == order_id, Notification.fact_key == fact_key,
    )) is not None


def add(session, kind, order_id, fact_key="", **columns):
    """Record the message for ``(kind, order_id, fact_key)``. Returns its id, or None when
    the booking already has that message: the unique constraint decides, so two
    deliveries of one fact racing each other make one message."""
    kind, order_id, fact_key = dedup_key(kind, order_id, fact_key)
    values = dict(columns, id=uuid.uuid4(), kind=kind, order_id=order_id, fact_key=fact_key, created_at=utcnow(),
                  attempts=0)
    return session.execute(_add_statement(tuple(sorted(values))), values).scalar()


@cache
def _add_statement(columns):
    """``add``'s INSERT … ON CONFLICT for these columns, compiled once (``common.sql.compiled_once``)."""
    return compiled_once(
        insert(Notification).values({column: sa.bindparam(column) for column in columns})
        .on_conflict_do_nothing(constraint="uq_notifications_fact").returning(Notification.id)
    )


def claim_unsent(session, notification_id):
    """The message, locked for this transaction, if it is still unsent and no other
    worker is sending it now; else None."""
    return session.scalars(
        sa.select(Notification)
        .where(Notification.id == notification_id, Notification.sent_at.is_(None))
        .with_for_update(skip_locked=True)
    ).one_or_none()


def mark_sent(notification, now=None):
    notification.sent_at = now or utcnow()
    notification.attempted_at = notification.sent_at
    notification.attempts += 1
    notification.last_error = None


def mark_failed(notification, error, now=None):
    notification.attempted_at = now or utcnow()
    notification.attempts += 1
    notification.last_error = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]


def overdue(session, grace_seconds, limit=100, now=None):
    """Ids of messages still unsent ``grace_seconds`` after their last try (or their
    recording): a crash after the commit, or the SMTP server away."""
    cutoff = (now or utcnow()) - timedelta(seconds=grace_seconds)
    last_try = sa.func.coalesce(Notification.attempted_at, Notification.created_at)
    return list(session.scalars(
        sa.select(Notification.id)
        .where(Notification.sent_at.is_(None), last_try <= cutoff)
        .order_by(Notification.created_at).limit(limit)
    ))


def page_for_user(session, user_id, limit, cursor=None):
    """The user's messages, newest first: ``(rows, next_cursor)``."""
    query = (sa.select(Notification).where(Notification.user_id == user_id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit + 1))
    if cursor:
        created_at, notification_id = decode_cursor(cursor)
        query = query.where(sa.tuple_(Notification.created_at, Notification.id)
                            < sa.tuple_(created_at, notification_id))
    rows = session.scalars(query).all()
    page, more = rows[:limit], len(rows) > limit
    return page, (encode_cursor(page[-1].created_at, page[-1].id) if more else None)
