// #/board?airport&board=departures|arrivals&date — an airport's departures or arrivals
// board for a local date (GET /airports/{code}/departures|arrivals), in scheduled order,
// times local at the airport; "Later flights" follows the page cursor.

import { airportPicker } from "../components/airport-picker.js";
import { errorBox } from "../components/errors.js";
import { moreButton } from "../components/more-button.js";
import { api } from "../api.js";
import { field, h } from "../dom.js";
import { FLIGHT_STATUS, day, today, wallClock } from "../format.js";

const BOARDS = { departures: "Departures", arrivals: "Arrivals" };
const PAGE = 20;

function badge(item) {
  const kind = item.status === "cancelled" ? "badge-bad" : item.status === "delayed" ? "badge-warn" : "badge-ok";
  return h("span", { class: `badge ${kind}` }, FLIGHT_STATUS[item.status] || item.status);
}

function row(item, board) {
  const end = board === "departures" ? item.departure : item.arrival;
  const other = board === "departures" ? item.arrival : item.departure;
  const late = end.delay_minutes > 0;
  return h("tr", {},
    h("td", { "data-label": "Time" }, late
      ? [h("del", {}, wallClock(end.scheduled_local)), " ", h("strong", {}, wallClock(end.estimated_local))]
      : h("strong", {}, wallClock(end.scheduled_local))),
    h("td", { "data-label": board === "departures" ? "To" : "From" }, `${other.city || other.airport} (${other.airport})`),
    h("td", { "data-label": "Flight" }, h("a", {
      href: `#/status?${new URLSearchParams({ flight_number: item.flight_number, date: item.departure.scheduled_local.slice(0, 10) })}`,
    }, item.flight_number)),
    h("td", { "data-label": "Status" }, badge(item), late ? h("span", { class: "muted" }, ` ${end.delay_minutes} min late`) : null));
}

export default {
  async render(route, { go }) {
    const code = (route.params.get("airport") || "").toUpperCase();
    const board = BOARDS[route.params.get("board")] ? route.params.get("board") : "departures";
    const date = route.params.get("date") || today();
    const picker = airportPicker({ label: "Airport", name: "airport", code: code || null });
    const dateInput = h("input", { type: "date", name: "date", required: true, value: date });
    const choices = Object.entries(BOARDS).map(([value, text]) => h("label", { class: "choice" },
      h("input", { type: "radio", name: "board", value, checked: value === board }), ` ${text}`));
    const problem = h("p", { class: "form-problem", role: "alert" });
    const form = h("form", {
      class: "card", novalidate: true, "aria-label": "Choose a board",
      onsubmit: (event) => {
        event.preventDefault();
        const airport = picker.code();
        if (!airport) {
          problem.textContent = "Choose an airport: type a city or airport and pick it from the list.";
          picker.input.focus();
          return;
        }
        const chosen = form.querySelector("input[name=board]:checked")?.value || "departures";
        go(`#/board?${new URLSearchParams({ airport, board: chosen, date: dateInput.value || today() })}`);
      },
    },
    h("div", { class: "grid-2" }, picker.element, field("Date", dateInput, "Local date at the airport.")),
    h("fieldset", { class: "choices" }, h("legend", {}, "Board"), choices),
    problem,
    h("button", { type: "submit", class: "primary" }, "Show the board"));

    let answer = null;
    let heading = "Airport boards";
    if (code) {
      try {
        const first = await api(`/airports/${encodeURIComponent(code)}/${board}`, { query: { date, limit: PAGE } });
        const { airport } = first;
        heading = `${BOARDS[board]}: ${airport.city || airport.name} (${airport.code})`;
        const body = h("tbody", {}, first.items.map((item) => row(item, board)));
        const later = moreButton("Later flights", first.next_cursor,
          (cursor) => api(`/airports/${encodeURIComponent(code)}/${board}`, { query: { date, limit: PAGE, cursor } }),
          (item) => row(item, board), (...rows) => body.append(...rows));
        answer = [
          first.items.length
            ? h("table", { class: "tickets board" },
              h("caption", {}, `${BOARDS[board]}, ${day(first.date, { weekday: "long", day: "numeric", month: "long" })}`),
              h("thead", {}, h("tr", {}, ["Time", board === "departures" ? "To" : "From", "Flight", "Status"]
                .map((t) => h("th", { scope: "col" }, t)))),
              body)
            : h("p", { class: "card" }, `No ${board} on ${day(first.date)}.`),
          later,
          h("p", { class: "muted" }, "Scheduled times, local at the airport; a delay shows the new time."),
        ];
      } catch (error) {
        answer = errorBox(error);
      }
    }
    return h("section", {}, h("h1", {}, heading), form, answer);
  },
};
