"""Voluntary changes: one segment of a ticketed order moved to another flight of the same
route (issue 15), quoted first, then confirmed by a saga of its own.

Quote (``POST /orders/{id}/changes``): checked against the order and track (the order is
TICKETED, the segment has not left, the new flight flies the same route and is bookable,
an itinerary still connects), priced by ``order.change_rules`` under the rules the
segment was sold under (the order's ``fares``) against the same fare family on the new
flight (``track.fare_quotes``), and stored in ``order_changes`` until
``CHANGE_QUOTE_TTL_SECONDS``.

Confirm (``POST /orders/{id}/changes/{change_id}/confirm``, with ``{"card": {...}}`` when
``amount_due`` is above zero), each step idempotent, so a confirmation that stops half way
is driven again by a retry or by the resume timer from what the change records:

1. claim the quote (QUOTED, not lapsed → CONFIRMING; a lapsed one is QUOTE_EXPIRED);
2. something due: ``payment.charge_change`` keyed by the change id (a payment of its own,
   never charged twice). Declined: the change FAILED, nothing changed (402). Outcome
   unknown: 503, the change stays CONFIRMING and payment's sweep settles the payment; the
   resume timer then reads it (``payment.change_payment``): captured → on to the exchange,
   declined → FAILED, never asked for (the card is not kept, so it cannot be charged
   later) → FAILED. The captured payment's id is noted on the change (``payment_id``);
3. ``ticket.exchange_tickets`` keyed by the change id: the new seats taken, the old
   tickets ``exchanged``, new tickets on the new flight at the new fares, the old seats
   freed, in one transaction of ticket's. A refusal there (a seat taken, the new flight
   cancelled, the order cancelled) is noted on the change (``refusal``) first, so a
   resumed confirmation never exchanges after it; then the change's payment is given back
   whole (``payment.refund_change``, once) and the change ends FAILED;
4. the change written on the order (the segment's flight, seats, prices and fares, the
   tickets, ``amount`` the money it holds, ``change_kept`` what changes kept (fees, and a
   cheaper flight's residual a non-refundable fare keeps), ``change_payments``, the
   ``changes`` history) with ``booking_changed`` in its outbox, once (notify mails it);
5. the quote CONFIRMED with what was done: a second confirm answers it again.

A quote with ``refund_due`` above zero (a cheaper flight, refundable fare: its residual
less the fee, ``change_rules.price_change``; never with ``amount_due``) has it given back
after the exchange, before step 4: ``payment.refund_residual`` keyed
by the change id, taken from the order's payments (its own first) as a partial refund that
leaves the rest refundable by a later cancellation.
"""
import logging
from datetime import timedelta

from common.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PaymentDeclined,
    ServiceUnavailable,
    load_or_raise,
)
from order.change_rules import (
    change_kept,
    changed_fares,
    check_changeable,
    disruption_move_applies,
    fare_of_class,
    price_change,
    sold_fares,
)
from order.domain import (
    INFANT,
    TICKETED,
    PassengerError,
    check_connections,
    epoch_millis,
    flight_has_departed,
    flight_ids_of,
    iso,
    new_event,
    share_of_fare,
    utcnow,
)
from order.itinerary import FLIGHT_FIELDS, ask_track, order_fares
from order.saga import FARES_PENDING, ITINERARY_TICKET_FIELDS, TICKET_FIELDS
from order.schemas import ChangeRequestSchema, ChangeSchema

log = logging.getLogger(__name__)

QUOTED, CONFIRMING, CONFIRMED, FAILED, EXPIRED = "QUOTED", "CONFIRMING", "CONFIRMED", "FAILED", "EXPIRED"
RECORD_ATTEMPTS = 5
# payment's ``decline_reason`` of a charge the processor never received (no card was declined)
NEVER_RECEIVED = "abandoned"


def change_view(change):
    return ChangeSchema().dump(change)


def segment_party(order, position):
    """Each passenger on segment ``position``: ``{type, seat, class, price}`` (an infant's seat None)."""
    if "segments" not in order:
        return [{"type": "adult", "seat": p["seat"], "class": p["class"], "price": p["price"]}
                for p in order["passengers"]]
    return [{"type": p["type"], "seat": p["segments"][position]["seat"], "class": p["segments"][position]["class"],
             "price": p["segments"][position]["price"]} for p in order["passengers"]]


