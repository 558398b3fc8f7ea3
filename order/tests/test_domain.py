"""Order rules as plain functions: transitions, references, fingerprints, seats, departure."""
from datetime import UTC, datetime, timedelta

import pytest

from order import domain
from order.domain import CANCELLED, EXPIRED, PAID, PENDING_PAYMENT, REFUNDED, TICKETED


@pytest.mark.parametrize("current, target", [
    (PENDING_PAYMENT, PAID), (PENDING_PAYMENT, EXPIRED), (PENDING_PAYMENT, CANCELLED),
    (PAID, TICKETED), (PAID, REFUNDED), (TICKETED, REFUNDED),
])
def test_allowed_transitions(current, target):
    assert domain.can_transition(current, target)


@pytest.mark.parametrize("current, target", [
    (PENDING_PAYMENT, TICKETED), (PENDING_PAYMENT, REFUNDED), (PAID, CANCELLED), (PAID, EXPIRED),
    (TICKETED, CANCELLED), (TICKETED, PAID), (EXPIRED, PAID), (CANCELLED, PAID), (REFUNDED, TICKETED),
    (PAID, PAID), ("NONSENSE", PAID),
])
def test_refused_transitions(current, target):
    assert not domain.can_transition(current, target)


def test_sources_are_the_inverse_of_the_table():
    assert domain.sources_of(PAID) == [PENDING_PAYMENT]
    assert domain.sources_of(REFUNDED) == [PAID, TICKETED]
    assert domain.sources_of(TICKETED) == [PAID]
    assert domain.sources_of(PENDING_PAYMENT) == []


def test_final_states_have_no_way_out():
    assert {s for s in domain.STATES if domain.is_final(s)} == {EXPIRED, CANCELLED, REFUNDED}


def test_no_state_is_entered_twice_on_any_path():
    def paths(state, seen):
        yield seen
        for target in domain.TRANSITIONS[state]:
            assert target not in seen
            yield from paths(target, seen + [target])

    assert max(len(p) for p in paths(PENDING_PAYMENT, [PENDING_PAYMENT])) == 4


@pytest.mark.parametrize("status, action", [
    (PENDING_PAYMENT, "cancel"), (TICKETED, "refund"), (PAID, "wait"),
    (EXPIRED, "none"), (CANCELLED, "none"), (REFUNDED, "none"),
])
def test_cancel_action(status, action):
    assert domain.cancel_action(status) == action


def test_booking_refs_are_six_unambiguous_characters():
    refs = {domain.new_booking_ref() for _ in range(2000)}
    assert len(refs) > 1990
    for ref in refs:
        assert len(ref) == 6
        assert not set(ref) & set("0O1IL")
        assert set(ref) <= set(domain.BOOKING_REF_ALPHABET)


def test_booking_ref_uses_the_random_source_given():
    assert domain.new_booking_ref(lambda n: 0) == "AAAAAA"


def test_fingerprint_ignores_key_order_but_not_content():
    a = {"flight_id": "1", "passengers": [{"name": "A", "seat": "1A"}]}
    b = {"passengers": [{"seat": "1A", "name": "A"}], "flight_id": "1"}
    assert domain.request_fingerprint(a) == domain.request_fingerprint(b)
    assert domain.request_fingerprint(a) != domain.request_fingerprint(dict(a, flight_id="2"))


def test_named_seats_go_to_their_passengers_and_the_rest_in_turn():
    held = [
        {"seat": "3C", "class": "economy", "price": 100},
        {"seat": "10A", "class": "economy", "price": 90},
        {"seat": "10B", "class": "economy", "price": 90},
    ]
    passengers = [{"name": "Ann", "seat": None}, {"name": "Bob", "seat": "3C"}, {"name": "Cy"}]
    assigned = domain.assign_seats(passengers, held)
    assert [(p["name"], p["seat"], p["price"]) for p in assigned] == [
        ("Ann", "10A", 90), ("Bob", "3C", 100), ("Cy", "10B", 90),
    ]


def test_history_map_becomes_an_ordered_list():
    history = {PAID: "2026-01-01T10:05:00+00:00", PENDING_PAYMENT: "2026-01-01T10:00:00+00:00"}
    assert domain.history_list(history) == [
        {"status": PENDING_PAYMENT, "at": "2026-01-01T10:00:00+00:00"},
        {"status": PAID, "at": "2026-01-01T10:05:00+00:00"},
    ]


NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("status, departure_at, departed", [
    ("scheduled", "2026-06-01T13:00:00+00:00", False),
    ("delayed", "2026-06-01T13:00:00+00:00", False),
    ("boarding", "2026-06-01T13:00:00+00:00", True),
    ("departed", "2026-06-01T13:00:00+00:00", True),
    ("arrived", "2026-06-01T13:00:00+00:00", True),
    ("scheduled", "2026-06-01T12:00:00+00:00", True),  # its time has come, whatever the status says
    ("delayed", "2026-06-01T11:59:00+00:00", True),
    ("cancelled", "2026-06-01T11:00:00+00:00", False),  # refunded by the cancellation, not refused
])
def test_when_a_flight_counts_as_departed(status, departure_at, departed):
    assert domain.flight_has_departed({"status": status, "departure_at": departure_at}, NOW) is departed


def test_outbox_event_ids_sort_by_creation_time():
    first = domain.new_event("order_created", {}, now=NOW)
    later = domain.new_event("order_paid", {}, now=NOW + timedelta(milliseconds=1))

    assert first["id"] < later["id"] and first["id"].isalnum() and not first["id"][0].isdigit()
