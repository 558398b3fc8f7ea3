// The card form, with the test cards hinted: paying for a booking (#/pay) and for a change
// of flight (#/change). The processor is a test one: the hinted cards say what each does.

import { button, field, h } from "../dom.js";

const TEST_CARDS = [
  ["4242 4242 4242 4242", "pays"],
  ["4000 0000 0000 0002", "is declined"],
];

// → {hints, fields, card()}: the hints aside, the labelled fields, and the card as the API reads it
export function cardForm() {
  const holder = h("input", { type: "text", name: "holder", autocomplete: "cc-name", required: true, maxlength: 100 });
  const number = h("input", { type: "text", name: "card_number", autocomplete: "cc-number", inputmode: "numeric", required: true, maxlength: 23 });
  const expiry = h("input", { type: "text", name: "expiry", autocomplete: "cc-exp", placeholder: "MM/YY", required: true, maxlength: 5 });
  const cvc = h("input", { type: "text", name: "cvc", autocomplete: "cc-csc", inputmode: "numeric", required: true, maxlength: 4 });

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

  const fields = [
    field("Name on card", holder),
    field("Card number", number),
    h("div", { class: "grid-2" }, field("Expiry date", expiry, "MM/YY"), field("Security code", cvc, "3 or 4 digits on the back")),
  ];

  return {
    hints,
    fields,
    card: () => ({ holder: holder.value, card_number: number.value, expiry: expiry.value, cvc: cvc.value }),
  };
}
