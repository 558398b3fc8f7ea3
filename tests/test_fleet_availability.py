"""Fleet availability through the gateway: ``GET /airplanes?available_from=&available_to=``
lists the airplanes free the whole window (no flight within the turnaround, no
maintenance, not retired); without a window the list is as it always was."""
from datetime import timedelta

from tests.helpers import assert_error
from tests.helpers.fleet import create_airplane, create_model, schedule_flight, utc_in


def all_airplanes(admin, **params):
    items, cursor = [], None
    while True:
        response = admin.get("/airplanes", params={**params, "limit": 200, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return items


def test_only_airplanes_free_for_the_whole_window_are_listed(system, admin):
    model = create_model(admin)
    free, flying, turning, serviced, retired = (create_airplane(admin, model["id"]) for _ in range(5))
    starts = utc_in(days=70)
    ends = starts + timedelta(hours=6)
    schedule_flight(admin, flying, starts + timedelta(hours=2))
    # lands 20 minutes before the window: still turning around (45 minutes) when it starts
    schedule_flight(admin, turning, starts - timedelta(hours=2, minutes=10))
    window = {"starts_at": (ends - timedelta(hours=1)).isoformat(), "ends_at": (ends + timedelta(days=1)).isoformat(),
              "reason": "A-check"}
    assert admin.post(f"/airplanes/{serviced['id']}/maintenance", json=window).status_code == 201
    assert admin.patch(f"/airplanes/{retired['id']}", json={"status": "retired"}).status_code == 200
    # a flight the week before the window does not matter
    schedule_flight(admin, free, starts - timedelta(days=7))

    params = {"available_from": starts.isoformat(), "available_to": ends.isoformat(), "model_id": model["id"]}
    assert [a["id"] for a in all_airplanes(admin, **params)] == [free["id"]]
    later = {**params, "available_from": (ends + timedelta(days=2)).isoformat(),
             "available_to": (ends + timedelta(days=3)).isoformat()}
    assert {a["id"] for a in all_airplanes(admin, **later)} == {free["id"], flying["id"], turning["id"],
                                                                  serviced["id"]}
    # without a window: every airplane, retired and busy ones included
    assert {free["id"], flying["id"], retired["id"], serviced["id"]} <= {a["id"] for a in all_airplanes(admin)}


def test_cabin_size_picks_the_models_with_enough_seats(system, admin):
    small = create_airplane(admin, cabins=[{"class": "economy", "rows": [1, 2], "layout": "AB-CD"}])  # 8 seats
    large = create_airplane(admin)  # 162 seats
    starts = utc_in(days=71)
    window = {"available_from": starts.isoformat(), "available_to": (starts + timedelta(hours=3)).isoformat()}
    listed = {a["id"] for a in all_airplanes(admin, **window, min_seats=100)}
    assert large["id"] in listed and small["id"] not in listed
    assert small["id"] in {a["id"] for a in all_airplanes(admin, min_seats=8, model_id=small["model_id"])}


def test_a_window_needs_both_ends_in_order(system, admin):
    starts = utc_in(days=72)
    assert_error(admin.get("/airplanes", params={"available_from": starts.isoformat()}), 400)
    backwards = {"available_from": starts.isoformat(), "available_to": (starts - timedelta(hours=1)).isoformat()}
    assert_error(admin.get("/airplanes", params=backwards), 400)
    assert_error(admin.get("/airplanes", params={"available_from": "tomorrow", "available_to": "later"}), 400)
