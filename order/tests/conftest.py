"""The saga's unit tests' stand-ins (``order.tests.fakes``, ``tests.helpers.fakes``):
``orders`` is an ``order.saga.Orders`` on them, with flight-1 scheduled in track."""
import pytest

from order.saga import Orders
from order.tests.fakes import FakeOrderStore, FakeTicket, FakeTrack
from tests.helpers.fakes import Dispatcher, Services

USER = "user-1"
BODY = {"flight_id": "flight-1", "passengers": [{"name": "Ada Lovelace", "seat": "3C"}, {"name": "Bo"}]}


@pytest.fixture
def ticket():
    return FakeTicket(price=100_000)


@pytest.fixture
def track():
    flights = FakeTrack()
    flights.schedule("flight-1")
    return flights


@pytest.fixture
def store():
    return FakeOrderStore()


@pytest.fixture
def dispatch():
    return Dispatcher()


@pytest.fixture
def orders(store, ticket, track, dispatch):
    return Orders(store, Services(ticket=ticket, track=track), dispatch)
