// #/status?flight_number&date — a flight's status by its number (GET /flights/status):
// every leg, scheduled and expected times local at each airport, the delay.

import { api } from "../api.js";
import { errorBox } from "../components/errors.js";
import { field, h } from "../dom.js";
import { FLIGHT_STATUS, day, today, wallClock } from "../format.js";

function times(label, end) {
  const late = end.delay_minutes > 0;
  return h("div", { class: "leg-end" },
    h("p", { class: "muted" }, `${label}: ${end.city || end.airport} (${end.airport})`),
    h("p", {}, late ? [h("del", {}, wallClock(end.scheduled_local)), " ", h("strong", {}, wallClock(end.estimated_local)),
      ` (${end.delay_minutes} min late)`] : h("strong", {}, wallClock(end.scheduled_local))));
}

function leg(item) {
  const badge = item.status === "cancelled" ? "badge-bad" : item.status === "delayed" ? "badge-warn" : "badge-ok";
  return h("li", { class: "card leg" },
    h("h3", {}, `${item.flight_number}: ${item.origin} → ${item.destination} `,
      h("span", { class: `badge ${badge}` }, FLIGHT_STATUS[item.status] || item.status)),
    h("div", { class: "grid-2" }, times("Departs", item.departure), times("Arrives", item.arrival)));
}

export default {
  async render(route, { go }) {
    const number = route.params.get("flight_number") || "";
    const date = route.params.get("date") || today();
    const numberInput = h("input", { type: "text", name: "flight_number", required: true, value: number, maxlength: 6, autocomplete: "off", placeholder: "GA401" });
    const dateInput = h("input", { type: "date", name: "date", required: true, value: date });
    const form = h("form", {
      class: "card", novalidate: true, "aria-label": "Find a flight's status",
      onsubmit: (event) => {
        event.preventDefault();
        const query = new URLSearchParams({ flight_number: numberInput.value.trim().toUpperCase(), date: dateInput.value });
        go(`#/status?${query}`);
      },
    }, h("div", { class: "grid-2" }, field("Flight number", numberInput, "Airline code and number, e.g. GA401."), field("Date", dateInput, "Local date of departure.")),
    h("button", { type: "submit", class: "primary" }, "Show status"));

    let answer = null;
    if (number) {
      try {
        const found = await api("/flights/status", { query: { flight_number: number, date } });
        answer = [h("h2", { class: "visually-hidden" }, "Legs"), h("ul", { class: "legs" }, found.items.map(leg)),
          h("p", { class: "muted" }, `${day(found.date)}. Times are local at each airport.`)];
      } catch (error) {
        answer = errorBox(error);
      }
    }
    return h("section", {}, h("h1", {}, number ? `Flight ${number.toUpperCase()}` : "Flight status"), form, answer);
  },
};
