"""The airplane service's database work (MariaDB): models, airplanes, maintenance windows.

Each function takes a SQLAlchemy session and returns rows (ORM objects); the
service dumps them with ``schemas.py``. Functions that write commit, since a
uniqueness conflict only shows at the commit.
"""
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from airplane.domain import ACTIVE
from airplane.models import Airplane, AirplaneModel, MaintenanceWindow
from common.errors import Conflict


def add_model(session, manufacturer, model, cabins):
    row = AirplaneModel(manufacturer=manufacturer, model=model, cabins=cabins)
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"{manufacturer} {model} already exists.", code="MODEL_EXISTS")
    return row


def list_models(session):
    return list(session.scalars(sa.select(AirplaneModel).order_by(AirplaneModel.manufacturer, AirplaneModel.model)))


def find_model(session, model_id):
    return session.get(AirplaneModel, str(model_id))


def add_airplane(session, registration, model_id):
    airplane = Airplane(registration=registration, model_id=model_id, status=ACTIVE)
    session.add(airplane)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"{registration} is already registered.", code="REGISTRATION_TAKEN",
                       details={"registration": registration})
    return airplane


def airplanes_after(session, registration, limit, model_ids=None, free_between=None, busy_ids=()):
    """Up to ``limit`` airplanes by registration, after ``registration`` (None: from the start).

    ``model_ids``: of those models only. ``free_between`` (naive UTC ``(starts, ends)``):
    active ones without a maintenance window overlapping it, nor one of ``busy_ids``.
    """
    query = sa.select(Airplane).order_by(Airplane.registration).limit(limit)
    if registration:
        query = query.where(Airplane.registration > str(registration))
    if model_ids is not None:
        query = query.where(Airplane.model_id.in_(model_ids))
    if free_between is not None:
        starts_at, ends_at = free_between
        in_maintenance = sa.select(MaintenanceWindow.id).where(
            MaintenanceWindow.airplane_id == Airplane.id,
            MaintenanceWindow.starts_at < ends_at,
            MaintenanceWindow.ends_at > starts_at,
        ).exists()
        query = query.where(Airplane.status == ACTIVE, ~in_maintenance)
        if busy_ids:
            query = query.where(Airplane.id.not_in(list(busy_ids)))
    return list(session.scalars(query).unique())


def find_airplane(session, airplane_id):
    query = sa.select(Airplane).where(Airplane.id == str(airplane_id))
    return session.scalars(query).unique().one_or_none()


def set_status(session, airplane, status):
    airplane.status = status
    session.commit()


def add_window(session, airplane_id, starts_at, ends_at, reason):
    window = MaintenanceWindow(airplane_id=airplane_id, starts_at=starts_at, ends_at=ends_at, reason=reason)
    session.add(window)
    session.commit()
    return window


def remove_window(session, window):
    session.delete(window)
    session.commit()


def windows_of(session, airplane_id):
    query = (sa.select(MaintenanceWindow).where(MaintenanceWindow.airplane_id == airplane_id)
             .order_by(MaintenanceWindow.starts_at))
    return list(session.scalars(query))


def overlapping_window(session, airplane_id, starts_at, ends_at):
    """A maintenance window of the airplane that overlaps [starts_at, ends_at), or None (naive UTC)."""
    query = sa.select(MaintenanceWindow).where(
        MaintenanceWindow.airplane_id == airplane_id,
        MaintenanceWindow.starts_at < ends_at,
        MaintenanceWindow.ends_at > starts_at,
    ).limit(1)
    return session.scalars(query).first()
