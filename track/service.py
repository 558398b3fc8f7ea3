"""Airports, flights (schedule, fares, status) and flight search."""
import logging
from datetime import UTC, datetime, timedelta

from nameko.dependency_providers import Config
from sqlalchemy.exc import IntegrityError

from common.entrypoints import config_timer, rpc
from common.errors import Conflict, InvalidInput, NotFound, load_or_raise
from common.outbox import Outbox
from common.sql import check
from track import domain, store
from track.dependencies import AirportTimeZones, BoundedRpc, Database, EventDispatcher, RequestContext
from track.models import Base, Flight, OutboxEvent
from track.schemas import AirportQuery, FlightInput, SearchQuery, StatusInput


def utc(moment):
    return moment.astimezone(UTC)


def parse_time(value, field):
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    except (TypeError, ValueError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise domain.field_error(field, "Use ISO 8601 with an offset.")
    return utc(moment)


log = logging.getLogger(__name__)
OUTBOX = Outbox(OutboxEvent)
DEFAULT_EVENT_RELAY_SECONDS = 30


class TrackService:
    name = "track"

    config = Config()
    db = Database(Base)
    airport_time_zones = AirportTimeZones()
    services = BoundedRpc()
    dispatch = EventDispatcher()
    request_id = RequestContext()

    @rpc
    def health(self):
        check(self.db.session)
        return {"service": self.name, "status": "ok"}

    # -- airports ------------------------------------------------------------------

    @rpc
    def list_airports(self, q=None, limit=20):
        query = load_or_raise(AirportQuery(), {k: v for k, v in {"q": q, "limit": limit}.items() if v is not None})
        return store.search_airports(self.db.session, (query.get("q") or "").strip(), query["limit"])

    def _time_zones(self, *codes):
        """The time zone of each airport code; an unknown code is invalid input."""
        found = self.airport_time_zones.time_zones(self.db.session)
        unknown = {field: ["Unknown airport."] for field, code in zip(("origin", "destination"), codes)
                   if code not in found}
        if unknown:
            raise InvalidInput("Unknown airport.", code="UNKNOWN_AIRPORT", details={"fields": unknown})
        return [found[code] for code in codes]

    # -- flights -------------------------------------------------------------------

    @rpc
    def schedule_flight(self, data):
        values = load_or_raise(FlightInput(), data)
        departure_at, arrival_at = utc(values["departure_at"]), utc(values["arrival_at"])
        domain.check_schedule(values["origin"], values["destination"], departure_at, arrival_at,
                              datetime.now(UTC))
        self._time_zones(values["origin"], values["destination"])
        if store.flight_exists(self.db.session, values["flight_number"], departure_at):
            raise Conflict(f"{values['flight_number']} already departs at that time.", code="FLIGHT_EXISTS")
        airplane = self._airplane_for_flight(values["airplane_id"], departure_at, arrival_at)
        domain.check_fares(values["fares"], airplane["seat_counts"])

        session = self.db.session
        self._lock_free_airplane(airplane, departure_at, arrival_at)
        flight = Flight(
            flight_number=values["flight_number"], airplane_id=airplane["id"], origin=values["origin"],
            destination=values["destination"], departure_at=departure_at, arrival_at=arrival_at,
            status="scheduled", fares=values["fares"], currency=values["currency"],
            seat_counts=airplane["seat_counts"],
        )
        session.add(flight)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            raise Conflict(f"{values['flight_number']} already departs at that time.",
                                  code="FLIGHT_EXISTS")
        answer = store.flight_dict(flight)
        event = OUTBOX.add(session, "flight_scheduled", {
            "flight_id": answer["id"], **{k: answer[k] for k in (
                "flight_number", "airplane_id", "origin", "destination", "departure_at", "arrival_at",
                "currency", "fares")},
            "seats": airplane["seats"],
        })
        session.commit()
        self._confirm_airplane_free(flight, event, departure_at, arrival_at)
        self._publish([event])
        return answer

    def _confirm_airplane_free(self, flight, event, departure_at, arrival_at):
        """Ask airplane again now that the flight is committed: a maintenance window or a
        retirement committed meanwhile wins, and the flight is withdrawn before anyone
        hears of it (airplane checks the same way after its own commits)."""
        try:
            self._airplane_for_flight(flight.airplane_id, departure_at, arrival_at)
        except Exception:
            store.withdraw_flight(self.db.session, flight.id, OUTBOX.model, event)
            self.db.session.commit()
            raise

    def _publish(self, event_ids):
        """Publish events just committed with their change; if the broker is not taking
        them now, the relay timer will (the change itself stands either way)."""
        try:
            OUTBOX.publish(self.db.session, self.dispatch, event_ids)
        except Exception:
            self.db.session.rollback()
            log.warning("events %s not published yet; the outbox relay will publish them", event_ids, exc_info=True)

    @config_timer("expiry_sweep_seconds")
    def relay_events(self):
        relayed = OUTBOX.relay(self.db.session, self.dispatch,
                               float(self.config.get("TRACK_EVENT_RELAY_SECONDS", DEFAULT_EVENT_RELAY_SECONDS)))
        if relayed:
            log.warning("relayed %d events that were committed but not published", relayed)

    def _lock_free_airplane(self, airplane, departure_at, arrival_at):
        """Lock the airplane's schedule (until commit) and make sure it is on the
        ground, turnaround included, for the whole flight."""
        session = self.db.session
        store.lock_airplane(session, airplane["id"])
        turnaround = timedelta(minutes=int(self.config.get("MIN_TURNAROUND_MINUTES", 45)))
        busy = store.overlapping_flight(session, airplane["id"],
                                        *domain.overlaps_with_turnaround(departure_at, arrival_at, turnaround))
        if busy is not None:
            session.rollback()
            raise Conflict(
                f"{airplane['registration']} is flying {busy.flight_number} then "
                f"(with {turnaround.seconds // 60} minutes turnaround).",
                code="AIRPLANE_BUSY", details={"flight": store.flight_dict(busy)},
            )

    def _airplane_for_flight(self, airplane_id, departure_at, arrival_at):
        try:
            return self.services.airplane.airplane_for_flight(airplane_id, departure_at.isoformat(),
                                                         arrival_at.isoformat())
        except NotFound:
            raise InvalidInput("Unknown airplane.", code="UNKNOWN_AIRPLANE",
                               details={"fields": {"airplane_id": ["No such airplane."]}})

    @rpc
    def get_flight(self, flight_id):
        return store.flight_dict(self._flight(flight_id))

    def _flight(self, flight_id, lock=False):
        flight = store.find_flight(self.db.session, flight_id, lock)
        if flight is None:
            raise NotFound("No such flight.", details={"flight_id": flight_id})
        return flight

    @rpc
    def change_status(self, flight_id, data):
        values = load_or_raise(StatusInput(), data)
        flight = self._flight(flight_id, lock=True)
        old, new = flight.status, values["status"]
        domain.check_transition(old, new)
        if new == "delayed":
            flight.departure_at, flight.arrival_at = self._delayed_times(flight, values)
        elif "departure_at" in values or "arrival_at" in values:
            raise domain.field_error("status", "New times go with status 'delayed' only.")
        flight.status = new
        session = self.db.session
        session.flush()
        answer = store.flight_dict(flight)
        events = [OUTBOX.add(session, "flight_status_changed", {
            "flight_id": answer["id"], "old": old, "new": new,
            "departure_at": answer["departure_at"], "arrival_at": answer["arrival_at"],
        })]
        if new == "cancelled":
            events.append(OUTBOX.add(session, "flight_cancelled", {"flight_id": answer["id"]}))
        session.commit()
        self._publish(events)
        return answer

    @staticmethod
    def _delayed_times(flight, values):
        if "departure_at" not in values:
            raise domain.field_error("departure_at", "A delay needs the new departure time.")
        departure_at = utc(values["departure_at"])
        if departure_at <= flight.departure_at:
            raise domain.field_error("departure_at", "A delay moves the departure later.")
        arrival_at = utc(values["arrival_at"]) if "arrival_at" in values else \
            departure_at + (flight.arrival_at - flight.departure_at)
        if arrival_at <= departure_at:
            raise domain.field_error("arrival_at", "Must be after departure_at.")
        return departure_at, arrival_at

    @rpc
    def airplane_has_flights(self, airplane_id, starts_at=None, ends_at=None):
        session = self.db.session
        if starts_at is None and ends_at is None:
            return store.has_future_flight(session, str(airplane_id), datetime.now(UTC))
        starts, ends = parse_time(starts_at, "starts_at"), parse_time(ends_at, "ends_at")
        return store.overlapping_flight(session, str(airplane_id), starts, ends) is not None

    # -- search --------------------------------------------------------------------

    @rpc
    def search_flights(self, origin, destination, date, passengers=1, cabin_class=None, limit=20, cursor=None):
        query = load_or_raise(SearchQuery(), {
            "origin": origin, "destination": destination, "date": date, "passengers": passengers,
            "class": cabin_class, "limit": limit, "cursor": cursor,
        }, "Invalid search")
        origin_tz, _ = self._time_zones(query["origin"], query["destination"])
        starts_at, ends_at = domain.local_day_utc_range(query["date"], origin_tz)
        after = None
        if query["cursor"]:
            departure, flight_id = domain.decode_cursor(query["cursor"])
            key = store.as_uuid(flight_id)
            if key is None:
                raise domain.field_error("cursor", "Not a cursor this API gave out.", code="INVALID_CURSOR")
            after = (departure, key)
        # one row more than the page tells whether another page exists
        flights = store.flights_on_route(self.db.session, query["origin"], query["destination"],
                                         starts_at, ends_at, after, query["limit"] + 1)
        page, more = flights[:query["limit"]], len(flights) > query["limit"]
        availability = self.services.ticket.availability([str(f.id) for f in page]) if page else {}
        items = []
        for flight in page:
            found = domain.offer(flight.fares, availability.get(str(flight.id)) or {},
                                 query["passengers"], query["cabin_class"])
            if found is not None:
                seats_available, lowest_fare = found
                items.append({**store.flight_dict(flight), "seats_available": seats_available,
                              "lowest_fare": {**lowest_fare, "currency": flight.currency}})
        # the cursor follows the last flight examined, listed or not, so a page
        # of full flights never repeats
        next_cursor = domain.encode_cursor(page[-1].departure_at, page[-1].id) if more else None
        return {"items": items, "next_cursor": next_cursor}
