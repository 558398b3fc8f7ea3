// #/trip/<order id> — one booking: the confirmation after paying (reference, e-tickets),
// and cancelling it with the refund shown. While tickets are being issued or the refund
// is under way, the page asks again every second.

import { api } from "../api.js";
import { errorSlot } from "../components/errors.js";
import {
  CANCELLABLE, HEADINGS, cancelPanel, flightsView, orderFlights, passengersList, refundNote, ticketsTable,
} from "../components/booking.js";
import { announce, append, h } from "../dom.js";
import { ORDER_STATUS, money } from "../format.js";

const POLL_MS = 1000;
const POLL_LIMIT = 90;

function settling(order) {
  return order.status === "PAID" || (order.cancellation_requested_at && order.status !== "REFUNDED")
    || (order.status === "CANCELLED" && order.payment_id && !order.refund);
}

export default {
  async render(route, context) {
    const orderId = route.args[0];
    const path = `/orders/${encodeURIComponent(orderId)}`;
    let order = await api(path, { auth: true });
    const flights = await orderFlights(order);
    const summary = await flightsView(flights);
    const heading = h("h1", {});
    const body = h("div", {});
    const errors = errorSlot();

    // a valid ticket (an infant's travels with its adult's): check in, or see the boarding pass
    function checkIn(ticket) {
      if (ticket.status !== "issued" || order.status !== "TICKETED" || order.cancellation_requested_at || !ticket.seat) return null;
      return h("a", { href: `#/check-in/${encodeURIComponent(ticket.number)}`, "aria-label": `Check in ${ticket.passenger_name}, ticket ${ticket.number}` }, "Check in");
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
        refundNote(order, Boolean(order.cancellation_requested_at && order.payment_id)),
        ticketsTable(order, flights, { checkIn }) || h("div", { class: "card" }, passengersList(order)),
        order.status === "PENDING_PAYMENT" ? h("p", {}, h("a", { class: "button primary", href: `#/pay/${encodeURIComponent(orderId)}` }, "Pay now")) : null,
        CANCELLABLE.has(order.status) && !order.cancellation_requested_at ? cancelPanel(order, cancel) : null,
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
