// #/flight/<id>?passengers&class — pick seats on the seat map, name the passengers, and
// book (POST /orders, which holds the seats until the order expires).

import { api } from "../api.js";
import { placeOrder } from "../components/booking.js";
import { errorSlot } from "../components/errors.js";
import { flightSummary } from "../components/flight-summary.js";
import { seatMap } from "../components/seat-map.js";
import { announce, field, h, select } from "../dom.js";
import { cabinName, money } from "../format.js";
import { drafts, session } from "../session.js";

export default {
  async render(route, { go }) {
    const flightId = route.args[0];
    const passengers = Math.min(Math.max(Number(route.params.get("passengers")) || 1, 1), 9);
    const [flight, map] = await Promise.all([api(`/flights/${encodeURIComponent(flightId)}`),
      api(`/flights/${encodeURIComponent(flightId)}/seats`)]);
    const cabins = Object.keys(flight.fares);
    const cabin = cabins.includes(route.params.get("class")) ? route.params.get("class") : cabins.at(-1);
    const draftKey = `${flightId}:${passengers}:${cabin}`;
    const draft = { seats: [], names: [], key: null, ...drafts.get(draftKey) };
    const free = new Set(map.seats.filter((seat) => seat.status === "available" && seat.class === cabin).map((s) => s.seat));
    draft.seats = draft.seats.filter((seat) => free.has(seat)).slice(0, passengers);
    const user = session.user();
    if (!draft.names.length && user?.full_name) draft.names = [user.full_name];
    const save = () => drafts.save(draftKey, draft);

    const picked = h("p", { class: "picked", "aria-live": "polite" });
    const total = h("p", { class: "total" });
    const priceOf = new Map(map.seats.map((seat) => [seat.seat, seat.price]));
    const showPicked = () => {
      picked.textContent = draft.seats.length
        ? `Your seats: ${draft.seats.join(", ")}${draft.seats.length < passengers ? ` (${passengers - draft.seats.length} more to pick, or we assign them)` : ""}`
        : `No seats picked yet: pick ${passengers === 1 ? "one" : passengers}, or we assign them.`;
      seatLabels.forEach((label, i) => { label.textContent = draft.seats[i] ? `Seat ${draft.seats[i]}` : "Seat assigned at booking"; });
      const amount = draft.seats.reduce((sum, seat) => sum + priceOf.get(seat), 0)
        + (passengers - draft.seats.length) * flight.fares[cabin];
      total.textContent = `About ${money(amount, flight.currency)} in all (the exact total is shown before you pay).`;
    };
    const seatLabels = [];
    const nameInputs = [];
    const people = Array.from({ length: passengers }, (_, i) => {
      const input = h("input", {
        type: "text", name: `passenger-${i + 1}`, required: true, maxlength: 100, autocomplete: i === 0 ? "name" : "off",
        value: draft.names[i] || "",
        oninput: (event) => { draft.names[i] = event.target.value; save(); },
      });
      nameInputs.push(input);
      const seatLabel = h("p", { class: "muted" });
      seatLabels.push(seatLabel);
      return h("li", { class: "passenger" }, field(`Passenger ${i + 1}: full name`, input, "As on the passport or ID."), seatLabel);
    });

    const cabinChoice = select(cabins.map((c) => [c, `${cabinName(c)}: from ${money(flight.fares[c], flight.currency)}`]), cabin, {
      onchange: (event) => {
        const query = new URLSearchParams(route.params);
        query.set("class", event.target.value);
        go(`#/flight/${encodeURIComponent(flightId)}?${query}`);
      },
    });

    const errors = errorSlot();
    const submitButton = h("button", { type: "submit", class: "primary" }, "Continue to payment");
    const loginNote = session.loggedIn() ? null : h("div", { class: "alert alert-info" },
      h("p", {}, "To book, ", h("a", { href: `#/login?next=${encodeURIComponent(route.hash)}` }, "log in"), " or ",
        h("a", { href: `#/register?next=${encodeURIComponent(route.hash)}` }, "create an account"),
        ". Your seats and names are kept."));

    async function book(event) {
      event.preventDefault();
      errors.clear();
      const empty = nameInputs.find((input) => !input.value.trim());
      if (empty) {
        empty.setAttribute("aria-invalid", "true");
        empty.focus();
        announce("Every passenger needs a name.");
        return;
      }
      await placeOrder({
        route, go, draft, draftKey, submitButton, errors,
        body: () => ({
          flight_id: flightId, class: cabin,
          passengers: nameInputs.map((input, i) => ({ name: input.value.trim(), seat: draft.seats[i] || null })),
        }),
        conflictHelp: () => h("p", {}, h("a", { href: route.hash, onclick: (e) => { e.preventDefault(); go(route.hash); } }, "Reload the seat map")),
      });
    }

    const view = h("section", {},
      h("h1", {}, `Choose your seats: ${flight.flight_number}`),
      await flightSummary(flight),
      h("form", { onsubmit: book, novalidate: true, "aria-label": "Seats and passengers" },
        h("div", { class: "card" }, field("Cabin", cabinChoice),
          h("h2", {}, "Seat map"),
          picked,
          seatMap({
            seats: map.seats, layouts: map.cabins || [], currency: map.currency, cabin, max: passengers, selected: draft.seats,
            onChange: (seats) => { draft.seats = seats; save(); showPicked(); },
          })),
        h("div", { class: "card" }, h("h2", {}, passengers === 1 ? "Passenger" : "Passengers"), h("ol", { class: "passengers" }, people)),
        loginNote,
        errors.element,
        total,
        submitButton));
    showPicked();
    return view;
  },
};
