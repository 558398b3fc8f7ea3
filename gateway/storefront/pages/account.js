// #/login and #/register (?next=<where to go after>).

import { api } from "../api.js";
import { errorSlot } from "../components/errors.js";
import { field, h } from "../dom.js";
import { session } from "../session.js";

function nextPlace(route) {
  const next = route.params.get("next") || "";
  // only a place inside the storefront
  return next.startsWith("#/") && !next.startsWith("#/login") && !next.startsWith("#/register") ? next : "#/trips";
}

async function logIn(email, password) {
  const pair = await api("/auth/login", { method: "POST", body: { email, password } });
  session.save(pair);
  session.save(pair, await api("/auth/me", { auth: true }));
}

function accountForm({ title, intro, fields, submitText, submit, other }) {
  const errors = errorSlot();
  const submitButton = h("button", { type: "submit", class: "primary" }, submitText);
  const form = h("form", {
    class: "card narrow", novalidate: true, "aria-label": title,
    onsubmit: async (event) => {
      event.preventDefault();
      errors.clear();
      submitButton.disabled = true;
      try {
        await submit();
      } catch (error) {
        errors.show(error);
        submitButton.disabled = false;
      }
    },
  }, fields, errors.element, submitButton);
  return h("section", {}, h("h1", {}, title), h("p", { class: "lead" }, intro), form, h("p", {}, other));
}

export default {
  render(route, { go }) {
    const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
    const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
    return accountForm({
      title: "Log in",
      intro: "Log in to book and to see your trips.",
      fields: [field("Email", email), field("Password", password)],
      submitText: "Log in",
      submit: async () => {
        await logIn(email.value.trim(), password.value);
        go(nextPlace(route));
      },
      other: ["New here? ", h("a", { href: `#/register?${route.params}` }, "Create an account"), "."],
    });
  },
};

export const register = {
  render(route, { go }) {
    const fullName = h("input", { type: "text", name: "full_name", autocomplete: "name", required: true, maxlength: 200 });
    const email = h("input", { type: "email", name: "email", autocomplete: "email", required: true });
    const password = h("input", { type: "password", name: "password", autocomplete: "new-password", required: true, minlength: 8 });
    return accountForm({
      title: "Create an account",
      intro: "One account for your bookings and e-tickets.",
      fields: [field("Full name", fullName), field("Email", email), field("Password", password, "At least 8 characters.")],
      submitText: "Create account",
      submit: async () => {
        await api("/auth/register", {
          method: "POST", body: { full_name: fullName.value.trim(), email: email.value.trim(), password: password.value },
        });
        await logIn(email.value.trim(), password.value);
        go(nextPlace(route));
      },
      other: ["Already have an account? ", h("a", { href: `#/login?${route.params}` }, "Log in"), "."],
    });
  },
};