class Changes:
    def __init__(self, orders, store, quote_ttl_seconds):
        self.orders = orders  # order.saga.Orders: the order store, RPC clients and outbox
        self.store = store  # order.store.ChangeStore
        self.services = orders.services
        self.quote_ttl_seconds = quote_ttl_seconds

    # -- quoting ---------------------------------------------------------------------------

    def quote(self, order_id, user_id, data, now=None):
        order = self.orders.get(order_id, user_id)  # another customer's order: 404 whatever the body
        request = load_or_raise(ChangeRequestSchema(), data)
        if order["status"] != TICKETED:
            raise Conflict("Only a ticketed booking can be changed.", code="ORDER_NOT_TICKETED",
                           details={"status": order["status"]})
        flight_ids = flight_ids_of(order)
        position, new_id = request["segment"], request["flight_id"]
        if position >= len(flight_ids):
            raise InvalidInput("No such segment in this booking.",
                               details={"fields": {"segment": [f"0 to {len(flight_ids) - 1}."]}})
        if new_id in flight_ids:
            raise InvalidInput("The booking is on this flight already.",
                               details={"fields": {"flight_id": ["Already in the booking."]}})
        old_id = flight_ids[position]
        flights = ask_track(self.services, flight_ids + [new_id])
        old, new = flights[position], flights[-1]
        now = now or utcnow()
        self._check_flights(order, position, flights[:-1], old, new, now)
        party = segment_party(order, position)
        seated = [p for p in party if p["type"] != INFANT and p["seat"]]
        seats = request.get("seats")
        if seats is not None and len(seats) != len(seated):
            raise InvalidInput("One seat (or null) per passenger with a seat.",
                               details={"fields": {"seats": [f"{len(seated)} entries."]}})
        cabin = party[0]["class"]
        sold = self._sold_fares(order, position, old_id, party)
        fare = fare_of_class(sold, cabin)
        move = disruption_move_applies(order, position, new.get("departure_at"))
        if not move:
            check_changeable(fare["rules"], fare["family"])
        # the same families on the new flight (FARE_NOT_OFFERED if it does not sell them there)
        quotes = self.services.track.fare_quotes(
            [{"flight_id": new_id, "class": sold_fare["class"], "family": sold_fare["family"]} for sold_fare in sold])
        new_fares = [dict(quoted, segment=position) for quoted in order_fares(quotes)]
        new_fare = fare_of_class(new_fares, cabin)
        if new_fare["currency"] != order["currency"]:
            raise Conflict("The new flight is sold in another currency.", code="DIFFERENT_CURRENCY",
                           details={"currency": order["currency"], "new_currency": new_fare["currency"]})
        price = price_change(fare["rules"], [p["price"] for p in party], new_fare["amount"],
                             [p["type"] for p in party], move)
        moves = [{"seat": p["seat"], "new_seat": seats[i] if seats else None} for i, p in enumerate(seated)]
        expires_at = now + timedelta(seconds=self.quote_ttl_seconds)
        change = dict(price, **{
            "_id": self.store.new_change_id(), "order_id": order["_id"], "user_id": order["user_id"],
            "status": QUOTED, "segment": position, "old_flight_id": old_id, "flight_id": new_id,
            "class": cabin, "family": fare["family"], "currency": order["currency"], "disruption_move": move,
            "new_fares": new_fares, "moves": moves,
            "old_flight": {key: old.get(key) for key in FLIGHT_FIELDS},
            "new_flight": {key: new.get(key) for key in FLIGHT_FIELDS},
            "expires_at": iso(expires_at), "expires_at_ms": epoch_millis(expires_at), "created_at": iso(now),
        })
        return change_view(self.store.insert(change))

    def _sold_fares(self, order, position, old_id, party):
        """The fares the segment was sold at (the order's copy). An order kept without them
        (sold while track did not answer, or before fare families) was sold at standard:
        its rules are asked of track now, as its cancellation would."""
        sold = sold_fares(order, position)
        if fare_of_class(sold, party[0]["class"]) is None:
            sold = self.orders.standard_fares(old_id, sorted({p["class"] for p in party}))
            if not sold:
                raise ServiceUnavailable("The fare rules cannot be read now; nothing was quoted. Try again.")
        return sold

    def _check_flights(self, order, position, flights, old, new, now):
        if flight_has_departed(old, now):
            raise Conflict("This flight has departed (or is boarding): it can no longer be changed.",
                           code="FLIGHT_DEPARTED", details={"flight_id": old["id"], "flight_status": old["status"]})
        if new["status"] == "cancelled" or flight_has_departed(new, now):
            raise Conflict("The new flight is not open for booking.", code="FLIGHT_NOT_BOOKABLE",
                           details={"flight_id": new["id"], "flight_status": new["status"]})
        if (new["origin"], new["destination"]) != (old["origin"], old["destination"]):
            raise Conflict(f"A change keeps the route: {old['origin']}-{old['destination']}, not "
                           f"{new['origin']}-{new['destination']}.", code="DIFFERENT_ROUTE",
                           details={"origin": old["origin"], "destination": old["destination"]})
        if "segments" in order:
            replaced = list(flights)
            replaced[position] = new
            try:
                check_connections(replaced, self.orders.min_connection_minutes or 0)
            except PassengerError as error:
                raise InvalidInput(error.message, details={"fields": {"flight_id": [error.message]}}) from None

    # -- confirming --------------------------------------------------------------------------

    def confirm(self, order_id, change_id, user_id, card=None, now=None):
        change = self._own(order_id, change_id, user_id)
        now_ms = epoch_millis(now or utcnow())
        if change["status"] == CONFIRMED:
            return change_view(change)
        if change["status"] == FAILED:
            error = change["error"]
            refused = PaymentDeclined if error["code"] == PaymentDeclined.code else Conflict
            raise refused(error["message"], code=error["code"], details={"change_id": change_id})
        if change["status"] == QUOTED and change["expires_at_ms"] <= now_ms:
            change = self.store.expire(change_id, now_ms)
        if change["status"] == EXPIRED:
            raise Conflict("This quote has expired: ask for a new one.", code="QUOTE_EXPIRED",
                           details={"change_id": change_id, "expires_at": change["expires_at"]})
        if change["amount_due"] > 0 and card is None and change["status"] == QUOTED:
            raise InvalidInput(f"{change['amount_due']} {change['currency']} is due for this change: pay it by card.",
                               details={"fields": {"card": ["Required when amount_due is above zero."]},
                                        "amount_due": change["amount_due"]})
        claimed = self.store.claim(change_id, now_ms)
        if claimed is None:  # it moved meanwhile (confirmed, failed or lapsed): answer as it is now
            return self.confirm(order_id, change_id, user_id, card, now)
        return change_view(self.drive(claimed, card))

    def _own(self, order_id, change_id, user_id):
        change = self.store.find(str(change_id)) if change_id else None
        if change is None or change["order_id"] != str(order_id) or change["user_id"] != str(user_id):
            raise NotFound("No such change.", details={"change_id": change_id})
        return change

    def drive(self, change, card=None, resuming=False):
        """Steps 2-5 of a claimed change; each may run again. ``ServiceUnavailable`` leaves the
        change CONFIRMING for a retry or the resume timer. ``card``: the customer's, on the
        confirmation that brought it (never stored); ``resuming``: the resume timer's drive,
        which may end a change nobody paid."""
        self._begin(change)
        change = self._paid(change, card, resuming)
        if change.get("refusal"):
            self._undo(change)
        try:
            exchange = self.services.ticket.exchange_tickets(
                change["_id"], change["order_id"], change["old_flight_id"], change["flight_id"], change["class"],
                change["moves"], fares=new_fares_by_type(change))
        except DomainError as error:
            if isinstance(error, ServiceUnavailable):
                raise
            self._undo(dict(change, refusal={"code": error.code, "message": error.message}), error)
        if change["refund_due"] > 0:
            # after the exchange, once (keyed by the change id); a processor that does not
            # answer leaves the change CONFIRMING, and the resume timer asks again
            self.services.payment.refund_residual(change["order_id"], change["_id"], change["refund_due"])
        self._record(change, exchange)
        return self.store.finish(change["_id"], CONFIRMED, {
            "tickets": exchange["issued"], "exchanged": exchange["exchanged"], "confirmed_at": iso(utcnow())})

    def _begin(self, change):
        """Mark the order ``changing`` (``ChangeStore.begin_on_order``) before anything is
        charged or exchanged: a cancellation waits until the change has ended. Refused (the
        order is being cancelled, or another change is under way): the change FAILED, nothing done."""
        if change.get("payment_id") or change.get("refusal"):
            return  # begun before: the mark holds until the change ends
        if self.store.begin_on_order(change["order_id"], change["_id"]) is not None:
            return
        order = self.orders.store.find(change["order_id"])
        if change["_id"] in (order.get("changes") or {}):
            return  # recorded already (the mark is gone with it): only its end is left
        if order.get("changing"):
            error = Conflict("Another change of this booking is being confirmed.", code="CHANGE_IN_PROGRESS",
                             details={"change_id": change["_id"]})
        else:
            error = Conflict("This booking is being cancelled: it can no longer be changed.",
                             code="ORDER_NOT_TICKETED", details={"change_id": change["_id"]})
        self.store.finish(change["_id"], FAILED, {"error": {"code": error.code, "message": error.message}})
        raise error

    def _paid(self, change, card, resuming):
        """Step 2: the change, with ``payment_id`` once its payment is captured (nothing due: as it is)."""
        if change["amount_due"] <= 0 or change.get("payment_id"):
            return change
        change_id = change["_id"]
        try:
            if card is not None:
                payment = self.services.payment.charge_change(
                    change["order_id"], change["user_id"], change_id, change["amount_due"], change["currency"], card)
            else:
                payment = self.services.payment.change_payment(change_id)
                if payment is None:
                    if not resuming:  # the confirmation that carries the card may be charging it now
                        raise ServiceUnavailable("This change is being confirmed; look at it again shortly.",
                                                 code="CHANGE_BEING_CONFIRMED", details={"change_id": change_id})
                    return self._fail_unpaid(change)
                if payment["status"] == "pending":
                    raise ServiceUnavailable("The change's payment is being settled with the card processor.",
                                             code="PAYMENT_OUTCOME_UNKNOWN", details={"change_id": change_id})
                if payment["status"] == "failed" and payment.get("decline_reason") == NEVER_RECEIVED:
                    return self._fail_unpaid(change)  # the processor never received it: nothing was charged
                if payment["status"] == "failed":
                    raise PaymentDeclined("The card was declined.", details={"payment_id": payment["id"],
                                                                             "reason": payment.get("decline_reason")})
        except PaymentDeclined as error:
            self.store.end_on_order(change["order_id"], change_id)
            self.store.finish(change_id, FAILED, {"error": {"code": error.code, "message": error.message}})
            raise
        noted = self.store.note(change_id, {"payment_id": payment["id"]})
        if noted is None:  # the resume timer ended it unpaid meanwhile: this money goes back
            self.services.payment.refund_change(change_id)
            self.store.end_on_order(change["order_id"], change_id)
            failed = self.store.find(change_id)
            raise Conflict(failed["error"]["message"], code=failed["error"]["code"], details={"change_id": change_id})
        return noted

    def _fail_unpaid(self, change):
        self.store.fail_unpaid(change["_id"], {"code": "CHANGE_NOT_PAID", "message": (
            "The change's confirmation stopped before its payment was made; nothing was changed. "
            "Ask for a new quote.")})
        failed = self.store.find(change["_id"])
        if failed["status"] != FAILED:  # paid meanwhile: the confirmation carries on
            return failed
        self.store.end_on_order(change["order_id"], change["_id"])
        raise Conflict(failed["error"]["message"], code=failed["error"]["code"], details={"change_id": change["_id"]})

    def _undo(self, change, error=None):
        """The exchange was refused: noted first (a resumed confirmation never exchanges after
        it), the change's payment given back whole, then FAILED. Raises the refusal."""
        refusal = change["refusal"]
        if change.get("payment_id"):
            self.store.note(change["_id"], {"refusal": refusal})
            self.services.payment.refund_change(change["_id"])
        self.store.end_on_order(change["order_id"], change["_id"])
        self.store.finish(change["_id"], FAILED, {"error": refusal, "refunded": bool(change.get("payment_id"))})
        raise error or Conflict(refusal["message"], code=refusal["code"], details={"change_id": change["_id"]})

    def _record(self, change, exchange):
        change_id = change["_id"]
        for _ in range(RECORD_ATTEMPTS):
            order = self.orders.store.find(change["order_id"])
            if change_id in (order.get("changes") or {}):
                return
            fields = changed_order(order, change, exchange)
            event = new_event("booking_changed", booking_changed(order, change, exchange, fields["tickets"]))
            # the traveller took the disruption's move: resolved, so a later cancellation
            # follows the fare rules again (``disruptions`` keeps its history)
            resolved = ("disruption", "seats_lost") if change.get("disruption_move") else ()
            if self.store.record_on_order(order, change_id, fields, [event],
                                          unset_fields=(*resolved, "changing")) is not None:
                self.orders.outbox.publish(order["_id"], [event])
                return
        raise ServiceUnavailable("The booking kept changing; the change will be recorded shortly.")

    def resume(self, older_than_seconds, now=None):
        """Drive again the confirmations left half way for ``older_than_seconds``; returns how many ended."""
        claimed_before = epoch_millis((now or utcnow()) - timedelta(seconds=older_than_seconds))
        ended = 0
        for change in self.store.stuck(claimed_before):
            claimed = self.store.claim(change["_id"], epoch_millis(utcnow()))
            if claimed is None:
                continue
            try:
                self.drive(claimed, resuming=True)
                ended += 1
            except ServiceUnavailable:
                log.warning("change %s still cannot be completed; tried again later", change["_id"])
            except DomainError:
                ended += 1  # refused: FAILED, nothing changed
        return ended


