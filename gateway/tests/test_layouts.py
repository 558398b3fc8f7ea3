"""The cabin layouts added to a flight's seat map (gateway/layouts.py): the flight's airplane
asked of track each time (it may be swapped), its layouts once; left out (not failing the map)
when unknown or unanswered."""
from common.errors import NotFound
from gateway.layouts import CabinLayouts

CABINS = [{"class": "business", "rows": [1, 3], "layout": "AC-DF"},
          {"class": "economy", "rows": [6, 30], "layout": "ABC-DEF"}]


class Service:
    def __init__(self, answer):
        self.answer = answer
        self.calls = []

    def __getattr__(self, method):
        def call(*args):
            self.calls.append((method, args))
            if isinstance(self.answer, Exception):
                raise self.answer
            return self.answer
        return call


class Rpc:
    def __init__(self, track, airplane):
        self.track = track
        self.airplane = airplane


def test_a_flights_layouts_come_from_its_airplane_and_are_asked_once_per_airplane():
    rpc = Rpc(Service({"id": "f1", "airplane_id": "a1"}), Service({"id": "a1", "model": {"cabins": CABINS}}))
    layouts = CabinLayouts()
    assert layouts.of_flight(rpc, "f1") == CABINS
    assert layouts.of_flight(rpc, "f1") == CABINS
    assert rpc.track.calls == [("get_flight", ("f1",))] * 2
    assert rpc.airplane.calls == [("get_airplane", ("a1",))]


def test_a_swapped_flight_gets_its_new_airplanes_layouts():
    track = Service({"id": "f1", "airplane_id": "a1"})
    rpc = Rpc(track, Service({"id": "a1", "model": {"cabins": CABINS}}))
    layouts = CabinLayouts()
    assert layouts.of_flight(rpc, "f1") == CABINS
    track.answer = {"id": "f1", "airplane_id": "a2"}
    rpc.airplane.answer = {"id": "a2", "model": {"cabins": CABINS[1:]}}
    assert layouts.of_flight(rpc, "f1") == CABINS[1:]


def test_a_flight_track_does_not_know_has_no_layouts_and_is_asked_again_later():
    rpc = Rpc(Service(NotFound("No such flight.")), Service({}))
    layouts = CabinLayouts()
    assert layouts.of_flight(rpc, "f2") is None
    assert layouts.of_flight(rpc, "f2") is None
    assert len(rpc.track.calls) == 2 and rpc.airplane.calls == []


def test_a_service_that_fails_leaves_the_layouts_out():
    rpc = Rpc(Service({"id": "f3", "airplane_id": "a3"}), Service(TimeoutError("no answer")))
    assert CabinLayouts().of_flight(rpc, "f3") is None


def test_the_kept_layouts_are_bounded():
    rpc = Rpc(Service({"airplane_id": "a"}), Service({"model": {"cabins": CABINS}}))
    layouts = CabinLayouts(max_kept=2)
    for flight in ("f1", "f2", "f3"):
        layouts.of_flight(rpc, flight)
    assert len(layouts.kept) <= 2
