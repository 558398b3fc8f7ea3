// #/trip/<order id> — one booking: the confirmation after paying (reference, e-tickets),
// changing a flight (#/change), a disruption and its options, and cancelling it with the
// refund shown. While tickets are being issued or the refund is under way, the page asks
// again every second.

import { api } from "../api.js";
import { errorSlot } from "../components/errors.js";
import {
  CANCELLABLE, HEADINGS, cancelPanel, checkInLink, orderFlights, passengersList, refundNote, segmentsList, ticketsTable,
} from "../components/booking.js";
import { changeAction } from "../components/changes.js";
import { disruptionNotice } from "../components/disruption.js";
import { flightSummary } from "../components/flight-summary.js";
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
    const summaries = await Promise.all(flights.map((flight) => flightSummary(flight)));
    const heading = h("h1", {});
    const body = h("div", {});
    const errors = errorSlot();

    const checkIn = (ticket) => checkInLink(order, ticket);

    async function cancel(event) {
      event.target.disabled = true;
      errors.clear();
      try {
        order = await api(`${path}/cancel`, { method: "POST", auth: true });
        await show();
        announce(HEADINGS[order.status] || "Cancelled");
        poll();
      } catch (error) {
        event.target.disabled = false;
        errors.show(error);
      }
    }

    async function show() {
      const disruption = order.disruption ? await disruptionNotice(order, flights, cancel) : null;
      heading.textContent = order.cancellation_requested_at && order.status === "TICKETED"
        ? "Cancelling your booking" : HEADINGS[order.status] || ORDER_STATUS[order.status] || order.status;
      body.replaceChildren();
      append(body, [
        h("div", { class: "card" },
          h("p", { class: "ref-line" }, "Booking reference ", h("strong", { class: "booking-ref" }, order.booking_ref)),
          h("p", {}, "Status: ", h("span", { class: "status" }, ORDER_STATUS[order.status] || order.status)),
          segmentsList(summaries.map((summary, i) => [summary, changeAction(order, flights[i], i)])),
          h("p", { class: "total" }, "Total ", h("strong", {}, money(order.amount, order.currency)))),
        disruption,
        order.status === "PAID" ? h("p", { class: "alert alert-info", role: "status" }, "Issuing your e-tickets…") : null,
        refundNote(order, Boolean(order.cancellation_requested_at && order.payment_id)),
        ticketsTable(order, flights, { checkIn }) || h("div", { class: "card" }, passengersList(order)),
        order.status === "PENDING_PAYMENT" ? h("p", {}, h("a", { class: "button primary", href: `#/pay/${encodeURIComponent(orderId)}` }, "Pay now")) : null,
        CANCELLABLE.has(order.status) && !order.cancellation_requested_at && !disruption ? cancelPanel(order, cancel) : null,
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
            await show();
            announce(HEADINGS[order.status] || order.status);
          }
        } catch {
          // a missed look: the next one may work
        }
      }
    }

    await show();
    poll();
    return h("section", {}, heading, body);
  },
};