def booking_changed(order, change, exchange, tickets):
    """The ``booking_changed`` payload: what was done, with what its email tells (the old
    and new flights as quoted, the new tickets as the order keeps them, the money moved),
    so notify need not ask for each. ``tickets``: the order's tickets once changed."""
    return {
        "order_id": order["_id"], "booking_ref": order.get("booking_ref"), "user_id": order["user_id"],
        "change_id": change["_id"], "segment": change["segment"],
        "old_flight_id": change["old_flight_id"], "new_flight_id": change["flight_id"],
        # a quote made before the old flight was kept on it: the email goes without its details
        "old_flight": change.get("old_flight"), "new_flight": change["new_flight"],
        "seats": [m["new_seat"] for m in exchange["seats"]],
        "ticket_numbers": exchange["issued"], "exchanged": exchange["exchanged"],
        "tickets": [ticket for ticket in tickets if ticket["number"] in exchange["issued"]],
        "currency": change["currency"], "fee": change["fee"], "fare_difference": change["fare_difference"],
        "amount_due": change["amount_due"], "refund_due": change["refund_due"],
        "disruption_move": bool(change.get("disruption_move")),
    }


def new_fares_by_type(change):
    """Each passenger type's fare on the new flight, as the change was priced (one seat's
    fare shared by type, ``domain.share_of_fare``); None for a disruption's free move,
    whose tickets keep what was paid."""
    if change.get("disruption_move"):
        return None
    seat_fare = fare_of_class(change["new_fares"], change["class"])["amount"]
    return {kind: share_of_fare(seat_fare, kind) for kind in ("adult", "child", "infant")}


