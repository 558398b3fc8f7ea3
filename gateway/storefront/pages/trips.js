// #/trips — "my trips": the caller's bookings (GET /orders) and e-tickets (GET /tickets).

import { airport } from "../airports.js";
import { api } from "../api.js";
import { h } from "../dom.js";
import { ORDER_STATUS, cabinName, dateTime, money } from "../format.js";
import { session } from "../session.js";

const flights = new Map();

function flightOf(id) {
  if (!flights.has(id)) flights.set(id, api(`/flights/${encodeURIComponent(id)}`).catch(() => null));
  return flights.get(id);
}

async function describe(flight) {
  if (!flight) return "Flight details unavailable";
  const [from, to] = await Promise.all([airport(flight.origin), airport(flight.destination)]);
  return `${flight.flight_number} · ${from.city || flight.origin} → ${to.city || flight.destination} · ${dateTime(flight.departure_at, from.tz)}`;
}

async function describeSegments(segments) {
  const [first, last] = [segments[0], segments.at(-1)];
  const from = await airport(first.origin);
  const stops = segments.length === 2 && last.destination === first.origin ? "return trip" : `${segments.length} flights`;
  return `${segments.map((s) => s.flight_number).join(", ")} · ${segments.map((s) => s.origin).join(" → ")} → ${last.destination} `
    + `(${stops}) · ${dateTime(first.departure_at, from.tz)}`;
}

export default {
  async render(route, { go }) {
    if (!session.loggedIn()) {
      go(`#/login?next=${encodeURIComponent(route.hash)}`);
      return null;
    }
    const [orders, tickets] = await Promise.all([
      api("/orders", { auth: true, query: { limit: 50 } }),
      api("/tickets", { auth: true }),
    ]);
    const lines = await Promise.all(orders.items.map(async (order) => ({
      order,
      what: order.segments?.length > 1 ? await describeSegments(order.segments)
        : await describe(await flightOf(order.flight_id)),
    })));
    const bookings = lines.length
      ? h("ul", { class: "trips" }, lines.map(({ order, what }) => h("li", { class: "card trip" },
        h("h3", {}, h("a", { href: `#/trip/${encodeURIComponent(order.id)}` }, `Booking ${order.booking_ref}`)),
        h("p", {}, what),
        h("p", {}, h("span", { class: `status status-${order.status.toLowerCase()}` }, ORDER_STATUS[order.status] || order.status),
          ` · ${order.passengers.length} ${order.passengers.length === 1 ? "passenger" : "passengers"} · ${money(order.amount, order.currency)}`))))
      : h("p", { class: "card" }, "No bookings yet. ", h("a", { href: "#/" }, "Find a flight"), ".");
    const ticketList = tickets.items.length
      ? h("table", { class: "tickets" },
        h("caption", { class: "visually-hidden" }, "Your e-tickets"),
        h("thead", {}, h("tr", {}, ["Ticket number", "Passenger", "Seat", "Cabin", "Status"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, tickets.items.map((ticket) => h("tr", {},
          h("td", { "data-label": "Ticket number" }, h("code", {}, ticket.number)),
          h("td", { "data-label": "Passenger" }, ticket.passenger_name),
          h("td", { "data-label": "Seat" }, ticket.seat || "On a lap"),
          h("td", { "data-label": "Cabin" }, cabinName(ticket.class)),
          h("td", { "data-label": "Status" }, ticket.status === "issued" ? "Valid" : "Cancelled")))))
      : h("p", {}, "No e-tickets yet.");
    return h("section", {},
      h("h1", {}, "My trips"),
      h("p", {}, h("a", { href: "#/notifications" }, "Messages we sent you"), " · ",
        h("a", { href: "#/manage" }, "Manage a booking by reference")),
      h("h2", {}, "Bookings"), bookings,
      h("h2", {}, "E-tickets"), ticketList);
  },
};
