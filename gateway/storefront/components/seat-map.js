// The seat map of GET /flights/{id}/seats: one block per cabin, a row per seat row, seats
// as toggle buttons (aria-pressed). Taken seats and seats of another cabin cannot be
// picked. Arrow keys move between seats (one tab stop for the whole map).
//
// Aisles run where the cabin's layout says ("ABC-DEF": after C), from the seat map's
// `cabins`; a seat map without them (a flight whose airplane is not known) places them by
// the usual layouts for the number of seats across (3-3, 2-4-2, 3-4-3...).

import { h } from "../dom.js";
import { cabinName, money } from "../format.js";

const GROUPS = { 1: [1], 2: [1, 1], 3: [1, 2], 4: [2, 2], 5: [2, 3], 6: [3, 3], 7: [2, 3, 2], 8: [2, 4, 2], 9: [3, 3, 3], 10: [3, 4, 3] };

function parse(label) {
  const match = /^(\d+)([A-Z])$/.exec(label);
  return match ? { row: Number(match[1]), letter: match[2] } : null;
}

// the letters after which an aisle runs
function aisles(letters, layout) {
  if (layout) return new Set(layout.split("-").slice(0, -1).map((group) => group.at(-1)));
  const groups = GROUPS[letters.length] || [letters.length];
  const after = new Set();
  let index = 0;
  for (const size of groups.slice(0, -1)) {
    index += size;
    after.add(letters[index - 1]);
  }
  return after;
}

// the part of the cabin a seat is in: its layout's cabin entry when known, else its class
function sectionOf(seat, place, layouts) {
  const found = layouts.find((entry) => entry.class === seat.class && place.row >= entry.rows[0] && place.row <= entry.rows[1]);
  return found ? { key: `${found.class}:${found.rows[0]}`, cabinClass: found.class, layout: found.layout }
    : { key: seat.class, cabinClass: seat.class, layout: null };
}

// seats: GET /flights/{id}/seats' seats; layouts: its cabins ([{class, rows, layout}]) or []
export function seatMap({ seats, layouts = [], currency, cabin, max, selected, onChange, label = "Seat map" }) {
  const chosen = [...selected];
  const cabins = new Map();
  for (const seat of seats) {
    const place = parse(seat.seat);
    if (!place) continue;
    const section = sectionOf(seat, place, layouts);
    if (!cabins.has(section.key)) cabins.set(section.key, { ...section, rows: new Map() });
    const { rows } = cabins.get(section.key);
    if (!rows.has(place.row)) rows.set(place.row, []);
    rows.get(place.row).push({ ...seat, ...place });
  }

  const buttons = [];
  function refresh() {
    for (const buttonEl of buttons) {
      buttonEl.setAttribute("aria-pressed", String(chosen.includes(buttonEl.dataset.seat)));
    }
  }

  function toggle(seat) {
    const at = chosen.indexOf(seat.seat);
    if (at >= 0) chosen.splice(at, 1);
    else {
      chosen.push(seat.seat);
      // picking one more seat than passengers gives up the earliest pick
      while (chosen.length > max) chosen.shift();
    }
    refresh();
    onChange([...chosen]);
  }

  function seatButton(seat) {
    const taken = seat.status !== "available";
    const elsewhere = seat.class !== cabin;
    const state = taken ? "taken" : elsewhere ? `${cabinName(seat.class)}, not your cabin` : money(seat.price, currency);
    const el = h("button", {
      type: "button", class: `seat${taken ? " taken" : ""}${elsewhere ? " elsewhere" : ""}`,
      "data-seat": seat.seat, "data-row": seat.row, "data-letter": seat.letter, tabindex: "-1",
      "aria-pressed": String(chosen.includes(seat.seat)), "aria-disabled": taken || elsewhere ? "true" : null,
      "aria-label": `Seat ${seat.seat}, ${state}`, title: `${seat.seat}: ${state}`,
      onclick: () => { if (!taken && !elsewhere) toggle(seat); },
    }, taken ? h("span", { "aria-hidden": "true" }, "×") : seat.letter);
    buttons.push(el);
    return el;
  }

  const blocks = [...cabins.values()].map(({ cabinClass, rows, layout }) => {
    const letters = layout ? [...layout.replaceAll("-", "")]
      : [...new Set([...rows.values()].flat().map((seat) => seat.letter))].sort();
    const aisleAfter = aisles(letters, layout);
    const header = h("div", { class: "seat-row seat-letters", "aria-hidden": "true" }, h("span", { class: "row-number" }),
      letters.map((letter) => [h("span", { class: "seat-letter" }, letter), aisleAfter.has(letter) ? h("span", { class: "aisle" }) : null]));
    const body = [...rows.entries()].sort(([a], [b]) => a - b).map(([row, rowSeats]) => {
      const byLetter = new Map(rowSeats.map((seat) => [seat.letter, seat]));
      return h("div", { class: "seat-row", role: "group", "aria-label": `Row ${row}` },
        h("span", { class: "row-number", "aria-hidden": "true" }, row),
        letters.map((letter) => [
          byLetter.has(letter) ? seatButton(byLetter.get(letter)) : h("span", { class: "seat-gap" }),
          aisleAfter.has(letter) ? h("span", { class: "aisle", "aria-hidden": "true" }) : null,
        ]));
    });
    return h("div", { class: "cabin", role: "group", "aria-label": `${cabinName(cabinClass)} cabin` },
      h("h3", {}, cabinName(cabinClass)), header, body);
  });

  const firstFree = buttons.find((el) => el.getAttribute("aria-disabled") !== "true") || buttons[0];
  if (firstFree) firstFree.tabIndex = 0;

  function move(from, event) {
    const row = Number(from.dataset.row);
    const { letter } = from.dataset;
    const index = buttons.indexOf(from);
    let target = null;
    if (event.key === "ArrowRight") target = buttons[index + 1];
    else if (event.key === "ArrowLeft") target = buttons[index - 1];
    else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const step = event.key === "ArrowDown" ? 1 : -1;
      const candidates = buttons.filter((el) => el.dataset.letter === letter
        && (step > 0 ? Number(el.dataset.row) > row : Number(el.dataset.row) < row));
      target = step > 0 ? candidates[0] : candidates.at(-1);
    } else if (event.key === "Home") target = buttons[0];
    else if (event.key === "End") target = buttons.at(-1);
    if (!target) return;
    event.preventDefault();
    from.tabIndex = -1;
    target.tabIndex = 0;
    target.focus();
  }

  const legend = h("ul", { class: "seat-legend", "aria-label": "Legend" },
    h("li", {}, h("span", { class: "seat sample", "aria-hidden": "true" }), "Free"),
    h("li", {}, h("span", { class: "seat sample", "aria-hidden": "true", "data-pressed": "true" }), "Yours"),
    h("li", {}, h("span", { class: "seat sample taken", "aria-hidden": "true" }, "×"), "Taken"),
    h("li", {}, h("span", { class: "seat sample elsewhere", "aria-hidden": "true" }), "Other cabin"));
  const map = h("div", {
    class: "seat-map", role: "group", "aria-label": label, onkeydown: (event) => {
      if (event.target.classList?.contains("seat")) move(event.target, event);
    },
  }, blocks);
  return h("div", { class: "seat-map-wrap" }, legend,
    h("p", { class: "hint" }, "Use the arrow keys to move between seats, Enter or Space to pick one."), map);
}
