"""Airplane models and their seat layouts, airplanes, maintenance windows."""
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from airplane import domain
from airplane.dependencies import BoundedRpc, Database, EventDispatcher, RequestContext
from airplane.models import Airplane, AirplaneModel, Base, MaintenanceWindow
from airplane.schemas import AirplaneInput, AirplaneModelInput, MaintenanceInput
from common.entrypoints import rpc
from common.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable, load_or_raise
from common.sql import check

MAX_PAGE = 200


def to_utc_naive(moment):
    """An aware datetime or ISO string as naive UTC (how MariaDB stores it)."""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            raise InvalidInput("Times must be ISO 8601 with an offset.", details={"value": moment})
    if moment.tzinfo is None:
        raise InvalidInput("Times must carry an offset.", details={"value": str(moment)})
    return moment.astimezone(UTC).replace(tzinfo=None)


def iso(moment):
    return moment.replace(tzinfo=UTC).isoformat()


def model_dict(model):
    return {"id": model.id, "manufacturer": model.manufacturer, "model": model.model,
            "cabins": model.cabins, "seat_counts": domain.seat_counts(model.cabins)}


def airplane_dict(airplane):
    return {"id": airplane.id, "registration": airplane.registration, "model_id": airplane.model_id,
            "status": airplane.status, "model": model_dict(airplane.model)}


def window_dict(window):
    return {"id": window.id, "airplane_id": window.airplane_id, "starts_at": iso(window.starts_at),
            "ends_at": iso(window.ends_at), "reason": window.reason}


def page_size(limit, default=50):
    try:
        return max(1, min(int(limit or default), MAX_PAGE))
    except (TypeError, ValueError):
        raise InvalidInput("limit must be a whole number.", details={"fields": {"limit": ["Not a valid integer."]}})


def page(items, limit, key):
    limit = page_size(limit)
    return {"items": items[:limit], "next_cursor": key(items[limit - 1]) if len(items) > limit else None}


