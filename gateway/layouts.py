"""The cabins' layouts of a flight ("ABC-DEF": a dash is an aisle), added to its seat map
(``GET /flights/{id}/seats``) so a seat map can draw its aisles where they are. Ticket's
seat map knows seats, not layouts: track knows the flight's airplane, airplane its model's
cabins. A flight may change airplane (an aircraft swap), but an airplane never changes model
nor a model its cabins, so the layouts are kept per airplane in this process (bounded), and
only the flight's airplane is asked of track each time. The layouts only decorate the seat map: a
flight that track or airplane does not know (ticket learned it from an event alone) has
none, and a service that does not answer leaves them out rather than failing the map."""
import logging

from marshmallow import fields

from airplane.schemas import CabinSchema
from common.errors import NotFound
from ticket.schemas import SeatMapSchema

log = logging.getLogger(__name__)
MAX_KEPT = 10_000


class FlightSeatMapSchema(SeatMapSchema):
    cabins = fields.List(fields.Nested(CabinSchema), metadata={
        "description": "the cabins' layouts, front to back: rows (first, last) and the seat letters, a dash "
                       "where an aisle runs (ABC-DEF); absent when the airplane is not known"})


class CabinLayouts:
    def __init__(self, max_kept=MAX_KEPT):
        self.max_kept = max_kept
        self.kept = {}

    def of_flight(self, rpc, flight_id):
        """``[{class, rows, layout}]`` of the flight's airplane, or None."""
        try:
            airplane_id = rpc.track.get_flight(flight_id)["airplane_id"]
            if airplane_id in self.kept:
                return self.kept[airplane_id]
            cabins = rpc.airplane.get_airplane(airplane_id)["model"]["cabins"]
        except NotFound:
            return None
        except Exception:  # the seat map stands without its layouts
            log.warning("no cabin layouts for flight %s", flight_id, exc_info=True)
            return None
        if len(self.kept) >= self.max_kept:
            self.kept.clear()
        self.kept[airplane_id] = cabins
        return cabins


CABIN_LAYOUTS = CabinLayouts()
