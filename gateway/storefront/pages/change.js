// #/change/<order id>/<flight's place in the booking> — another flight of the same route
// for one flight of a confirmed booking: a date, then a flight of that day (local times,
// seats left), a seat when the fare includes seat choice, the quote in words
// (POST /orders/{id}/changes), then confirmed (POST …/changes/{change id}/confirm) with a
// card when something is due; the new e-tickets shown. A disrupted booking's "move" option
// comes here too: free, and only flights leaving by the option's `until` are offered.

import { airport } from "../airports.js";
import { api, ApiError } from "../api.js";
import { orderFlights, ticketsTable } from "../components/booking.js";
import { cardForm } from "../components/card-form.js";
import { changeTerms, changeable, moveOption, seatChoice } from "../components/changes.js";
import { errorSlot } from "../components/errors.js";
import { flightSummary } from "../components/flight-summary.js";
import { seatMap } from "../components/seat-map.js";
import { announce, button, field, h } from "../dom.js";
import { cabinName, day, daysLater, duration, localDate, money, time, today } from "../format.js";

// a step's heading takes the focus when the step appears (keyboard and screen reader users
// land on what is new)
function stepHeading(text) {
  return h("h2", { tabindex: "-1" }, text);
}

function focusStep(step) {
  step.querySelector("h2")?.focus();
}

function inWords(quote) {
  const { currency } = quote;
  const difference = quote.fare_difference;
  const rows = [
    ["Change fee", quote.disruption_move ? "None: the airline disrupted your flight" : quote.fee ? money(quote.fee, currency) : "None"],
    ["Fare difference", quote.disruption_move || !difference ? "None"
      : difference > 0 ? `${money(difference, currency)} more than you paid`
        : `${money(-difference, currency)} less than you paid`],
    ["To pay now", quote.amount_due ? money(quote.amount_due, currency) : "Nothing"],
  ];
  if (quote.refund_due) rows.push(["Back on your card", money(quote.refund_due, currency)]);
  else if (difference < 0 && !quote.disruption_move) rows.push(["Back on your card", "Nothing: your fare is not refundable"]);
  rows.push(["This price holds until", `${time(quote.expires_at)} (your time)`]);
  return h("dl", { class: "quote" }, rows.map(([term, text]) => [h("dt", {}, term), h("dd", {}, text)]));
}

