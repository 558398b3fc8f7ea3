// The airport picker: a combobox (WAI-ARIA 1.2 pattern) fed by GET /airports?q=, which
// forgives typos ("jakrta") and accents. Arrow keys move through the suggestions, Enter
// picks one, Escape closes the list. A typed three-letter code is taken as it is.

import { api } from "../api.js";
import { airport, airportLabel, remember } from "../airports.js";
import { h, uniqueId } from "../dom.js";

const CODE = /^[A-Za-z]{3}$/;
const LABELLED_CODE = /\(([A-Z]{3})\)$/;

export function airportPicker({ label, name, code }) {
  const id = uniqueId(name);
  const listId = `${id}-list`;
  const input = h("input", {
    id, name, type: "text", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
    "aria-controls": listId, autocomplete: "off", spellcheck: "false", required: true,
    placeholder: "City, airport or code",
  });
  const list = h("ul", { id: listId, role: "listbox", class: "combo-list", hidden: true, "aria-label": `${label}: suggestions` });
  const element = h("div", { class: "field combo" }, h("label", { for: id }, label), input, list);

  let items = [];
  let active = -1;
  let chosen = null;
  let timer = null;
  let asked = 0;

  if (code) {
    airport(code).then((item) => {
      chosen = item;
      input.value = airportLabel(item);
    }).catch(() => { input.value = code; });
  }

  function close() {
    list.hidden = true;
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    active = index;
    [...list.children].forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", `${listId}-${index}`);
      list.children[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(index) {
    chosen = items[index];
    remember(chosen);
    input.value = airportLabel(chosen);
    close();
  }

  function show() {
    list.replaceChildren(...items.map((item, index) => h("li", {
      id: `${listId}-${index}`, role: "option", "aria-selected": "false", "data-code": item.code,
      onmousedown: (event) => {
        event.preventDefault(); // keep the focus in the input
        choose(index);
      },
    }, h("span", { class: "combo-main" }, airportLabel(item)),
    h("span", { class: "combo-sub" }, [item.name, item.country].filter(Boolean).join(", ")))));
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", String(items.length > 0));
    active = -1;
  }

  async function lookup() {
    const query = input.value.trim();
    if (query.length < 2) {
      close();
      return;
    }
    asked += 1;
    const mine = asked;
    try {
      const page = await api("/airports", { query: { q: query, limit: 8 } });
      if (mine !== asked || document.activeElement !== input) return;
      items = page.items;
      show();
    } catch {
      close();
    }
  }

  input.addEventListener("input", () => {
    chosen = null;
    clearTimeout(timer);
    timer = setTimeout(lookup, 200);
  });
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden && items.length > 0;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (open) highlight((active + 1) % items.length);
      else lookup();
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", close);

  return {
    element,
    input,
    // the chosen airport's code, or a typed code, or null
    code() {
      if (chosen) return chosen.code;
      const typed = input.value.trim();
      if (CODE.test(typed)) return typed.toUpperCase();
      return typed.match(LABELLED_CODE)?.[1] || null;
    },
  };
}