class AirplaneService:
    name = "airplane"

    db = Database(Base)
    services = BoundedRpc()
    dispatch = EventDispatcher()
    request_id = RequestContext()

    @rpc
    def health(self):
        check(self.db.session)
        return {"service": self.name, "status": "ok"}

    # -- models --------------------------------------------------------------------

    @rpc
    def create_model(self, data):
        values = load_or_raise(AirplaneModelInput(), data)
        domain.validate_cabins(values["cabins"])
        model = AirplaneModel(**values)
        self.db.session.add(model)
        try:
            self.db.session.commit()
        except IntegrityError:
            self.db.session.rollback()
            raise Conflict(f"{values['manufacturer']} {values['model']} already exists.", code="MODEL_EXISTS")
        return model_dict(model)

    @rpc
    def list_models(self):
        query = sa.select(AirplaneModel).order_by(AirplaneModel.manufacturer, AirplaneModel.model)
        return [model_dict(model) for model in self.db.session.scalars(query)]

    @rpc
    def get_model(self, model_id):
        return model_dict(self._model(model_id))

    @rpc
    def model_seats(self, model_id):
        return domain.derive_seats(self._model(model_id).cabins)

    def _model(self, model_id):
        model = self.db.session.get(AirplaneModel, str(model_id))
        if model is None:
            raise NotFound("No such airplane model.", details={"model_id": model_id})
        return model

    # -- airplanes -----------------------------------------------------------------

    @rpc
    def create_airplane(self, data):
        values = load_or_raise(AirplaneInput(), data)
        if self.db.session.get(AirplaneModel, values["model_id"]) is None:
            raise InvalidInput("Unknown airplane model.", details={"fields": {"model_id": ["No such airplane model."]}})
        airplane = Airplane(registration=values["registration"], model_id=values["model_id"], status="active")
        self.db.session.add(airplane)
        try:
            self.db.session.commit()
        except IntegrityError:
            self.db.session.rollback()
            raise Conflict(f"{values['registration']} is already registered.", code="REGISTRATION_TAKEN",
                           details={"registration": values["registration"]})
        return airplane_dict(airplane)

    @rpc
    def list_airplanes(self, limit=None, cursor=None):
        query = sa.select(Airplane).order_by(Airplane.registration).limit(page_size(limit) + 1)
        if cursor:
            query = query.where(Airplane.registration > str(cursor))
        airplanes = [airplane_dict(a) for a in self.db.session.scalars(query).unique()]
        return page(airplanes, limit, lambda airplane: airplane["registration"])

    @rpc
    def get_airplane(self, airplane_id):
        return airplane_dict(self._airplane(airplane_id))

    def _airplane(self, airplane_id):
        query = sa.select(Airplane).where(Airplane.id == str(airplane_id))
        airplane = self.db.session.scalars(query).unique().one_or_none()
        if airplane is None:
            raise NotFound("No such airplane.", details={"airplane_id": airplane_id})
        return airplane

    # Rules that span airplane and track (no flight while retired or in maintenance)
    # are checked *after* the commit, on both sides: of a flight and a window written
    # at the same moment, the later commit always sees the earlier one and is
    # withdrawn, so the two can never both stand (at worst both are refused).

    @rpc
    def retire_airplane(self, airplane_id):
        airplane = self._airplane(airplane_id)
        if airplane.status == "retired":
            return airplane_dict(airplane)
        airplane.status = "retired"
        self.db.session.commit()
        if self._track_says_busy(airplane.id):
            airplane.status = "active"
            self.db.session.commit()
            raise Conflict(f"{airplane.registration} still has flights scheduled; cancel or move them first.",
                           code="AIRPLANE_HAS_FLIGHTS", details={"airplane_id": airplane.id})
        return airplane_dict(airplane)

    def _track_says_busy(self, airplane_id, starts_at=None, ends_at=None):
        """Does track have a flight for the airplane (then)? Unknown counts as yes."""
        try:
            return self.services.track.airplane_has_flights(airplane_id, starts_at, ends_at)
        except ServiceUnavailable:
            return True

    # -- maintenance ---------------------------------------------------------------

    @rpc
    def schedule_maintenance(self, airplane_id, data):
        values = load_or_raise(MaintenanceInput(), data)
        starts_at, ends_at = to_utc_naive(values["starts_at"]), to_utc_naive(values["ends_at"])
        if ends_at <= starts_at:
            raise InvalidInput("The window must end after it starts.",
                               details={"fields": {"ends_at": ["Must be after starts_at."]}})
        airplane = self._airplane(airplane_id)
        if airplane.status == "retired":
            raise Conflict(f"{airplane.registration} is retired.", code="AIRPLANE_RETIRED")
        window = MaintenanceWindow(airplane_id=airplane.id, starts_at=starts_at, ends_at=ends_at,
                                   reason=values["reason"])
        self.db.session.add(window)
        self.db.session.commit()
        if self._track_says_busy(airplane.id, iso(starts_at), iso(ends_at)):
            self.db.session.delete(window)
            self.db.session.commit()
            raise Conflict(f"{airplane.registration} has a flight scheduled in that window.",
                           code="AIRPLANE_HAS_FLIGHTS",
                           details={"airplane_id": airplane.id, "starts_at": iso(starts_at), "ends_at": iso(ends_at)})
        answer = window_dict(window)
        self.dispatch("maintenance_scheduled", {**answer, "window_id": window.id})
        return answer

    @rpc
    def list_maintenance(self, airplane_id):
        airplane = self._airplane(airplane_id)
        query = (sa.select(MaintenanceWindow).where(MaintenanceWindow.airplane_id == airplane.id)
                 .order_by(MaintenanceWindow.starts_at))
        return [window_dict(window) for window in self.db.session.scalars(query)]

    @rpc
    def airplane_for_flight(self, airplane_id, starts_at, ends_at):
        """What track needs to schedule a flight: seats, or why the airplane cannot fly then."""
        airplane = self._airplane(airplane_id)
        if airplane.status == "retired":
            raise Conflict(f"{airplane.registration} is retired.", code="AIRPLANE_RETIRED",
                           details={"airplane_id": airplane.id})
        starts, ends = to_utc_naive(starts_at), to_utc_naive(ends_at)
        window = self.db.session.scalars(
            sa.select(MaintenanceWindow).where(
                MaintenanceWindow.airplane_id == airplane.id,
                MaintenanceWindow.starts_at < ends,
                MaintenanceWindow.ends_at > starts,
            ).limit(1)
        ).first()
        if window is not None:
            raise Conflict(f"{airplane.registration} is in maintenance then ({window.reason}).",
                           code="AIRPLANE_IN_MAINTENANCE", details={"window": window_dict(window)})
        cabins = airplane.model.cabins
        return {
            "id": airplane.id, "registration": airplane.registration, "status": airplane.status,
            "seats": [{"seat": seat["seat"], "class": seat["class"]} for seat in domain.derive_seats(cabins)],
            "seat_counts": domain.seat_counts(cabins),
        }
