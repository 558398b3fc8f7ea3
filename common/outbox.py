"""A transactional outbox for SQL services.

An event is written in the same transaction as the change it announces, so the
two commit or roll back together. After the commit the service publishes it and
marks it published; if that never happens (broker down, process killed between
commit and publish), ``relay`` publishes it later from a timer. Consumers are
idempotent, so the rare double publication (published, then killed before the
mark) is harmless; a lost event is not possible.

    class OutboxEvent(Base):  # a service's model, same columns as ``outbox_columns``
    outbox = Outbox(OutboxEvent)
    outbox.add(session, "flight_scheduled", payload)   # before session.commit()
    outbox.publish_pending(session, dispatch, ids)     # after it
"""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from common.metrics import OUTBOX_BACKLOG, OUTBOX_RELAYED

RELAY_BATCH = 100
# the backlog gauge counts this many at most: past it, the figure is alarm enough
BACKLOG_COUNT_LIMIT = 10_000


class Outbox:
    def __init__(self, model):
        self.model = model

    def add(self, session, event_type, payload):
        """Record an event in the caller's transaction; returns its id."""
        return session.execute(
            sa.insert(self.model.__table__).values(event_type=event_type, payload=payload)
            .returning(self.model.__table__.c.id)
        ).scalar_one()

    def publish(self, session, dispatch, ids):
        """Publish these events (in order), then mark them published."""
        table = self.model.__table__
        if not ids:
            return 0
        rows = session.execute(
            sa.select(table.c.id, table.c.event_type, table.c.payload)
            .where(table.c.id.in_(ids), table.c.published_at.is_(None))
            .order_by(table.c.id)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            dispatch(row.event_type, row.payload)
        if rows:
            session.execute(
                sa.update(table).where(table.c.id.in_([row.id for row in rows])).values(published_at=sa.func.now())
            )
        session.commit()
        return len(rows)

    def relay(self, session, dispatch, older_than_seconds, service=None):
        """Publish what stayed unpublished for ``older_than_seconds``; returns how many.

        ``service`` labels the metrics (``flight_outbox_backlog``, ``flight_outbox_relayed``);
        by default the package the outbox model lives in."""
        table = self.model.__table__
        service = service or self.model.__module__.partition(".")[0]
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
        OUTBOX_BACKLOG.labels(service).set(session.execute(
            sa.select(sa.func.count()).select_from(
                sa.select(table.c.id).where(table.c.published_at.is_(None)).limit(BACKLOG_COUNT_LIMIT).subquery())
        ).scalar_one())
        ids = session.execute(
            sa.select(table.c.id).where(table.c.published_at.is_(None), table.c.created_at < cutoff)
            .order_by(table.c.id).limit(RELAY_BATCH)
        ).scalars().all()
        relayed = self.publish(session, dispatch, ids)
        OUTBOX_RELAYED.labels(service).inc(relayed)
        return relayed
