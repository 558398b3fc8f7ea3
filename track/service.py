"""Airports, flights (schedule, fares, status) and flight search.

Entrypoints: validate the input, apply ``domain`` rules, read and write through
``store`` (scheduling, which asks airplane, is the ``scheduling`` use case),
answer with a ``schemas`` dump.
"""
import logging
from datetime import UTC, datetime, timedelta

from marshmallow import ValidationError

from common.config import SettingsProvider
from common.entrypoints import config_timer, event_handler, rpc
from common.errors import InvalidInput, NotFound, load_or_raise
from common.metrics import Metrics
from common.sql import check
from track import disruptions, domain, fare_schemas, itineraries, pricing, scheduling, schemas, store, tracking
from track.dependencies import AirportTimeZones, BoundedRpc, Database, EventDispatcher, RequestContext
from track.fare_schemas import FareFamilyInput, FaresInput, ItineraryQuery, QuoteInput
from track.models import Base
from track.schemas import (
    AirplaneChangeInput,
    AirportQuery,
    AvailabilityChangedSchema,
    BoardQuery,
    CalendarQuery,
    ConflictsQuery,
    FlightInput,
    FlightStatusQuery,
    SearchQuery,
    StatusInput,
)

log = logging.getLogger(__name__)

# flights whose counts one ``ticket.availability_counts`` call of the repair asks for
REPAIR_PAGE = 1000


