// #/trip/<order id> — one booking: the confirmation after paying (reference, e-tickets),
// and cancelling it with the refund shown. While tickets are being issued or the refund
// is under way, the page asks again every second.

import { api } from "../api.js";
import { errorSlot } from "../components/errors.js";
import { flightSummary } from "../components/flight-summary.js";
import { announce, append, button, h } from "../dom.js";
import { ORDER_STATUS, cabinName, dateTime, money } from "../format.js";

const POLL_MS = 1000;
const POLL_LIMIT = 90;
const HEADINGS = {
  PENDING_PAYMENT: "Waiting for your payment",
  PAID: "Payment received",
  TICKETED: "You're booked",
  EXPIRED: "This booking expired",
  CANCELLED: "Booking cancelled",
  REFUNDED: "Booking cancelled and refunded",
};
const CANCELLABLE = new Set(["PENDING_PAYMENT", "TICKETED"]);

function settling(order) {
  return order.status === "PAID" || (order.cancellation_requested_at && order.status !== "REFUNDED")
    || (order.status === "CANCELLED" && order.payment_id && !order.refund);
}

function ticketsTable(order) {
  if (!order.tickets?.length) return null;
  return h("table", { class: "tickets" },
    h("caption", {}, "E-tickets"),
    h("thead", {}, h("tr", {}, ["Ticket number", "Passenger", "Seat", "Cabin", "Fare", "Status"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, order.tickets.map((ticket) => h("tr", {},
      h("td", { "data-label": "Ticket number" }, h("code", {}, ticket.number)),
      h("td", { "data-label": "Passenger" }, ticket.passenger_name),
      h("td", { "data-label": "Seat" }, ticket.seat),
      h("td", { "data-label": "Cabin" }, cabinName(ticket.class)),
      h("td", { "data-label": "Fare" }, money(ticket.fare, ticket.currency)),
      h("td", { "data-label": "Status" }, ticket.status === "issued" ? "Valid" : "Cancelled")))));
}

function refundNote(order) {
  if (order.refund) {
    return h("div", { class: "alert alert-ok refund", role: "status" },
      h("p", {}, h("strong", {}, `Refunded ${money(order.refund.amount, order.currency)}`),
        order.refund.at ? ` to your card on ${dateTime(order.refund.at)}.` : " to your card."));
  }
  if (order.cancellation_requested_at && order.payment_id) {
    return h("div", { class: "alert alert-info", role: "status" }, h("p", {}, `Refunding ${money(order.amount, order.currency)} to your card…`));
  }
  return null;
}

export default {
  async render(route, context) {
    const orderId = route.args[0];
    const path = `/orders/${encodeURIComponent(orderId)}`;
    let order = await api(path, { auth: true });
    const flight = await api(`/flights/${encodeURIComponent(order.flight_id)}`);
    const summary = await flightSummary(flight);
    const heading = h("h1", {});
    const body = h("div", {});
    const errors = errorSlot();

    function cancelPanel() {
      const refund = order.status === "TICKETED" ? ` You get ${money(order.amount, order.currency)} back on your card.` : "";
      const panel = h("div", { class: "card confirm", role: "group", "aria-labelledby": "cancel-q" });
      const ask = button("Cancel this booking", {
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

    async function cancel(event) {
      event.target.disabled = true;
      errors.clear();
      try {
        order = await api(`${path}/cancel`, { method: "POST", auth: true });
        show();
        announce(HEADINGS[order.status] || "Cancelled");
        poll();
      } catch (error) {
        event.target.disabled = false;
        errors.show(error);
      }
    }

    function show() {
      heading.textContent = order.cancellation_requested_at && order.status === "TICKETED"
        ? "Cancelling your booking" : HEADINGS[order.status] || ORDER_STATUS[order.status] || order.status;
      body.replaceChildren();
      append(body, [
        h("div", { class: "card" },
          h("p", { class: "ref-line" }, "Booking reference ", h("strong", { class: "booking-ref" }, order.booking_ref)),
          h("p", {}, "Status: ", h("span", { class: "status" }, ORDER_STATUS[order.status] || order.status)),
          summary,
          h("p", { class: "total" }, "Total ", h("strong", {}, money(order.amount, order.currency)))),
        order.status === "PAID" ? h("p", { class: "alert alert-info", role: "status" }, "Issuing your e-tickets…") : null,
        refundNote(order),
        ticketsTable(order) || (order.passengers?.length ? h("ul", { class: "plain card" },
          order.passengers.map((p) => h("li", {}, `${p.name}: seat ${p.seat}`))) : null),
        order.status === "PENDING_PAYMENT" ? h("p", {}, h("a", { class: "button primary", href: `#/pay/${encodeURIComponent(orderId)}` }, "Pay now")) : null,
        CANCELLABLE.has(order.status) && !order.cancellation_requested_at ? cancelPanel() : null,
        errors.element,
        h("p", {}, h("a", { href: "#/trips" }, "All my trips"))]);
    }

    async function poll() {
      for (let i = 0; i < POLL_LIMIT && settling(order); i += 1) {
        await new Promise((resolve) => { setTimeout(resolve, POLL_MS); });
        if (!context.alive()) return;
        try {
          const before = order.status + Boolean(order.refund);
          order = await api(path, { auth: true });
          if (before !== order.status + Boolean(order.refund)) {
            show();
            announce(HEADINGS[order.status] || order.status);
          }
        } catch {
          // a missed look: the next one may work
        }
      }
    }

    show();
    poll();
    return h("section", {}, heading, body);
  },
};
