// #/trips — "my trips": the caller's bookings (GET /orders) and e-tickets (GET /tickets), newest first.

import { airport } from "../airports.js";
import { api } from "../api.js";
import { moreButton } from "../components/more-button.js";
import { h } from "../dom.js";
import { ORDER_STATUS, TICKET_STATUS, cabinName, dateTime, money } from "../format.js";
import { session } from "../session.js";

// bookings and e-tickets a page at a time ("More …" asks the next); ?limit= sets both
const ORDERS_PAGE = 20;
const TICKETS_PAGE = 50;

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

async function bookingCard(order) {
  const what = order.segments?.length > 1 ? await describeSegments(order.segments)
    : await describe(await flightOf(order.flight_id));
  return h("li", { class: "card trip" },
    h("h3", {}, h("a", { href: `#/trip/${encodeURIComponent(order.id)}` }, `Booking ${order.booking_ref}`)),
    h("p", {}, what),
    h("p", {}, h("span", { class: `status status-${order.status.toLowerCase()}` }, ORDER_STATUS[order.status] || order.status),
      ` · ${order.passengers.length} ${order.passengers.length === 1 ? "passenger" : "passengers"} · ${money(order.amount, order.currency)}`));
}

function ticketRow(ticket) {
  return h("tr", {},
    h("td", { "data-label": "Ticket number" }, h("code", {}, ticket.number)),
    h("td", { "data-label": "Passenger" }, ticket.passenger_name),
    h("td", { "data-label": "Seat" }, ticket.seat || "On a lap"),
    h("td", { "data-label": "Cabin" }, cabinName(ticket.class)),
    h("td", { "data-label": "Status" }, TICKET_STATUS[ticket.status] || "Cancelled"));
}

export default {
  async render(route, { go }) {
    if (!session.loggedIn()) {
      go(`#/login?next=${encodeURIComponent(route.hash)}`);
      return null;
    }
    const asked = Number(route.params.get("limit"));
    const limit = (fallback) => (asked >= 1 && asked <= fallback ? Math.floor(asked) : fallback);
    const orderPage = (cursor) => api("/orders", { auth: true, query: { limit: limit(ORDERS_PAGE), cursor } });
    const ticketPage = (cursor) => api("/tickets", { auth: true, query: { limit: limit(TICKETS_PAGE), cursor } });
    const [orders, tickets] = await Promise.all([orderPage(), ticketPage()]);
    let bookings = h("p", { class: "card" }, "No bookings yet. ", h("a", { href: "#/" }, "Find a flight"), ".");
    if (orders.items.length) {
      const list = h("ul", { class: "trips" }, await Promise.all(orders.items.map(bookingCard)));
      const more = moreButton("More bookings", orders.next_cursor, orderPage, bookingCard, (...items) => list.append(...items));
      bookings = h("div", {}, list, more);
    }
    let ticketList = h("p", {}, "No e-tickets yet.");
    if (tickets.items.length) {
      const rows = h("tbody", {}, tickets.items.map(ticketRow));
      const more = moreButton("More e-tickets", tickets.next_cursor, ticketPage, ticketRow, (...items) => rows.append(...items));
      ticketList = h("div", {},
        h("table", { class: "tickets" },
          h("caption", { class: "visually-hidden" }, "Your e-tickets"),
          h("thead", {}, h("tr", {}, ["Ticket number", "Passenger", "Seat", "Cabin", "Status"].map((t) => h("th", { scope: "col" }, t)))),
          rows),
        more);
    }
    return h("section", {},
      h("h1", {}, "My trips"),
      h("p", {}, h("a", { href: "#/notifications" }, "Messages we sent you"), " · ",
        h("a", { href: "#/manage" }, "Manage a booking by reference")),
      h("h2", {}, "Bookings"), bookings,
      h("h2", {}, "E-tickets"), ticketList);
  },
};
