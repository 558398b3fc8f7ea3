// #/journeys?origin&destination&date&return_date&adults&children&infants&class&sort&limit — trip
// search (GET /itineraries): direct flights and one-stop connections, out and (with a
// return date) back, each priced per fare family; the fare families' rules side by side
// (GET /fare-families). The traveller picks one option and one family per direction,
// then names the passengers and picks seats (#/itinerary).

import { airport } from "../airports.js";
import { api } from "../api.js";
import { errorSlot } from "../components/errors.js";
import { h, select } from "../dom.js";
import { cabinName, daysLater, day, duration, money, time } from "../format.js";

const PAGE = 20;
const SORTS = [["price", "Lowest price first"], ["duration", "Shortest first"]];

function familyRules(family) {
  return [
    family.refundable ? (family.refund_fee_percent ? `Refundable, ${family.refund_fee_percent}% kept` : "Fully refundable") : "Not refundable",
    family.changeable ? (family.change_fee_percent ? `Changes for ${family.change_fee_percent}% of the fare` : "Free changes") : "No changes",
    family.free_seat_choice ? "Free seat choice" : "Seat choice not included",
    family.checked_bag_kg ? `${family.checked_bag_kg} kg checked bag` : "Cabin bag only",
  ];
}

function rulesTable(families) {
  const rows = [["Refunds", 0], ["Changes", 1], ["Seat choice", 2], ["Baggage", 3]];
  const rules = families.map(familyRules);
  return h("table", { class: "tickets rules" },
    h("caption", {}, "Fare families and their rules"),
    h("thead", {}, h("tr", {}, h("td", {}), families.map((f) => h("th", { scope: "col" }, f.name)))),
    h("tbody", {}, rows.map(([label, i]) => h("tr", {}, h("th", { scope: "row" }, label),
      families.map((f, k) => h("td", { "data-label": f.name }, rules[k][i]))))));
}

async function optionCard(option, index, direction, names, passengers) {
  const first = option.legs[0];
  const last = option.legs.at(-1);
  const [from, to] = await Promise.all([airport(first.origin), airport(last.destination)]);
  const stops = option.stops
    ? `${option.stops} stop in ${option.legs.slice(0, -1).map((leg, i) => `${leg.destination} (${duration(0, option.connection_minutes[i] * 60000)})`).join(", ")}`
    : "Direct";
  const later = daysLater(option.departure_at, from.tz, option.arrival_at, to.tz);
  const headingId = `${direction}-${index}`;
  const what = `${time(option.departure_at, from.tz)} to ${time(option.arrival_at, to.tz)}, ${option.legs.map((l) => l.flight_number).join(" and ")}`;
  return h("li", { class: "card offer journey", "aria-labelledby": headingId },
    h("div", { class: "offer-times" },
      h("h3", { id: headingId, class: "offer-heading" },
        h("span", { class: "time" }, time(option.departure_at, from.tz)),
        h("span", { class: "arrow", "aria-hidden": "true" }, " → "),
        h("span", { class: "visually-hidden" }, " to "),
        h("span", { class: "time" }, time(option.arrival_at, to.tz)),
        later ? h("sup", { class: "later" }, `+${later}`, h("span", { class: "visually-hidden" }, later === 1 ? " day" : " days")) : null),
      h("p", { class: "muted" }, `${option.legs.map((l) => l.flight_number).join(" + ")} · ${stops} · ${duration(0, option.duration_minutes * 60000)}`),
      h("p", { class: option.seats_available <= 5 ? "seats-left few" : "seats-left" },
        option.seats_available === 1 ? "1 seat left" : `${option.seats_available} seats left`)),
    h("div", { class: "families", role: "group", "aria-label": `Fares for ${what}` },
      option.fares.map((fare) => h("label", { class: "family-choice" },
        h("input", {
          type: "radio", name: direction, value: `${index}:${fare.family}`, "data-family": fare.family,
          "aria-label": `${what}, ${names.get(fare.family) || fare.family}: ${money(fare.per_passenger, fare.currency)} per passenger`,
        }),
        h("span", { class: "family-name" }, names.get(fare.family) || fare.family),
        h("span", { class: "price" }, money(fare.per_passenger, fare.currency)),
        h("span", { class: "muted" }, passengers > 1 ? `${money(fare.total, fare.currency)} for ${passengers}` : "per passenger")))));
}

async function direction(items, key, title, names, passengers) {
  if (!items.length) {
    return h("section", { class: "direction", "aria-labelledby": `${key}-title` },
      h("h2", { id: `${key}-title` }, title),
      h("p", { class: "card empty" }, "No flights or connections with enough free seats on this day."));
  }
  return h("section", { class: "direction", "aria-labelledby": `${key}-title` },
    h("h2", { id: `${key}-title` }, title),
    h("ol", { class: "offers", "aria-label": title, "data-direction": key }, await Promise.all(items.map((option, i) => optionCard(option, i, key, names, passengers)))));
}