export default {
  async render(route, context) {
    const orderId = route.args[0];
    const segment = Number(route.args[1] || 0);
    const path = `/orders/${encodeURIComponent(orderId)}`;
    const order = await api(path, { auth: true });
    const flights = await orderFlights(order);
    const flight = flights[segment];
    if (!flight) throw new ApiError(404, { error: "NOT_FOUND", message: "This booking has no such flight." });
    const flightId = flight.flight_id || flight.id;
    const [from, to] = await Promise.all([airport(flight.origin), airport(flight.destination)]);
    const move = moveOption(order, segment);
    const cabin = order.segments?.[segment]?.class || order.passengers[0]?.class || "economy";
    const seated = order.passengers.filter((passenger) => passenger.type !== "infant").length;
    const back = h("p", {}, h("a", { href: `#/trip/${encodeURIComponent(orderId)}` }, "Back to your booking"));
    const heading = h("h1", {}, `${move ? "Move" : "Change"} flight ${flight.flight_number}`);
    const current = h("div", { class: "card" },
      h("p", {}, "Booking reference ", h("strong", { class: "booking-ref" }, order.booking_ref)),
      h("h2", {}, "Your flight now"), await flightSummary(flight),
      h("p", { class: "change-terms" }, changeTerms(order, segment, from.tz)));

    if (order.status !== "TICKETED" || order.cancellation_requested_at || !changeable(order, segment)) {
      return h("section", {}, heading, current,
        order.status !== "TICKETED" ? h("p", { class: "alert alert-info" }, "Only a confirmed booking can be changed.") : null,
        back);
    }

    const errors = errorSlot();
    const card = cardForm();
    const flightsStep = h("div", { class: "change-step" });
    const seatStep = h("div", { class: "change-step" });
    const quoteStep = h("div", { class: "change-step" });
    let picked = [];
    let chosen = null;

    const lastDate = move ? localDate(move.until, from.tz) : null;
    const dateInput = h("input", {
      type: "date", name: "date", required: true, min: today(), max: lastDate,
      value: [localDate(flight.departure_at, from.tz), today()].sort().at(-1),
    });
    const findButton = h("button", { type: "submit", class: "primary" }, "Find flights");

    function offerItem(offer) {
      const later = daysLater(offer.departure_at, from.tz, offer.arrival_at, to.tz);
      const left = offer.seats_available?.[cabin];
      const leaves = time(offer.departure_at, from.tz);
      return h("li", { class: "card offer" },
        h("h3", { class: "offer-heading" }, `${leaves} → ${time(offer.arrival_at, to.tz)}`,
          later ? h("sup", { class: "later" }, `+${later}`, h("span", { class: "visually-hidden" }, later === 1 ? " day" : " days")) : null),
        h("p", { class: "muted" }, `${offer.flight_number} · ${duration(offer.departure_at, offer.arrival_at)} · ${cabinName(cabin)}`,
          offer.status === "delayed" ? h("span", { class: "badge badge-warn" }, "Delayed") : null),
        h("p", { class: left <= 5 ? "seats-left few" : "seats-left" }, left === 1 ? "1 seat left" : `${left} seats left`),
        button("Choose", { class: "primary", "aria-label": `Choose ${offer.flight_number} at ${leaves}`, onclick: () => choose(offer) }));
    }

    async function find(event) {
      event.preventDefault();
      errors.clear();
      seatStep.replaceChildren();
      quoteStep.replaceChildren();
      findButton.disabled = true;
      try {
        const date = dateInput.value;
        const page = await api("/flights", {
          query: { origin: flight.origin, destination: flight.destination, date, passengers: seated, class: cabin, limit: 50 },
        });
        const offers = page.items.filter((offer) => offer.id !== flightId && offer.seats_available?.[cabin] >= seated
          && (!move || new Date(offer.departure_at) <= new Date(move.until)));
        flightsStep.replaceChildren(stepHeading(`Flights on ${day(date, { weekday: "long", day: "numeric", month: "long" })}`),
          offers.length
            ? h("ol", { class: "offers", "aria-label": "Flights you can change to" }, offers.map(offerItem))
            : h("p", { class: "card empty" }, `No other flight on this day has ${seated === 1 ? "a free seat" : `${seated} free seats`} `
              + `in ${cabinName(cabin).toLowerCase()}${move ? " and leaves in time" : ""}. Try another day.`),
          h("p", { class: "muted" }, "Times are local at each airport."));
        focusStep(flightsStep);
      } catch (error) {
        errors.show(error);
      } finally {
        findButton.disabled = false;
      }
    }

    async function choose(offer) {
      errors.clear();
      chosen = offer;
      picked = [];
      quoteStep.replaceChildren();
      const priceButton = button("See the price", { class: "primary", onclick: askQuote });
      const parts = [stepHeading(`Your new flight: ${offer.flight_number}`), await flightSummary(offer)];
      if (seatChoice(order, segment)) {
        const map = await api(`/flights/${encodeURIComponent(offer.id)}/seats`);
        const note = h("p", { class: "picked", "aria-live": "polite" });
        const showPicked = () => {
          note.textContent = picked.length ? `Your new seats: ${picked.join(", ")}` : "No seat picked: we assign one in the same cabin.";
        };
        showPicked();
        parts.push(h("h3", {}, "Seat (optional)"), note, seatMap({
          seats: map.seats, layouts: map.cabins || [], currency: map.currency, cabin, max: seated, selected: [],
          label: `Seat map of ${offer.flight_number}`, onChange: (seats) => { picked = seats; showPicked(); },
        }));
      } else {
        parts.push(h("p", { class: "muted" }, "Your fare does not include seat choice: seats are assigned in the same cabin."));
      }
      parts.push(h("div", { class: "actions" }, priceButton));
      seatStep.replaceChildren(h("div", { class: "card" }, parts));
      focusStep(seatStep);
    }

    async function askQuote(event) {
      const asking = event?.target;
      errors.clear();
      if (asking) asking.disabled = true;
      try {
        const body = { segment, flight_id: chosen.id };
        if (picked.length) body.seats = Array.from({ length: seated }, (_, i) => picked[i] || null);
        showQuote(await api(`${path}/changes`, { method: "POST", auth: true, body }));
      } catch (error) {
        errors.show(error);
      } finally {
        if (asking) asking.disabled = false;
      }
    }

    function showQuote(quote) {
      const due = quote.amount_due > 0;
      const label = due ? `Pay ${money(quote.amount_due, quote.currency)} and change` : "Confirm the change";
      const confirmButton = h("button", { type: "submit", class: "primary" }, label);
      async function confirm(event) {
        event.preventDefault();
        errors.clear();
        confirmButton.disabled = true;
        confirmButton.textContent = due ? "Paying…" : "Changing…";
        try {
          const change = await api(`${path}/changes/${encodeURIComponent(quote.id)}/confirm`,
            { method: "POST", auth: true, body: due ? { card: card.card() } : {} });
          await done(change);
        } catch (error) {
          confirmButton.textContent = label;
          // a declined or refused change is over: trying again asks a new quote
          const over = error.status === 402 || error.status === 409;
          errors.show(error, over ? h("p", {}, button("Get a new price", { onclick: askQuote })) : null);
          if (!over) confirmButton.disabled = false;
        }
      }
      quoteStep.replaceChildren(
        h("div", { class: "card" }, stepHeading(move ? "Your move, free of charge" : "The price of the change"), inWords(quote)),
        due ? card.hints : null,
        h("form", { class: "card", onsubmit: confirm, novalidate: true, "aria-label": due ? "Card payment for the change" : "Confirm the change" },
          due ? card.fields : null,
          confirmButton));
      focusStep(quoteStep);
    }

    async function done(change) {
      const changed = await api(path, { auth: true });
      const newFlights = await orderFlights(changed);
      const fresh = { ...changed, tickets: (changed.tickets || []).filter((ticket) => change.tickets.includes(ticket.number)) };
      heading.textContent = "Your flight is changed";
      view.replaceChildren(heading,
        h("div", { class: "alert alert-ok", role: "status" },
          h("p", {}, `You now fly ${newFlights[segment].flight_number}. Your new e-tickets are below; the old ones are exchanged.`)),
        h("div", { class: "card" }, await flightSummary(newFlights[segment])),
        ticketsTable(fresh, newFlights, { caption: "Your new e-tickets" }),
        h("p", {}, h("a", { class: "button primary", href: `#/trip/${encodeURIComponent(orderId)}` }, "See the booking")));
      heading.setAttribute("tabindex", "-1");
      heading.focus();
      announce("Your flight is changed");
    }

    const view = h("section", {}, heading, current,
      h("form", { class: "card", onsubmit: find, novalidate: true, "aria-label": "Find another flight" },
        h("h2", {}, `Another flight from ${from.city || from.name} to ${to.city || to.name}`),
        field("Travel date", dateInput, move ? `Flights leaving by ${day(lastDate, { day: "numeric", month: "long" })}.` : "The day you want to leave, local time."),
        findButton),
      flightsStep, seatStep, quoteStep, errors.element, back);
    return view;
  },
};
