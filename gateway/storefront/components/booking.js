// A booking as a traveller reads it, for both shapes of order: one flight (`flight_id`,
// passengers {name, seat}) and an itinerary (`segments`, passengers {given_name,
// family_name, type, segments: [{seat, price}]}). Used by the payment, trip and
// manage-my-booking pages.

import { api } from "../api.js";
import { button, h } from "../dom.js";
import { TICKET_STATUS, cabinName, dateTime, money } from "../format.js";
import { drafts, session } from "../session.js";
import { flightSummary } from "./flight-summary.js";

export const HEADINGS = {
  PENDING_PAYMENT: "Waiting for your payment",
  PAID: "Payment received",
  TICKETED: "You're booked",
  EXPIRED: "This booking expired",
  CANCELLED: "Booking cancelled",
  REFUNDED: "Booking cancelled and refunded",
};
export const CANCELLABLE = new Set(["PENDING_PAYMENT", "TICKETED"]);

export const PASSENGER_TYPES = { adult: "Adult", child: "Child", infant: "Infant" };

// The order's flights: an itinerary's segments, or its one flight (GET /flights/{id}).
export async function orderFlights(order) {
  if (order.segments?.length) return order.segments;
  return [await api(`/flights/${encodeURIComponent(order.flight_id)}`)];
}

export async function flightsView(flights) {
  return segmentsList(await Promise.all(flights.map((flight) => flightSummary(flight))));
}

// the flights' summaries (each an element, or the elements shown for that flight) in a list
export function segmentsList(parts) {
  if (parts.length === 1) return h("div", {}, parts[0]);
  return h("ol", { class: "segments" }, parts.map((part, i) => h("li", {},
    h("p", { class: "segment-label" }, `Flight ${i + 1} of ${parts.length}`), part)));
}

export function passengerName(passenger) {
  return passenger.name || [passenger.given_name, passenger.family_name].filter(Boolean).join(" ");
}

function seatsOf(passenger, order) {
  if (passenger.type === "infant") {
    const adult = order.passengers[passenger.on_lap_of];
    return `on the lap of ${adult ? passengerName(adult) : "an adult"}`;
  }
  if (passenger.segments?.length) return `seats ${passenger.segments.map((s) => s.seat || "to be assigned").join(", ")}`;
  return `seat ${passenger.seat || "to be assigned"}`;
}

// one line per passenger: name, type, seats, price
export function passengersList(order) {
  return h("ul", { class: "plain passengers-list" }, order.passengers.map((passenger) => h("li", {},
    h("strong", {}, passengerName(passenger)),
    passenger.type ? ` (${(PASSENGER_TYPES[passenger.type] || passenger.type).toLowerCase()})` : "",
    `: ${seatsOf(passenger, order)}`,
    passenger.price !== undefined ? `, ${money(passenger.price, order.currency)}` : "")));
}


// "Check in" for a valid ticket of a confirmed booking (an infant's, without a seat, travels
// with its adult's): a link to #/check-in/<number>, with `query` (e.g. "?by=reference")
export function checkInLink(order, ticket, query = "") {
  if (ticket.status !== "issued" || order.status !== "TICKETED" || order.cancellation_requested_at || !ticket.seat) return null;
  return h("a", { href: `#/check-in/${encodeURIComponent(ticket.number)}${query}`, "aria-label": `Check in ${ticket.passenger_name}, ticket ${ticket.number}` }, "Check in");
}

// checkIn(ticket) → an element (a link) or null, for the last column
export function ticketsTable(order, flights, { checkIn, caption = "E-tickets" } = {}) {
  if (!order.tickets?.length) return null;
  const numbers = new Map(flights.map((flight) => [flight.flight_id || flight.id, flight.flight_number]));
  const several = flights.length > 1;
  const columns = ["Ticket number", "Passenger", several ? "Flight" : null, "Seat", "Cabin", "Fare", "Status",
    checkIn ? "Check-in" : null].filter(Boolean);
  return h("table", { class: "tickets" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, columns.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, order.tickets.map((ticket) => h("tr", {},
      h("td", { "data-label": "Ticket number" }, h("code", {}, ticket.number)),
      h("td", { "data-label": "Passenger" }, ticket.passenger_name),
      several ? h("td", { "data-label": "Flight" }, numbers.get(ticket.flight_id) || "") : null,
      h("td", { "data-label": "Seat" }, ticket.seat || "On a lap"),
      h("td", { "data-label": "Cabin" }, cabinName(ticket.class)),
      h("td", { "data-label": "Fare" }, money(ticket.fare, ticket.currency)),
      h("td", { "data-label": "Status" }, TICKET_STATUS[ticket.status] || "Cancelled"),
      checkIn ? h("td", { "data-label": "Check-in" }, checkIn(ticket) || "") : null))));
}

