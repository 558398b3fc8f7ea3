"""``order.fare_rules.refund_terms``: what a cancellation refunds under the rules an order was sold at."""
import pytest

from order.fare_rules import cancel_reason, refund_terms

LIGHT = {"refundable": False, "refund_fee_percent": 100, "free_seat_choice": False}
STANDARD = {"refundable": True, "refund_fee_percent": 25, "free_seat_choice": True}
FLEX = {"refundable": True, "refund_fee_percent": 0, "free_seat_choice": True}


def itinerary(*families, prices=(1000, 750)):
    """Two passengers (an adult, a child) on one segment per family, each in economy."""
    return {
        "amount": sum(prices) * len(families),
        "segments": [{"class": "economy"} for _ in families],
        "fares": [{"segment": i, "class": "economy", "rules": rules} for i, rules in enumerate(families)],
        "passengers": [{"segments": [{"class": "economy", "price": price} for _ in families]} for price in prices],
    }


@pytest.mark.parametrize("rules, refund", [(LIGHT, 0), (STANDARD, 1750 - 1750 * 25 // 100), (FLEX, 1750)])
def test_each_family_refunds_what_its_rules_say(rules, refund):
    assert refund_terms(itinerary(rules)) == {"amount": refund, "kept": 1750 - refund, "reason": "order_cancelled"}


def test_a_trip_adds_up_each_segments_rules():
    terms = refund_terms(itinerary(LIGHT, FLEX))
    assert terms == {"amount": 1750, "kept": 1750, "reason": "order_cancelled"}


def test_a_fee_is_rounded_down_in_the_customers_favour():
    assert refund_terms(itinerary(STANDARD, prices=(999,)))["kept"] == 249


@pytest.mark.parametrize("reason", ["flight_cancelled", "disruption"])
def test_what_the_airline_caused_is_refunded_in_full(reason):
    assert refund_terms(itinerary(LIGHT), reason) == {"amount": 1750, "kept": 0, "reason": reason}


def test_an_order_sold_before_fare_families_is_refunded_in_full():
    assert refund_terms({"amount": 500, "passengers": []}) == {"amount": 500, "kept": 0, "reason": "order_cancelled"}


def test_a_one_flight_order_pays_per_cabin():
    order = {"amount": 5000, "fares": [{"segment": 0, "class": "economy", "rules": STANDARD},
                                       {"segment": 0, "class": "business", "rules": LIGHT}],
             "passengers": [{"class": "economy", "price": 1000}, {"class": "business", "price": 4000}]}
    assert refund_terms(order) == {"amount": 750, "kept": 4250, "reason": "order_cancelled"}


def test_a_disrupted_booking_is_cancelled_for_the_airlines_reason():
    assert cancel_reason({"disruption": {"reason": "delay"}}) == "disruption"
    assert cancel_reason({}) == "order_cancelled"


def test_what_a_change_kept_stays_kept_unless_the_airline_cancels():
    changed = dict(itinerary(STANDARD), amount=1750 + 175, change_kept=175)  # a change's fee was paid
    assert refund_terms(changed) == {"amount": 1750 - 1750 * 25 // 100, "kept": 1750 * 25 // 100 + 175,
                                     "reason": "order_cancelled"}
    assert refund_terms(changed, "flight_cancelled") == {"amount": 1925, "kept": 0, "reason": "flight_cancelled"}
    light = dict(itinerary(LIGHT), amount=1750 + 175, change_kept=175)
    assert refund_terms(light) == {"amount": 0, "kept": 1925, "reason": "order_cancelled"}  # never more than held
