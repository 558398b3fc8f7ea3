"""Airplane models and their seat layouts, airplanes, maintenance windows.

Entrypoints only: validate the input, apply ``domain`` rules, read and write
through ``store``, answer with a ``schemas`` dump.
"""
from airplane import domain, schemas, store
from airplane.dependencies import BoundedRpc, Database, EventDispatcher, RequestContext
from airplane.models import Base
from airplane.schemas import AirplaneFilter, AirplaneInput, AirplaneModelInput, MaintenanceInput
from common.entrypoints import rpc
from common.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable, load_or_raise
from common.sql import check


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
        return schemas.dump_model(store.add_model(self.db.session, **values))

    @rpc
    def list_models(self):
        return schemas.dump_models(store.list_models(self.db.session))

    @rpc
    def get_model(self, model_id):
        return schemas.dump_model(self._model(model_id))

    @rpc
    def model_seats(self, model_id):
        return schemas.dump_seats(domain.derive_seats(self._model(model_id).cabins))

    def _model(self, model_id):
        model = store.find_model(self.db.session, model_id)
        if model is None:
            raise NotFound("No such airplane model.", details={"model_id": model_id})
        return model

    # -- airplanes -----------------------------------------------------------------

    @rpc
    def create_airplane(self, data):
        values = load_or_raise(AirplaneInput(), data)
        if store.find_model(self.db.session, values["model_id"]) is None:
            raise InvalidInput("Unknown airplane model.", details={"fields": {"model_id": ["No such airplane model."]}})
        return schemas.dump_airplane(store.add_airplane(self.db.session, values["registration"], values["model_id"]))

    @rpc
    def list_airplanes(self, limit=None, cursor=None, available_from=None, available_to=None, model_id=None,
                       min_seats=None):
        """Airplanes by registration; with a window, only those free for all of it (fleet availability)."""
        size = domain.page_size(limit)
        given = {"available_from": available_from, "available_to": available_to, "model_id": model_id,
                 "min_seats": min_seats}
        wanted = load_or_raise(AirplaneFilter(), {k: v for k, v in given.items() if v not in (None, "")})
        session = self.db.session
        model_ids = None
        if "model_id" in wanted:
            model_ids = [wanted["model_id"]]
        if "min_seats" in wanted:
            sized = domain.models_with_seats(store.list_models(session), wanted["min_seats"])
            model_ids = sized if model_ids is None else [m for m in model_ids if m in sized]
        free_between, busy = None, ()
        if "available_from" in wanted:
            # track owns the flights: one call names every airplane flying in the window
            busy = self.services.track.busy_airplanes(wanted["available_from"].isoformat(),
                                                      wanted["available_to"].isoformat())
            free_between = (domain.to_utc_naive(wanted["available_from"]),
                            domain.to_utc_naive(wanted["available_to"]))
        # one row more than the page tells whether another page exists
        airplanes = store.airplanes_after(session, cursor, size + 1, model_ids, free_between, busy)
        page, more = airplanes[:size], len(airplanes) > size
        return schemas.dump_airplane_page(page, page[-1].registration if more else None)

    @rpc
    def get_airplane(self, airplane_id):
        return schemas.dump_airplane(self._airplane(airplane_id))

    def _airplane(self, airplane_id):
        airplane = store.find_airplane(self.db.session, airplane_id)
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
        if airplane.status == domain.RETIRED:
            return schemas.dump_airplane(airplane)
        store.set_status(self.db.session, airplane, domain.RETIRED)
        if self._track_says_busy(airplane.id):
            store.set_status(self.db.session, airplane, domain.ACTIVE)
            raise Conflict(f"{airplane.registration} still has flights scheduled; cancel or move them first.",
                           code="AIRPLANE_HAS_FLIGHTS", details={"airplane_id": airplane.id})
        return schemas.dump_airplane(airplane)

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
        starts_at, ends_at = domain.to_utc_naive(values["starts_at"]), domain.to_utc_naive(values["ends_at"])
        domain.check_window(starts_at, ends_at)
        airplane = self._airplane(airplane_id)
        domain.check_can_fly(airplane)
        window = store.add_window(self.db.session, airplane.id, starts_at, ends_at, values["reason"])
        answer = schemas.dump_window(window)
        if self._track_says_busy(airplane.id, answer["starts_at"], answer["ends_at"]):
            store.remove_window(self.db.session, window)
            raise Conflict(f"{airplane.registration} has a flight scheduled in that window.",
                           code="AIRPLANE_HAS_FLIGHTS",
                           details={"airplane_id": airplane.id, "starts_at": answer["starts_at"],
                                    "ends_at": answer["ends_at"]})
        self.dispatch("maintenance_scheduled", {**answer, "window_id": window.id})
        return answer

    @rpc
    def list_maintenance(self, airplane_id):
        return schemas.dump_windows(store.windows_of(self.db.session, self._airplane(airplane_id).id))

    @rpc
    def airplane_for_flight(self, airplane_id, starts_at, ends_at):
        """What track needs to schedule a flight: seats, or why the airplane cannot fly then."""
        airplane = self._airplane(airplane_id)
        domain.check_can_fly(airplane)
        window = store.overlapping_window(self.db.session, airplane.id,
                                          domain.to_utc_naive(starts_at), domain.to_utc_naive(ends_at))
        if window is not None:
            raise Conflict(f"{airplane.registration} is in maintenance then ({window.reason}).",
                           code="AIRPLANE_IN_MAINTENANCE", details={"window": schemas.dump_window(window)})
        return schemas.dump_airplane_for_flight(airplane)
