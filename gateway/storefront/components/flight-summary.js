// One flight in a line or two: times local at each airport, duration, number.

import { airport } from "../airports.js";
import { h } from "../dom.js";
import { FLIGHT_STATUS, dateTime, daysLater, duration, time } from "../format.js";

export async function flightSummary(flight) {
  const [from, to] = await Promise.all([airport(flight.origin), airport(flight.destination)]);
  const later = daysLater(flight.departure_at, from.tz, flight.arrival_at, to.tz);
  return h("div", { class: "flight-summary" },
    h("p", { class: "route" }, `${from.city || from.name} (${flight.origin}) → ${to.city || to.name} (${flight.destination})`),
    h("p", {}, `${dateTime(flight.departure_at, from.tz)} → ${time(flight.arrival_at, to.tz)}`,
      later ? ` (${later > 0 ? "+" : ""}${later} day)` : "",
      ` · ${duration(flight.departure_at, flight.arrival_at)} · ${flight.flight_number}`,
      flight.status && flight.status !== "scheduled"
        ? h("span", { class: `badge${flight.status === "cancelled" ? " badge-bad" : " badge-warn"}` }, FLIGHT_STATUS[flight.status] || flight.status)
        : null),
    h("p", { class: "muted" }, "Local times at each airport."));
}
