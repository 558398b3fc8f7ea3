// #/notifications — the messages the platform sent the traveller about their bookings
// (GET /me/notifications, newest first, a page at a time).

import { api } from "../api.js";
import { errorSlot } from "../components/errors.js";
import { h } from "../dom.js";
import { dateTime } from "../format.js";
import { session } from "../session.js";

const PAGE = 20;

function item(message) {
  return h("li", { class: "card message" },
    h("h2", { class: "message-subject" }, message.subject),
    h("p", { class: "muted" },
      h("time", { datetime: message.created_at }, dateTime(message.created_at)),
      message.sent_at ? " · emailed" : " · being emailed",
      message.booking_ref ? [" · booking ", h("a", { href: `#/trip/${encodeURIComponent(message.order_id)}` }, message.booking_ref)] : null));
}

export default {
  async render(route, { go }) {
    if (!session.loggedIn()) {
      go(`#/login?next=${encodeURIComponent(route.hash)}`);
      return null;
    }
    const first = await api("/me/notifications", { auth: true, query: { limit: PAGE } });
    const list = h("ol", { class: "messages", "aria-label": "Messages, newest first" }, first.items.map(item));
    const errors = errorSlot();
    let cursor = first.next_cursor;
    const older = h("button", {
      type: "button", hidden: !cursor,
      onclick: async () => {
        older.disabled = true;
        errors.clear();
        try {
          const next = await api("/me/notifications", { auth: true, query: { limit: PAGE, cursor } });
          const added = next.items.map(item);
          list.append(...added);
          cursor = next.next_cursor;
          older.hidden = !cursor;
          added[0]?.querySelector("h2")?.setAttribute("tabindex", "-1");
          added[0]?.querySelector("h2")?.focus();
        } catch (error) {
          errors.show(error);
        } finally {
          older.disabled = false;
        }
      },
    }, "Older messages");
    return h("section", {},
      h("h1", {}, "Messages"),
      h("p", { class: "lead" }, "What we emailed you about your bookings, newest first."),
      first.items.length ? list : h("p", { class: "card" }, "No messages yet."),
      errors.element, older,
      h("p", {}, h("a", { href: "#/trips" }, "My trips")));
  },
};
