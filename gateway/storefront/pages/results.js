// #/results?origin&destination&date&passengers&class — the flights of a day, with the
// lowest fares of the days around it (GET /flights/calendar).

import { airport } from "../airports.js";
import { api } from "../api.js";
import { h } from "../dom.js";
import { addDays, cabinName, daysLater, day, duration, money, time, today } from "../format.js";

const CALENDAR_DAYS_EACH_SIDE = 3;

function offerCard(offer, from, to, passengers, cabin) {
  const wanted = cabin && offer.fares[cabin] !== undefined ? cabin : offer.lowest_fare?.class;
  const fare = offer.fares[wanted];
  const left = offer.seats_available?.[wanted];
  const later = daysLater(offer.departure_at, from.tz, offer.arrival_at, to.tz);
  const query = new URLSearchParams({ passengers, class: wanted });
  const headingId = `offer-${offer.id}`;
  return h("li", { class: "card offer", "aria-labelledby": headingId },
    h("div", { class: "offer-times" },
      h("h2", { id: headingId, class: "offer-heading" },
        h("span", { class: "time" }, time(offer.departure_at, from.tz)),
        h("span", { class: "arrow", "aria-hidden": "true" }, " → "),
        h("span", { class: "visually-hidden" }, " to "),
        h("span", { class: "time" }, time(offer.arrival_at, to.tz)),
        later ? h("sup", { class: "later" }, later > 0 ? `+${later}` : later,
          h("span", { class: "visually-hidden" }, later === 1 ? " day" : " days")) : null),
      h("p", { class: "muted" }, `${offer.flight_number} · ${offer.origin} → ${offer.destination} · ${duration(offer.departure_at, offer.arrival_at)}`,
        offer.status === "delayed" ? h("span", { class: "badge badge-warn" }, "Delayed") : null)),
    h("div", { class: "offer-fare" },
      h("p", { class: "price" }, money(fare, offer.currency)),
      h("p", { class: "muted" }, `${cabinName(wanted)}, per passenger`),
      h("p", { class: left <= 5 ? "seats-left few" : "seats-left" }, left === 1 ? "1 seat left" : `${left} seats left`),
      h("a", { class: "button primary", href: `#/flight/${encodeURIComponent(offer.id)}?${query}`,
        "aria-label": `Select ${offer.flight_number} at ${time(offer.departure_at, from.tz)}, ${money(fare, offer.currency)}` },
      "Select")));
}

async function calendarStrip(params, current) {
  const first = [addDays(current, -CALENDAR_DAYS_EACH_SIDE), today()].sort().at(-1);
  const calendar = await api("/flights/calendar", {
    query: {
      origin: params.get("origin"), destination: params.get("destination"), from: first,
      to: addDays(current, CALENDAR_DAYS_EACH_SIDE), passengers: params.get("passengers"), class: params.get("class"),
    },
  });
  return h("nav", { class: "calendar", "aria-label": "Lowest fares of nearby days" },
    h("ul", {}, calendar.days.map((entry) => {
      const query = new URLSearchParams(params);
      query.set("date", entry.date);
      const fare = entry.lowest_fare ? money(entry.lowest_fare.amount, entry.lowest_fare.currency) : "No flights";
      return h("li", {}, h("a", {
        href: `#/results?${query}`, "aria-current": entry.date === current ? "date" : null,
      }, h("span", { class: "calendar-day" }, day(entry.date)), h("span", { class: "calendar-fare" }, fare)));
    })));
}

export default {
  async render(route) {
    const { params } = route;
    const origin = params.get("origin");
    const destination = params.get("destination");
    const date = params.get("date");
    const passengers = params.get("passengers") || "1";
    const cabin = params.get("class") || "";
    const [page, from, to] = await Promise.all([
      api("/flights", { query: { origin, destination, date, passengers, class: cabin } }),
      airport(origin), airport(destination),
    ]);
    const calendarSlot = h("div", { class: "calendar-slot" });
    calendarStrip(params, date).then((strip) => calendarSlot.replaceChildren(strip)).catch(() => {
      // the strip is a convenience: the results stand without it
    });
    const change = new URLSearchParams(params);
    const everything = new URLSearchParams({ origin, destination, date, adults: passengers, class: cabin || "economy" });
    const summary = `${day(date, { weekday: "long", day: "numeric", month: "long" })} · ${passengers} `
      + `${passengers === "1" ? "passenger" : "passengers"}${cabin ? ` · ${cabinName(cabin)}` : ""}`;
    return h("section", {},
      h("h1", {}, `${from.city || from.name} to ${to.city || to.name}`),
      h("p", { class: "lead" }, summary, " · ", h("a", { href: `#/?${change}` }, "Change search")),
      calendarSlot,
      h("p", {}, h("a", { href: `#/journeys?${everything}` }, "See one-stop connections and the fare families"),
        " (their prices and what each allows)."),
      page.items.length
        ? h("ol", { class: "offers", "aria-label": "Flights" },
          page.items.map((offer) => offerCard(offer, from, to, passengers, cabin)))
        : h("div", { class: "card empty" }, h("p", {}, "No flights with enough free seats on this day."),
          h("p", {}, "Try one of the nearby days above, or ", h("a", { href: `#/?${change}` }, "change the search"), ".")),
      h("p", { class: "muted" }, `Times are local at each airport. Fares are per passenger.`));
  },
};
