"""track's events go through a transactional outbox: committed with the change,
published after it, and relayed later if the publish never happened."""
import json
import uuid
from datetime import timedelta

import sqlalchemy as sa

from common.sql import service_db_uri
from tests.helpers import wait_until
from tests.helpers.accounts import admin_client
from tests.helpers.fleet import create_airplane, schedule_flight, utc_in


def track_engine(system):
    return sa.create_engine(service_db_uri(system.config, "track"), poolclass=sa.pool.NullPool)


def outbox_rows(engine, flight_id):
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT event_type, published_at FROM outbox WHERE payload->>'flight_id' = :f ORDER BY id"
        ), {"f": flight_id}).all()


def test_events_are_recorded_with_the_change_and_marked_published(system):
    admin = admin_client(system)
    flight = schedule_flight(admin, create_airplane(admin), utc_in(days=40, hours=3))
    assert admin.patch(f"/flights/{flight['id']}/status", json={"status": "cancelled"}).status_code == 200
    engine = track_engine(system)
    try:
        rows = outbox_rows(engine, flight["id"])
    finally:
        engine.dispose()
    assert [row.event_type for row in rows] == ["flight_scheduled", "flight_status_changed", "flight_cancelled"]
    assert all(row.published_at is not None for row in rows)


def test_an_event_committed_but_never_published_is_relayed(make_system):
    """The process died between the commit and the publish: the flight exists, its
    flight_scheduled is still in the outbox, and the relay gets it to ticket."""
    with make_system(EXPIRY_SWEEP_SECONDS=1, TRACK_EVENT_RELAY_SECONDS=1) as system:
        admin = admin_client(system)
        airplane = create_airplane(admin)
        template = schedule_flight(admin, airplane, utc_in(days=41, hours=5))
        engine = track_engine(system)
        try:
            with engine.begin() as conn:
                published = conn.execute(sa.text(
                    "SELECT payload FROM outbox WHERE event_type = 'flight_scheduled' AND payload->>'flight_id' = :f"
                ), {"f": template["id"]}).scalar_one()
                lost_id = str(uuid.uuid4())
                departure = utc_in(days=42, hours=5)
                conn.execute(sa.text(
                    "INSERT INTO flights (id, flight_number, airplane_id, origin, destination, departure_at,"
                    " arrival_at, scheduled_departure_at, scheduled_arrival_at, status, fares, currency, seat_counts)"
                    " SELECT :id, 'GA9991', airplane_id, origin, destination, :dep, :arr, :dep, :arr, status, fares,"
                    " currency, seat_counts FROM flights WHERE id = :template"
                ), {"id": lost_id, "dep": departure, "arr": departure + timedelta(hours=2), "template": template["id"]})
                payload = dict(published, flight_id=lost_id, flight_number="GA9991",
                               departure_at=departure.isoformat(),
                               arrival_at=(departure + timedelta(hours=2)).isoformat())
                conn.execute(sa.text(
                    "INSERT INTO outbox (event_type, payload, created_at)"
                    " VALUES ('flight_scheduled', CAST(:payload AS jsonb), now() - interval '1 minute')"
                ), {"payload": json.dumps(payload)})

            wait_until(lambda: system.http.get(f"/flights/{lost_id}/seats").status_code == 200,
                       timeout=20, what="ticket to build the relayed flight's inventory")
            assert system.http.get(f"/flights/{lost_id}/seats").json()["seats"]
            assert all(row.published_at is not None for row in outbox_rows(engine, lost_id))
        finally:
            engine.dispose()
