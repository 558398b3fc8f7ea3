"""Tables owned by the airplane service (MariaDB). Times are naive UTC."""
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from airplane.domain import ACTIVE


class Base(DeclarativeBase):
    pass


def new_id():
    return str(uuid.uuid4())


def utcnow():
    return datetime.now(UTC).replace(tzinfo=None)


class AirplaneModel(Base):
    __tablename__ = "airplane_models"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    manufacturer: Mapped[str] = mapped_column(sa.String(64))
    model: Mapped[str] = mapped_column(sa.String(64))
    cabins: Mapped[list] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("manufacturer", "model", name="uq_airplane_models_name"),)


class Airplane(Base):
    __tablename__ = "airplanes"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    registration: Mapped[str] = mapped_column(sa.String(16), unique=True)
    model_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("airplane_models.id"))
    status: Mapped[str] = mapped_column(sa.String(16), default=ACTIVE)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    model: Mapped[AirplaneModel] = relationship(lazy="joined")


class MaintenanceWindow(Base):
    __tablename__ = "maintenance_windows"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    airplane_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("airplanes.id"))
    starts_at: Mapped[datetime] = mapped_column(sa.DateTime)
    ends_at: Mapped[datetime] = mapped_column(sa.DateTime)
    reason: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    __table_args__ = (sa.Index("ix_maintenance_airplane_starts", "airplane_id", "starts_at"),)
