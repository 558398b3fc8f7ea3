// #/ — where, when, how many: the search form.

import { airportPicker } from "../components/airport-picker.js";
import { field, h, select } from "../dom.js";
import { CABINS, today } from "../format.js";

export function searchForm(params, go) {
  const from = airportPicker({ label: "From", name: "origin", code: params.get("origin") });
  const to = airportPicker({ label: "To", name: "destination", code: params.get("destination") });
  const date = h("input", { type: "date", name: "date", required: true, min: today(), value: params.get("date") || today() });
  const passengers = select([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => [n, n === 1 ? "1 passenger" : `${n} passengers`]),
    params.get("passengers") || 1, { name: "passengers" });
  const cabin = select(Object.entries(CABINS).reverse(), params.get("class") || "economy", { name: "class" });
  const problem = h("p", { class: "form-problem", role: "alert" });

  function submit(event) {
    event.preventDefault();
    const origin = from.code();
    const destination = to.code();
    if (!origin || !destination) {
      problem.textContent = `Choose ${origin ? "where to" : "where from"}: type a city or airport and pick it from the list.`;
      (origin ? to : from).input.focus();
      return;
    }
    if (origin === destination) {
      problem.textContent = "From and To are the same airport.";
      to.input.focus();
      return;
    }
    if (!date.value) {
      problem.textContent = "Choose a date.";
      date.focus();
      return;
    }
    const query = new URLSearchParams({
      origin, destination, date: date.value, passengers: passengers.value, class: cabin.value,
    });
    go(`#/results?${query}`);
  }

  return h("form", { class: "search-form card", onsubmit: submit, novalidate: true, "aria-label": "Search flights" },
    h("div", { class: "grid-2" }, from.element, to.element),
    h("div", { class: "grid-3" }, field("Departure date", date), field("Passengers", passengers), field("Cabin", cabin)),
    problem,
    h("button", { type: "submit", class: "primary" }, "Search flights"));
}

export default {
  render(route, { go }) {
    return h("section", {},
      h("h1", {}, "Where to?"),
      h("p", { class: "lead" }, "Search flights, pick your seats and get your e-tickets in a few minutes."),
      searchForm(route.params, go));
  },
};
