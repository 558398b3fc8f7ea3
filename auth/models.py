"""Tables owned by the auth service."""
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from auth.domain import CUSTOMER, utcnow


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    # stored normalised (trimmed, lower case); the unique index repeats the
    # normalisation so no code path, and no race, can store two spellings
    email: Mapped[str] = mapped_column(sa.String(254))
    full_name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16), default=CUSTOMER)
    created_at: Mapped[sa.DateTime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[sa.DateTime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.Index("uq_users_email_normalised", sa.func.lower(sa.func.btrim(email)), unique=True),
        sa.Index("ix_users_created_at_id", "created_at", "id"),
        sa.CheckConstraint("role IN ('customer', 'gate_agent', 'admin')", name="ck_users_role"),
    )


class RefreshToken(Base):
    """One refresh token. A login starts a family; each refresh rotates the
    current token (``rotated_at``) and adds the next one to the same family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # the access token issued together with this refresh token: revoking the
    # family also revokes it, so a logout or a theft signal ends the session now
    access_jti: Mapped[str] = mapped_column(sa.String(64), index=True)
    access_expires_at: Mapped[sa.DateTime] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[sa.DateTime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # when the family's login happened, copied to every rotation: the family's age
    # (REFRESH_FAMILY_MAX_AGE) survives the purge of its older tokens
    family_started_at: Mapped[sa.DateTime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[sa.DateTime] = mapped_column(sa.DateTime(timezone=True))
    rotated_at: Mapped[sa.DateTime] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[sa.DateTime] = mapped_column(sa.DateTime(timezone=True), nullable=True)
