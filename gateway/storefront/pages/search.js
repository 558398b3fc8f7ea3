// #/ — where, when (one way or return), who (adults, children, infants), which cabin.

import { airportPicker } from "../components/airport-picker.js";
import { field, h, select } from "../dom.js";
import { CABINS, today } from "../format.js";

function count(name, label, from, to, value) {
  return field(label, select(Array.from({ length: to - from + 1 }, (_, i) => [from + i, String(from + i)]), value, { name }));
}

// the search's own words for what it cannot send ("" when it can)
function problemOf({ origin, destination, date, back, returning, adults, children, infants }) {
  if (!origin || !destination) return `Choose ${origin ? "where to" : "where from"}: type a city or airport and pick it from the list.`;
  if (origin === destination) return "From and To are the same airport.";
  if (!date) return "Choose a date.";
  if (returning && !back) return "Choose a return date.";
  if (returning && back < date) return "The return date is before the departure date.";
  if (adults + children > 9) return "At most 9 passengers with a seat (adults and children).";
  if (infants > adults) return "Each infant travels on an adult's lap: at most one infant per adult.";
  return "";
}

export function searchForm(params, go) {
  const from = airportPicker({ label: "From", name: "origin", code: params.get("origin") });
  const to = airportPicker({ label: "To", name: "destination", code: params.get("destination") });
  const date = h("input", { type: "date", name: "date", required: true, min: today(), value: params.get("date") || today() });
  const returning = Boolean(params.get("return_date"));
  const back = h("input", { type: "date", name: "return_date", min: today(), value: params.get("return_date") || "", required: returning });
  const backField = field("Return date", back);
  backField.hidden = !returning;
  const trip = [["one-way", "One way"], ["return", "Return"]].map(([value, text]) => h("label", { class: "choice" },
    h("input", {
      type: "radio", name: "trip", value, checked: (value === "return") === returning,
      onchange: () => {
        backField.hidden = value !== "return";
        back.required = value === "return";
      },
    }), ` ${text}`));
  const adults = count("adults", "Adults", 1, 9, params.get("adults") || params.get("passengers") || 1);
  const children = count("children", "Children (2–11)", 0, 8, params.get("children") || 0);
  const infants = count("infants", "Infants (under 2, on a lap)", 0, 9, params.get("infants") || 0);
  const cabin = select(Object.entries(CABINS).reverse(), params.get("class") || "economy", { name: "class" });
  const problem = h("p", { class: "form-problem", role: "alert" });
  const form = h("form", { class: "search-form card", novalidate: true, "aria-label": "Search flights" },
    h("fieldset", { class: "choices" }, h("legend", {}, "Trip"), trip),
    h("div", { class: "grid-2" }, from.element, to.element),
    h("div", { class: "grid-2" }, field("Departure date", date), backField),
    h("div", { class: "grid-4" }, adults, children, infants, field("Cabin", cabin)),
    problem,
    h("button", { type: "submit", class: "primary" }, "Search flights"));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const wanted = {
      origin: from.code(), destination: to.code(), date: date.value, back: back.value,
      returning: form.querySelector("input[name=trip]:checked")?.value === "return",
      adults: Number(form.elements.adults.value), children: Number(form.elements.children.value),
      infants: Number(form.elements.infants.value),
    };
    problem.textContent = problemOf(wanted);
    if (problem.textContent) {
      const first = !wanted.origin ? from.input : !wanted.destination || wanted.origin === wanted.destination ? to.input
        : !wanted.date ? date : wanted.returning && (!wanted.back || wanted.back < wanted.date) ? back : form.elements.adults;
      first.focus();
      return;
    }
    const { origin, destination } = wanted;
    // a one-way trip of adults books one flight (GET /flights); a return, connections, children
    // or infants go through trip search (GET /itineraries) and the itinerary form of POST /orders
    if (!wanted.returning && !wanted.children && !wanted.infants) {
      go(`#/results?${new URLSearchParams({ origin, destination, date: date.value, passengers: wanted.adults, class: cabin.value })}`);
      return;
    }
    go(`#/journeys?${new URLSearchParams({
      origin, destination, date: date.value, ...(wanted.returning ? { return_date: back.value } : {}),
      adults: wanted.adults, children: wanted.children, infants: wanted.infants, class: cabin.value,
    })}`);
  });
  return form;
}

export default {
  render(route, { go }) {
    return h("section", {},
      h("h1", {}, "Where to?"),
      h("p", { class: "lead" }, "Search flights, pick your seats and get your e-tickets in a few minutes."),
      searchForm(route.params, go));
  },
};
