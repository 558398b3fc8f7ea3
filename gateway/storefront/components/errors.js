// An API failure shown in words: a title, the API's message, one line per field problem.

import { describeError } from "../api.js";
import { h } from "../dom.js";

export function errorBox(error, extra) {
  const { title, message, problems } = describeError(error);
  return h("div", { class: "alert alert-error", role: "alert" },
    h("p", { class: "alert-title" }, title),
    h("p", {}, message),
    problems.length ? h("ul", {}, problems.map((problem) => h("li", {}, problem))) : null,
    extra || null);
}

// A slot that shows the latest error (or nothing) where a form needs it.
export function errorSlot() {
  const slot = h("div", { class: "error-slot" });
  return {
    element: slot,
    show(error, extra) {
      slot.replaceChildren(errorBox(error, extra));
      slot.querySelector("[role=alert]")?.scrollIntoView({ block: "nearest" });
    },
    clear() {
      slot.replaceChildren();
    },
  };
}