class TrackService:
    name = "track"

    settings = SettingsProvider()
    db = Database(Base)
    airport_time_zones = AirportTimeZones()
    services = BoundedRpc()
    dispatch = EventDispatcher()
    request_id = RequestContext()
    metrics = Metrics()

    @rpc
    def health(self):
        check(self.db.session)
        return {"service": self.name, "status": "ok"}

    # -- airports ------------------------------------------------------------------

    @rpc
    def list_airports(self, q=None, limit=20):
        query = load_or_raise(AirportQuery(), {k: v for k, v in {"q": q, "limit": limit}.items() if v is not None})
        return schemas.dump_airports(store.search_airports(self.db.session, domain.search_text(query.get("q")),
                                                           query["limit"]))

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
        departure_at, arrival_at = domain.utc(values["departure_at"]), domain.utc(values["arrival_at"])
        domain.check_schedule(values["origin"], values["destination"], departure_at, arrival_at,
                              datetime.now(UTC))
        self._time_zones(values["origin"], values["destination"])
        flight, event = scheduling.schedule(self.db.session, self.services.airplane, values, departure_at,
                                            arrival_at, timedelta(minutes=self.settings.min_turnaround_minutes))
        answer = schemas.dump_flight(flight)
        self._publish([event])
        return answer

    def _publish(self, event_ids):
        """Publish events just committed with their change; if the broker is not taking
        them now, the relay timer will (the change itself stands either way)."""
        try:
            store.OUTBOX.publish(self.db.session, self.dispatch, event_ids)
        except Exception:
            self.db.session.rollback()
            log.warning("events %s not published yet; the outbox relay will publish them", event_ids, exc_info=True)

    @config_timer("expiry_sweep_seconds")
    def relay_events(self):
        relayed = store.OUTBOX.relay(self.db.session, self.dispatch, self.settings.track_event_relay_seconds)
        if relayed:
            log.warning("relayed %d events that were committed but not published", relayed)

    @rpc
    def get_flight(self, flight_id):
        return schemas.dump_flight(self._flight(flight_id))

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
        old_departure_at, old_arrival_at = flight.departure_at, flight.arrival_at
        flight.departure_at, flight.arrival_at = domain.status_times(flight.departure_at, flight.arrival_at,
                                                                     new, values)
        flight.status = new
        session = self.db.session
        session.flush()
        answer = schemas.dump_flight(flight)
        events = [store.OUTBOX.add(session, "flight_status_changed", {
            "flight_id": answer["id"], "old": old, "new": new,
            "departure_at": answer["departure_at"], "arrival_at": answer["arrival_at"],
        })]
        if new == domain.CANCELLED:
            events.append(store.OUTBOX.add(session, "flight_cancelled", {"flight_id": answer["id"]}))
        retimed = flight.departure_at != old_departure_at or flight.arrival_at != old_arrival_at
        if retimed:
            events.append(store.OUTBOX.add(session, "flight_retimed",
                                           disruptions.retimed_payload(flight, old_departure_at, old_arrival_at)))
        session.commit()
        self._publish(events)
        if retimed:
            try:
                disruptions.record_knock_on_conflicts(
                    self.db.session, self.services.airplane, self._flight(flight_id),
                    timedelta(minutes=self.settings.min_turnaround_minutes))
            except Exception:  # the delay stands; its conflicts are a report, not part of it
                self.db.session.rollback()
                log.warning("knock-on conflicts of flight %s's delay not recorded", flight_id, exc_info=True)
        return answer

    @rpc
    def change_airplane(self, flight_id, data):
        """Aircraft swap: the flight flies another airplane (``scheduling.swap_airplane``)."""
        values = load_or_raise(AirplaneChangeInput(), data)
        flight = self._flight(flight_id, lock=True)
        flight, event = scheduling.swap_airplane(self.db.session, self.services.airplane, flight,
                                                 values["airplane_id"],
                                                 timedelta(minutes=self.settings.min_turnaround_minutes))
        answer = schemas.dump_flight(flight)
        if event is not None:
            self._publish([event])
        return answer

    @rpc
    def list_conflicts(self, limit=None, cursor=None):
        """The knock-on conflicts of delays, newest first (``GET /admin/conflicts``)."""
        query = load_or_raise(ConflictsQuery(), _present(limit=limit, cursor=cursor))
        return disruptions.conflicts_page(self.db.session, query["limit"], query["cursor"])

    @rpc
    def busy_airplanes(self, starts_at, ends_at):
        """Ids of the airplanes flying during [starts_at, ends_at), turnaround included
        (what airplane's fleet availability leaves out)."""
        starts, ends = domain.parse_time(starts_at, "starts_at"), domain.parse_time(ends_at, "ends_at")
        turnaround = timedelta(minutes=self.settings.min_turnaround_minutes)
        return store.busy_airplanes(self.db.session, *domain.overlaps_with_turnaround(starts, ends, turnaround))

    @rpc
    def airplane_has_flights(self, airplane_id, starts_at=None, ends_at=None):
        session = self.db.session
        if starts_at is None and ends_at is None:
            return store.has_future_flight(session, str(airplane_id), datetime.now(UTC))
        starts, ends = domain.parse_time(starts_at, "starts_at"), domain.parse_time(ends_at, "ends_at")
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
        availability = store.availability_of(self.db.session, page)
        items = []
        for flight in page:
            found = domain.offer(flight.fares, availability.get(str(flight.id)) or {},
                                 query["passengers"], query["cabin_class"])
            if found is not None:
                items.append(schemas.offer_item(flight, *found))
        # the cursor follows the last flight examined, listed or not, so a page
        # of full flights never repeats
        next_cursor = domain.encode_cursor(page[-1].departure_at, page[-1].id) if more else None
        return schemas.search_page(items, next_cursor)

    # -- fare families and prices (track/pricing.py) -----------------------------------

    @rpc
    def list_fare_families(self):
        return fare_schemas.dump_families(store.fare_families(self.db.session))

    @rpc
    def update_fare_family(self, code, data):
        values = load_or_raise(FareFamilyInput(), data)
        return fare_schemas.dump_family(pricing.update_family(self.db.session, str(code), values))

    @rpc
    def set_fares(self, flight_id, data):
        values = load_or_raise(FaresInput(), data)
        flight = self._flight(flight_id, lock=True)
        event = pricing.set_fares(self.db.session, flight, values["fares"])
        answer = schemas.dump_flight(flight)
        self._publish([event])
        return answer

    @rpc
    def fare_quote(self, flight_id, cabin_class, family="standard"):
        """One seat's fare on a flight in a cabin and family, with the family's rules."""
        return self.fare_quotes([{"flight_id": flight_id, "class": cabin_class, "family": family}])[0]

    @rpc
    def fare_quotes(self, segments):
        """``fare_quote`` of each ``{flight_id, class, family?}``, in order, in one read."""
        if not isinstance(segments, list) or not 1 <= len(segments) <= 8:
            raise domain.field_error("segments", "A list of 1 to 8 segments.")
        loaded = [load_or_raise(QuoteInput(), segment) for segment in segments]
        return pricing.quotes(self.db.session, [
            {"flight_id": s["flight_id"], "class": s["cabin_class"], "family": s["family"]} for s in loaded])

    @rpc
    def search_itineraries(self, origin, destination, date, return_date=None, passengers=None, cabin_class=None,
                           sort=None, limit=None, cursor=None):
        query = load_or_raise(ItineraryQuery(), {
            "origin": origin, "destination": destination, "date": date, "return_date": return_date,
            "passengers": passengers, "class": cabin_class, "sort": sort, "limit": limit, "cursor": cursor,
        }, "Invalid trip search")
        self._time_zones(query["origin"], query["destination"])
        session = self.db.session
        return itineraries.search(session, self.airport_time_zones.time_zones(session), query,
                                  timedelta(minutes=self.settings.min_connection_minutes))

    # -- tracking and discovery (track/tracking.py) ----------------------------------

    @rpc
    def flight_status(self, flight_number, date):
        query = load_or_raise(FlightStatusQuery(), _present(flight_number=flight_number, date=date))
        session = self.db.session
        return tracking.flight_status(session, self.airport_time_zones.places(session), query["flight_number"],
                                      query["date"])

    @rpc
    def airport_board(self, code, board, date, limit=None, cursor=None):
        if board not in domain.BOARDS:
            raise domain.field_error("board", f"One of {', '.join(domain.BOARDS)}.")
        query = load_or_raise(BoardQuery(), _present(date=date, limit=limit, cursor=cursor))
        session = self.db.session
        return tracking.airport_board(session, self.airport_time_zones.places(session), str(code).strip().upper(),
                                      board, query)

    @rpc
    def fare_calendar(self, origin, destination, first_day, last_day, passengers=None, cabin_class=None):
        query = load_or_raise(CalendarQuery(), {
            "origin": origin, "destination": destination, "from": first_day, "to": last_day,
            "passengers": passengers, "class": cabin_class}, "Invalid calendar")
        origin_tz, _ = self._time_zones(query["origin"], query["destination"])
        return tracking.fare_calendar(self.db.session, origin_tz, query)

    # -- free seats: track's copy of ticket's counts (docs/benchmarks.md) ----------------

    @event_handler("ticket", "availability_changed")
    def on_availability_changed(self, payload):
        try:
            event = AvailabilityChangedSchema().load(payload)
        except ValidationError as exc:
            log.warning("ignored malformed availability_changed event: %s", exc.messages)
            return
        store.save_availability(self.db.session, event["flights"])
        self.db.session.commit()

    @config_timer("availability_repair_seconds")
    def repair_availability(self):
        """Ticket's counts of every future flight, page by page: what a lost
        ``availability_changed`` left stale is mended within AVAILABILITY_REPAIR_SECONDS."""
        session, after, repaired = self.db.session, None, 0
        while True:
            ids = store.future_flight_ids(session, after, REPAIR_PAGE)
            session.commit()
            if not ids:
                break
            counts = AvailabilityChangedSchema().load(
                {"flights": self.services.ticket.availability_counts([str(i) for i in ids])})["flights"]
            repaired += store.save_availability(session, counts)
            session.commit()
            after = ids[-1]
        log.info("availability repair: counts of %d future flights read from ticket", repaired)


def _present(**values):
    """The arguments given (an absent query parameter arrives as None or "")."""
    return {key: value for key, value in values.items() if value not in (None, "")}
