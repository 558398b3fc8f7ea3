"""Card data stays out of durable places (issue 12): the pay request crosses RabbitMQ as a
transient message (never written to disk by the broker), and no log line of a booking,
paid and declined, carries a card number or a CVC.
"""
import logging
import re
import threading
import uuid

from kombu import Connection, Queue
from nameko.rpc import get_rpc_exchange

from tests.helpers import wait_until
from tests.helpers.accounts import new_session
from tests.helpers.booking import DECLINED_CARD, GOOD_CARD, customer, pay, place, schedule_flight

# a CVC no id, port or timestamp of a log line is likely to hold on its own
CARD = dict(GOOD_CARD, cvc="9317")
DECLINED = dict(DECLINED_CARD, cvc="8264")
TRANSIENT = 1


def test_the_pay_request_is_a_transient_message(make_system):
    """No payment service: a queue of our own, with no consumer, takes ``payment.*``
    requests, so the gateway's pay request can be read back as the broker holds it."""
    with make_system(services=["gateway", "auth"], RPC_TIMEOUT=10) as s:
        _, tokens = new_session(s.http)
        client = s.http.as_user(tokens["access_token"])
        with Connection(s.config["AMQP_URI"]) as connection:
            probe = Queue(f"card-probe-{uuid.uuid4().hex[:6]}", exchange=get_rpc_exchange(s.config),
                          routing_key="payment.*", durable=False, auto_delete=True)(connection.default_channel)
            probe.declare()
            answers = []
            paying = threading.Thread(target=lambda: answers.append(client.post("/orders/o-1/pay", json=CARD)))
            paying.start()
            # read it while the gateway still waits: the request expires with the deadline
            message = wait_until(lambda: probe.get(no_ack=True), timeout=8, what="the pay request")
            paying.join(20)
        assert message.delivery_info["routing_key"] == "payment.pay"
        assert message.payload["args"][2] == CARD  # the card is in it: exactly why it must not persist
        assert message.properties["delivery_mode"] == TRANSIENT
        assert answers and answers[0].status_code == 503  # nobody answered: a bounded 503


class EveryLine(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record):
        self.lines.append(self.format(record))  # with the traceback, if the record has one


def card_data_in(line, card):
    number = card["card_number"] in line or card["card_number"] in re.sub(r"[\s-]", "", line)
    cvc = re.search(rf"(?<![\w.,:/-]){card['cvc']}(?![\w.])", line)
    return number or cvc


def test_no_log_line_of_a_booking_holds_the_card_number_or_the_cvc(system):
    """Every logger of the process (the services under test run in it), at DEBUG, while
    an order is paid, another declined and a card refused as malformed."""
    collector = EveryLine()
    root = logging.getLogger()
    level = root.level
    root.addHandler(collector)
    root.setLevel(logging.DEBUG)
    try:
        flight_id = schedule_flight(system)
        client, _ = customer(system)
        paid = place(client, flight_id)
        pay(client, paid["id"], CARD)
        declined = place(client, flight_id)
        pay(client, declined["id"], DECLINED, expect=402)
        pay(client, declined["id"], dict(CARD, expiry="13/99"), expect=400)
    finally:
        root.removeHandler(collector)
        root.setLevel(level)
    assert any("payment.pay" in line for line in collector.lines), "the capture saw nothing of the payment"
    leaks = [line for line in collector.lines if card_data_in(line, CARD) or card_data_in(line, DECLINED)]
    assert not leaks, leaks[:5]
