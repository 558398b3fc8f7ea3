// #/pay/<order id> — the card form for a pending order (POST /orders/{id}/pay), the test
// cards hinted.

import { api } from "../api.js";
import { flightsView, orderFlights, passengersList } from "../components/booking.js";
import { cardForm } from "../components/card-form.js";
import { errorSlot } from "../components/errors.js";
import { h } from "../dom.js";
import { money, time } from "../format.js";

export default {
  async render(route, { go }) {
    const orderId = route.args[0];
    const order = await api(`/orders/${encodeURIComponent(orderId)}`, { auth: true });
    if (order.status !== "PENDING_PAYMENT") {
      go(`#/trip/${encodeURIComponent(orderId)}`);
      return null;
    }
    const flights = await flightsView(await orderFlights(order));
    const card = cardForm();
    const errors = errorSlot();
    const payButton = h("button", { type: "submit", class: "primary" }, `Pay ${money(order.amount, order.currency)}`);

    async function pay(event) {
      event.preventDefault();
      errors.clear();
      payButton.disabled = true;
      payButton.textContent = "Paying…";
      try {
        await api(`/orders/${encodeURIComponent(orderId)}/pay`, { method: "POST", auth: true, body: card.card() });
        go(`#/trip/${encodeURIComponent(orderId)}`);
      } catch (error) {
        payButton.disabled = false;
        payButton.textContent = `Pay ${money(order.amount, order.currency)}`;
        errors.show(error);
      }
    }

    return h("section", {},
      h("h1", {}, "Pay for your booking"),
      h("div", { class: "card" },
        h("p", {}, "Booking reference ", h("strong", { class: "booking-ref" }, order.booking_ref)),
        flights,
        passengersList(order),
        h("p", { class: "total" }, "Total ", h("strong", {}, money(order.amount, order.currency))),
        h("p", { class: "muted" }, `Your seats are held until ${time(order.expires_at)} (your time). Pay before then.`)),
      card.hints,
      h("form", { class: "card", onsubmit: pay, novalidate: true, "aria-label": "Card payment" },
        card.fields,
        errors.element,
        payButton),
      h("p", {}, h("a", { href: `#/trip/${encodeURIComponent(orderId)}` }, "Not now: see the booking or cancel it")));
  },
};
