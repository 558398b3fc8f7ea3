"""The saga's unit tests' stand-ins (``order.tests.fakes``, ``tests.helpers.fakes``):
``orders`` is an ``order.saga.Orders`` on them, with flight-1 scheduled in track."""
import uuid

import pytest

from common.mongo import mongo_client
from order.saga import Orders
from order.store import create_indexes
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


@pytest.fixture
def db(mongo_uri):
    """A MongoDB database of its own for order's real store (dropped afterwards)."""
    client = mongo_client({"MONGO_URI": mongo_uri})
    name = f"order_unit_{uuid.uuid4().hex[:8]}"
    create_indexes(client[name])
    yield client[name]
    client.drop_database(name)
    client.close()
