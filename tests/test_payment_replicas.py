"""Two payment processes on one database and one broker, both running the sweep every
second: payments whose processor answer was lost are settled once, refunds the processor
did not confirm are finished once, and every event is published once."""
from collections import Counter

from payment.processor import ANSWER_LOST_CARD, FIRST_REFUND_FAILS_CARD
from tests.helpers import assert_error
from tests.helpers.booking import (
    GOOD_CARD,
    customer,
    flight_money,
    pay,
    place,
    saga_events,
    schedule_flight,
    wait_for_status,
)
from tests.helpers.harness import running_system
from tests.test_payment_faults import SETTLE_FAST, captures_of, payments_of, refunds_of


def test_two_payment_replicas_settle_and_refund_each_payment_once(make_system):
    with make_system(**SETTLE_FAST) as system, running_system(system.config, services=["payment"]):
        flight = schedule_flight(system, economy_rows=range(2, 6))
        with saga_events(system.config) as seen:
            lost, refunded = [], []
            for _ in range(3):
                client, _ = customer(system)
                order = place(client, flight, {"name": "Ann"})
                assert_error(client.post(f"/orders/{order['id']}/pay",
                                         json=dict(GOOD_CARD, card_number=ANSWER_LOST_CARD)),
                             503, "PAYMENT_OUTCOME_UNKNOWN")
                lost.append((client, order))
            for _ in range(2):
                client, _ = customer(system)
                order = place(client, flight, {"name": "Bob"})
                pay(client, order["id"], card=dict(GOOD_CARD, card_number=FIRST_REFUND_FAILS_CARD))
                wait_for_status(client, order["id"], "TICKETED", timeout=30)
                assert client.post(f"/orders/{order['id']}/cancel").status_code == 200
                refunded.append((client, order))

            for client, order in lost:
                wait_for_status(client, order["id"], "TICKETED", timeout=40)
            for client, order in refunded:
                wait_for_status(client, order["id"], "REFUNDED", timeout=40)

        for _, order in lost + refunded:
            assert len(payments_of(system, order["id"])) == 1 and len(captures_of(system, order["id"])) == 1
        for _, order in refunded:
            assert len(refunds_of(system, order["id"])) == 1
        published = Counter((kind, payload["payment_id"]) for source, kind, payload in seen.events
                            if source == "payment" and kind in ("payment_succeeded", "payment_refunded"))
        assert set(published.values()) == {1}, published
        assert len(published) == len(lost) + 2 * len(refunded)
        amount = lost[0][1]["amount"]
        assert flight_money(system, flight) == {"captured": 5 * amount, "refunded": 2 * amount,
                                                "ticketed": 3 * amount}