export default {
  async render(route, { go }) {
    const { params } = route;
    const origin = params.get("origin");
    const destination = params.get("destination");
    const date = params.get("date");
    const back = params.get("return_date") || "";
    const adults = Number(params.get("adults")) || 1;
    const children = Number(params.get("children")) || 0;
    const infants = Number(params.get("infants")) || 0;
    const cabin = params.get("class") || "economy";
    const sort = params.get("sort") || "price";
    const seated = adults + children;
    const limit = Math.min(Math.max(Number(params.get("limit")) || PAGE, 1), 50);
    const query = { origin, destination, date, return_date: back, passengers: seated, class: cabin, sort, limit };
    const [page, catalogue, from, to] = await Promise.all([
      api("/itineraries", { query }),
      api("/fare-families"),
      airport(origin), airport(destination),
    ]);
    const names = new Map(catalogue.items.map((family) => [family.code, family.name]));
    const sold = new Set([...page.items, ...page.return_items].flatMap((option) => option.fares.map((f) => f.family)));
    const families = catalogue.items.filter((family) => sold.has(family.code));
    const party = [`${adults} ${adults === 1 ? "adult" : "adults"}`, children ? `${children} ${children === 1 ? "child" : "children"}` : null,
      infants ? `${infants} ${infants === 1 ? "infant" : "infants"}` : null].filter(Boolean).join(", ");

    const problem = h("p", { class: "form-problem", role: "alert" });
    // the options shown so far, each direction's radio values index them; "More options"
    // asks the next page of both lists (the API pages them together)
    const lists = { out: [...page.items], back: [...page.return_items] };
    const moreErrors = errorSlot();
    let cursor = page.next_cursor;
    const more = h("button", {
      type: "button", hidden: !cursor,
      onclick: async () => {
        more.disabled = true;
        moreErrors.clear();
        try {
          const next = await api("/itineraries", { query: { ...query, cursor } });
          for (const [key, items] of [["out", next.items], ["back", next.return_items]]) {
            const list = form.querySelector(`ol[data-direction=${key}]`);
            const start = lists[key].length;
            lists[key].push(...items);
            list?.append(...await Promise.all(items.map((option, i) => optionCard(option, start + i, key, names, seated))));
          }
          cursor = next.next_cursor;
          more.hidden = !cursor;
        } catch (error) {
          moreErrors.show(error);
        } finally {
          more.disabled = false;
        }
      },
    }, "More options");
    const sortChoice = select(SORTS, sort, {
      id: "sort", onchange: (event) => {
        const query = new URLSearchParams(params);
        query.set("sort", event.target.value);
        go(`#/journeys?${query}`);
      },
    });
    const form = h("form", {
      novalidate: true, "aria-label": "Choose flights and fares",
      onsubmit: (event) => {
        event.preventDefault();
        const picks = [["out", lists.out], ...(back ? [["back", lists.back]] : [])].map(([key, items]) => {
          const value = form.querySelector(`input[name=${key}]:checked`)?.value;
          if (!value) return null;
          const [index, family] = value.split(":");
          return { legs: items[Number(index)].legs, family };
        });
        const missing = picks.findIndex((pick) => !pick);
        if (missing >= 0) {
          problem.textContent = missing === 0 ? "Choose an outbound flight and its fare." : "Choose a return flight and its fare.";
          form.querySelector(`input[name=${missing === 0 ? "out" : "back"}]`)?.focus();
          return;
        }
        const legs = picks.flatMap((pick) => pick.legs);
        go(`#/itinerary?${new URLSearchParams({
          legs: legs.map((leg) => leg.flight_id).join(","),
          fares: picks.flatMap((pick) => pick.legs.map(() => pick.family)).join(","),
          class: cabin, adults, children, infants,
        })}`);
      },
    },
    await direction(page.items, "out", `Outbound: ${from.city || origin} to ${to.city || destination}, ${day(date)}`, names, seated),
    back ? await direction(page.return_items, "back", `Return: ${to.city || destination} to ${from.city || origin}, ${day(back)}`, names, seated) : null,
    h("p", {}, more), moreErrors.element,
    problem,
    page.items.length && (!back || page.return_items.length) ? h("button", { type: "submit", class: "primary" }, "Continue") : null);

    const change = new URLSearchParams(params);
    return h("section", {},
      h("h1", {}, `${from.city || from.name} to ${to.city || to.name}${back ? " and back" : ""}`),
      h("p", { class: "lead" }, `${day(date, { weekday: "long", day: "numeric", month: "long" })}`,
        back ? ` – ${day(back, { weekday: "long", day: "numeric", month: "long" })}` : "",
        ` · ${party} · ${cabinName(cabin)} · `, h("a", { href: `#/?${change}` }, "Change search")),
      h("div", { class: "field sort" }, h("label", { for: "sort" }, "Sort"), sortChoice),
      families.length ? rulesTable(families) : null,
      form,
      h("p", { class: "muted" }, "Times are local at each airport. Fares are per passenger with a seat: a child pays 75% and an infant on a lap 10% of an adult's fare; the exact total is shown before you pay."));
  },
};
