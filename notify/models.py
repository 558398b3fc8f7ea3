"""Tables owned by the notify service."""
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from notify.domain import utcnow


class Base(DeclarativeBase):
    pass


class Notification(Base):
    """One message to a traveller about one fact of one booking, as it was rendered.

    ``(kind, order_id, fact_key)`` is unique (``domain.fact_key``: empty, or the flight,
    or the flight and the reason): the insert of a replayed fact does nothing, so a
    booking never gets the same message twice. ``sent_at`` is set once the SMTP server
    took the message; until then the sweep tries again (``attempted_at``, ``attempts``,
    ``last_error`` say how it went)."""

    __tablename__ = "notifications"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(sa.String(32))
    order_id: Mapped[str] = mapped_column(sa.String(64))
    fact_key: Mapped[str] = mapped_column(sa.String(160), default="", server_default="")
    booking_ref: Mapped[str] = mapped_column(sa.String(16), nullable=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(255))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text, nullable=True)
    created_at: Mapped[sa.DateTime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[sa.DateTime] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    attempted_at: Mapped[sa.DateTime] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_error: Mapped[str] = mapped_column(sa.String(500), nullable=True)

    __table_args__ = (
        sa.UniqueConstraint("kind", "order_id", "fact_key", name="uq_notifications_fact"),
        sa.Index("ix_notifications_user_created", "user_id", "created_at", "id"),
        # the sweep's question: what is still unsent?
        sa.Index("ix_notifications_unsent", "created_at", postgresql_where=sa.text("sent_at IS NULL")),
    )