// the refund once made, or under way (`refunding`: the booking was paid and is being cancelled)
export function refundNote(order, refunding) {
  if (order.refund) {
    // `total`: the whole cancellation's refund (a change's payment gives back its part too)
    const refunded = order.refund.total ?? order.refund.amount;
    return h("div", { class: "alert alert-ok refund", role: "status" },
      h("p", {}, h("strong", {}, `Refunded ${money(refunded, order.currency)}`),
        order.refund.at ? ` to your card on ${dateTime(order.refund.at)}.` : " to your card."),
      refunded < order.amount
        ? h("p", {}, `Your fare's rules kept ${money(order.amount - refunded, order.currency)}.`) : null);
  }
  if (refunding) {
    return h("div", { class: "alert alert-info", role: "status" }, h("p", {}, "Refunding your payment to your card…"));
  }
  return null;
}

// what cancelling now gives back, as the order's fare rules say (order.refund_if_cancelled)
export function refundIfCancelled(order) {
  const terms = order.refund_if_cancelled;
  if (!terms || terms.amount === order.amount) return ` You get ${money(order.amount, order.currency)} back on your card.`;
  if (!terms.amount) return ` Your fare is not refundable: nothing comes back on your card (${money(order.amount, order.currency)} kept).`;
  return ` You get ${money(terms.amount, order.currency)} back on your card; your fare's rules keep ${money(terms.kept, order.currency)}.`;
}

// "Cancel this booking" (or `label`), then a confirmation; cancel(event) is called on "Yes"
export function cancelPanel(order, cancel, label = "Cancel this booking") {
  const refund = order.status === "TICKETED" ? refundIfCancelled(order) : "";
  const panel = h("div", { class: "card confirm", role: "group", "aria-labelledby": "cancel-q" });
  const ask = button(label, {
    class: "danger", onclick: () => {
      panel.replaceChildren(
        h("p", { id: "cancel-q" }, h("strong", {}, `Cancel booking ${order.booking_ref}?`), refund),
        h("div", { class: "actions" },
          button("Yes, cancel it", { class: "danger", onclick: cancel }),
          button("No, keep it", { onclick: () => { panel.replaceChildren(ask); ask.focus(); } })));
      panel.querySelector("button").focus();
    },
  });
  panel.append(ask);
  return panel;
}

function newIdempotencyKey() {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// The last step both booking pages share (#/flight, #/itinerary): log in first (the draft
// is kept), one Idempotency-Key per attempt (a retry of the same attempt books once), the
// draft saved, the submit button disabled while the order is asked; then on to payment.
// body() makes the POST /orders body; conflictHelp(), if given, is shown under a 409.
export async function placeOrder({ route, go, draft, draftKey, submitButton, errors, body, conflictHelp }) {
  if (!session.loggedIn()) {
    go(`#/login?next=${encodeURIComponent(route.hash)}`);
    return;
  }
  draft.key ||= newIdempotencyKey();
  drafts.save(draftKey, draft);
  submitButton.disabled = true;
  try {
    const order = await api("/orders", { method: "POST", auth: true, headers: { "Idempotency-Key": draft.key }, body: body() });
    drafts.clear(draftKey);
    go(`#/pay/${encodeURIComponent(order.id)}`);
  } catch (error) {
    // a refused booking will not be retried as is: the next attempt is a new one
    if (error.status && error.status < 500) draft.key = null;
    drafts.save(draftKey, draft);
    submitButton.disabled = false;
    errors.show(error, error.status === 409 && conflictHelp ? conflictHelp() : null);
  }
}