def changed_order(order, change, exchange):
    """The fields of ``order`` a done change sets: the segment's flight, seats, prices and
    fares (the new flight's, whose rules a later change or cancellation follows), the
    tickets now valid, the money (``amount``: what the order holds now; ``change_kept``:
    what changes kept; ``change_payments``) and the change in the ``changes`` history."""
    position, new_id = change["segment"], change["flight_id"]
    new_seat = {m["seat"]: m["new_seat"] for m in exchange["seats"]}
    fares = new_fares_by_type(change)
    kept = change_kept(change)
    fields = {f"changes.{change['_id']}": {
        "change_id": change["_id"], "segment": position, "old_flight_id": change["old_flight_id"],
        "flight_id": new_id, "fee": change["fee"], "fare_difference": change["fare_difference"],
        "amount_due": change["amount_due"], "refund_due": change["refund_due"], "kept": kept,
        "payment_id": change.get("payment_id"),
        "exchanged": exchange["exchanged"], "tickets": exchange["issued"], "at": iso(utcnow())},
        "fares": changed_fares(order, position, change["new_fares"]),
        "amount": int(order["amount"]) + change["amount_due"] - change["refund_due"],
        "change_kept": int(order.get("change_kept") or 0) + kept}
    if change.get("payment_id"):
        fields["change_payments"] = list(order.get("change_payments") or []) + [change["payment_id"]]

    def priced(leg, kind):
        return dict(leg, price=fares[kind or "adult"]) if fares else leg
    if order.get(FARES_PENDING):  # the fares are known now: the new flight's
        fields[FARES_PENDING] = False
    if "segments" not in order:
        fields["flight_id"] = new_id
        fields["passengers"] = [priced(dict(p, seat=new_seat.get(p["seat"], p["seat"])), "adult")
                                for p in order["passengers"]]
        keys = TICKET_FIELDS
    else:
        flight_ids = list(order["flight_ids"])
        flight_ids[position] = new_id
        segments = [dict(s) for s in order["segments"]]
        segments[position].update(change["new_flight"], flight_id=new_id)
        passengers = []
        for p in order["passengers"]:
            legs = [dict(s) for s in p["segments"]]
            seat = legs[position]["seat"]
            legs[position].update(flight_id=new_id, seat=new_seat.get(seat, seat) if seat else None)
            legs[position] = priced(legs[position], p.get("type"))
            passengers.append(dict(p, segments=legs))
        fields.update(flight_id=flight_ids[0], flight_ids=flight_ids, segments=segments, passengers=passengers)
        keys = TICKET_FIELDS + ITINERARY_TICKET_FIELDS
    fields["tickets"] = [{key: ticket.get(key) for key in keys} for ticket in exchange["tickets"]]
    return fields
