// "More …": the next page of a list, asked with the cursor of the last one, appended where
// the list is; hidden once the API says there is no next page. `nextPage(cursor)` answers
// the API's page; `render(item)` makes an item's element (or a promise of it);
// `append(...elements)` places them.

import { button, h } from "../dom.js";
import { errorSlot } from "./errors.js";

export function moreButton(label, cursor, nextPage, render, append) {
  const errors = errorSlot();
  let next = cursor;
  const more = button(label, {
    hidden: !next,
    onclick: async () => {
      more.disabled = true;
      errors.clear();
      try {
        const page = await nextPage(next);
        append(...await Promise.all(page.items.map(render)));
        next = page.next_cursor;
        more.hidden = !next;
      } catch (error) {
        errors.show(error);
      } finally {
        more.disabled = false;
      }
    },
  });
  return h("div", { class: "more" }, errors.element, more);
}
