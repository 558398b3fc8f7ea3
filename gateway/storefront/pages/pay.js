// #/pay/<order id> — the card form for a pending order (POST /orders/{id}/pay). The
// processor is a test one: the hinted cards say what each does.

import { api } from "../api.js";
import { errorSlot } from "../components/errors.js";
import { flightsView, orderFlights, passengersList } from "../components/booking.js";
import { button, field, h } from "../dom.js";
import { money, time } from "../format.js";

const TEST_CARDS = [
  ["4242 4242 4242 4242", "pays"],
  ["4000 0000 0000 0002", "is declined"],
];

export default {
  async render(route, { go }) {
    const orderId = route.args[0];
    const order = await api(`/orders/${encodeURIComponent(orderId)}`, { auth: true });
    if (order.status !== "PENDING_PAYMENT") {
      go(`#/trip/${encodeURIComponent(orderId)}`);
      return null;
    }
    const flights = await flightsView(await orderFlights(order));
    const holder = h("input", { type: "text", name: "holder", autocomplete: "cc-name", required: true, maxlength: 100 });
    const number = h("input", { type: "text", name: "card_number", autocomplete: "cc-number", inputmode: "numeric", required: true, maxlength: 23 });
    const expiry = h("input", { type: "text", name: "expiry", autocomplete: "cc-exp", placeholder: "MM/YY", required: true, maxlength: 5 });
    const cvc = h("input", { type: "text", name: "cvc", autocomplete: "cc-csc", inputmode: "numeric", required: true, maxlength: 4 });
    const errors = errorSlot();
    const payButton = h("button", { type: "submit", class: "primary" }, `Pay ${money(order.amount, order.currency)}`);

    async function pay(event) {
      event.preventDefault();
      errors.clear();
      payButton.disabled = true;
      payButton.textContent = "Paying…";
      try {
        await api(`/orders/${encodeURIComponent(orderId)}/pay`, {
          method: "POST", auth: true,
          body: { holder: holder.value, card_number: number.value, expiry: expiry.value, cvc: cvc.value },
        });
        go(`#/trip/${encodeURIComponent(orderId)}`);
      } catch (error) {
        payButton.disabled = false;
        payButton.textContent = `Pay ${money(order.amount, order.currency)}`;
        errors.show(error);
      }
    }

    const hints = h("aside", { class: "alert alert-info", "aria-labelledby": "test-cards" },
      h("h2", { id: "test-cards" }, "Test cards"),
      h("p", {}, "No real money moves here. Any future expiry date and any 3-digit security code work."),
      h("ul", {}, TEST_CARDS.map(([card, what]) => h("li", {}, h("code", {}, card), ` ${what} `,
        button("Use", { class: "small", "aria-label": `Use test card ${card}`, onclick: () => {
          number.value = card;
          if (!expiry.value) expiry.value = "12/30";
          if (!cvc.value) cvc.value = "123";
          holder.focus();
        } })))));

    return h("section", {},
      h("h1", {}, "Pay for your booking"),
      h("div", { class: "card" },
        h("p", {}, "Booking reference ", h("strong", { class: "booking-ref" }, order.booking_ref)),
        flights,
        passengersList(order),
        h("p", { class: "total" }, "Total ", h("strong", {}, money(order.amount, order.currency))),
        h("p", { class: "muted" }, `Your seats are held until ${time(order.expires_at)} (your time). Pay before then.`)),
      hints,
      h("form", { class: "card", onsubmit: pay, novalidate: true, "aria-label": "Card payment" },
        field("Name on card", holder),
        field("Card number", number),
        h("div", { class: "grid-2" }, field("Expiry date", expiry, "MM/YY"), field("Security code", cvc, "3 or 4 digits on the back")),
        errors.element,
        payButton),
      h("p", {}, h("a", { href: `#/trip/${encodeURIComponent(orderId)}` }, "Not now: see the booking or cancel it")));
  },
};
