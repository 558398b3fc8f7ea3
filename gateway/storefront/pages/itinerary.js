// #/itinerary?legs=<flight ids>&fares=<family per leg>&class&adults&children&infants — book
// an itinerary (a return trip, a connection): the passengers as on their travel documents
// (adults, children, infants on a lap), a seat map per flight, then POST /orders with
// segments (Idempotency-Key) and on to payment. Seats and names are kept per tab.

import { api, ApiError } from "../api.js";
import { PASSENGER_TYPES, flightsView, placeOrder } from "../components/booking.js";
import { errorSlot } from "../components/errors.js";
import { seatMap } from "../components/seat-map.js";
import { announce, field, h } from "../dom.js";
import { cabinName, money } from "../format.js";
import { drafts, session } from "../session.js";

// the type a birth date makes a passenger on the (UTC) day of the first departure: order's rule
function typeOn(birthDate, departureIso) {
  const born = new Date(`${birthDate}T00:00:00Z`);
  const on = new Date(departureIso);
  let years = on.getUTCFullYear() - born.getUTCFullYear();
  if (on.getUTCMonth() < born.getUTCMonth() || (on.getUTCMonth() === born.getUTCMonth() && on.getUTCDate() < born.getUTCDate())) years -= 1;
  if (years < 0) return null;
  return years >= 12 ? "adult" : years >= 2 ? "child" : "infant";
}

const A_TYPE = { adult: "an adult", child: "a child", infant: "an infant" };
const AGES = { adult: "an adult is 12 or older", child: "a child is 2 to 11", infant: "an infant is under 2" };

export default {
  async render(route, { go }) {
    const { params } = route;
    const legs = (params.get("legs") || "").split(",").filter(Boolean);
    const fares = (params.get("fares") || "").split(",");
    const cabin = params.get("class") || "economy";
    const count = (name, min, max) => Math.min(Math.max(Number(params.get(name)) || 0, min), max);
    const adults = count("adults", 1, 9);
    const children = count("children", 0, 9 - adults);
    const infants = count("infants", 0, adults);
    const seated = adults + children;
    const [flights, maps, catalogue] = await Promise.all([
      Promise.all(legs.map((id) => api(`/flights/${encodeURIComponent(id)}`))),
      Promise.all(legs.map((id) => api(`/flights/${encodeURIComponent(id)}/seats`))),
      api("/fare-families"),
    ]);
    const familyName = new Map(catalogue.items.map((family) => [family.code, family.name]));
    // a fare without free seat choice (light): no seat map, the seats are assigned
    const seatChoice = legs.map((_, s) => catalogue.items.find((family) => family.code === (fares[s] || "standard"))?.free_seat_choice !== false);
    const draftKey = `itinerary:${params}`;
    const draft = { seats: legs.map(() => []), people: [], key: null, ...drafts.get(draftKey) };
    maps.forEach((map, i) => {
      const free = new Set(map.seats.filter((s) => s.status === "available" && s.class === cabin).map((s) => s.seat));
      draft.seats[i] = seatChoice[i] ? (draft.seats[i] || []).filter((seat) => free.has(seat)).slice(0, seated) : [];
    });
    const save = () => drafts.save(draftKey, draft);

    const types = [...Array(adults).fill("adult"), ...Array(children).fill("child"), ...Array(infants).fill("infant")];
    const numberOf = (i) => types.slice(0, i + 1).filter((t) => t === types[i]).length;
    const user = session.user();
    if (!draft.people.length && user?.full_name) {
      const words = user.full_name.trim().split(/\s+/);
      draft.people = [{ given_name: words.slice(0, -1).join(" ") || words[0], family_name: words.length > 1 ? words.at(-1) : "" }];
    }
    const inputs = types.map((type, i) => {
      const kept = draft.people[i] || {};
      const make = (name, attrs) => h("input", {
        name: `${name}-${i + 1}`, value: kept[name] || "", required: true,
        oninput: (event) => { draft.people[i] = { ...draft.people[i], [name]: event.target.value }; save(); },
        ...attrs,
      });
      return {
        type,
        given: make("given_name", { type: "text", maxlength: 50, autocomplete: i === 0 ? "given-name" : "off" }),
        family: make("family_name", { type: "text", maxlength: 50, autocomplete: i === 0 ? "family-name" : "off" }),
        birth: make("birth_date", { type: "date" }),
      };
    });
    const label = (i) => `${PASSENGER_TYPES[types[i]]} ${numberOf(i)}`;
    const people = inputs.map((person, i) => h("li", { class: "passenger" },
      h("fieldset", {},
        h("legend", {}, label(i), person.type === "infant" ? ` (on the lap of Adult ${numberOf(i)})` : "",
          person.type === "child" ? " (2–11 years)" : person.type === "infant" ? ", under 2" : ""),
        h("div", { class: "grid-3" },
          field(`${label(i)}: given names`, person.given, "As on the travel document."),
          field(`${label(i)}: family name`, person.family),
          field(`${label(i)}: date of birth`, person.birth)))));

    const pickedLines = legs.map(() => h("p", { class: "picked", "aria-live": "polite" }));
    const showPicked = () => legs.forEach((_, s) => {
      const seats = draft.seats[s];
      pickedLines[s].textContent = seats.length
        ? `Seats: ${seats.join(", ")}${seats.length < seated ? ` (${seated - seats.length} more to pick, or we assign them)` : ""}`
        : `No seats picked yet: pick ${seated === 1 ? "one" : seated}, or we assign them.`;
    });
    const seatMaps = await Promise.all(flights.map(async (flight, s) => h("section", { class: "card", "aria-labelledby": `seats-${s}` },
      h("h3", { id: `seats-${s}` }, `Flight ${s + 1}: ${flight.flight_number}, ${flight.origin} → ${flight.destination}`),
      h("p", { class: "muted" }, `${familyName.get(fares[s]) || fares[s]} fare, ${cabinName(cabin)}: ${money(flight.fares_by_family?.[cabin]?.[fares[s]] ?? flight.fares[cabin], flight.currency)} per adult`),
      seatChoice[s] ? pickedLines[s] : h("p", { class: "picked" }, `Your ${familyName.get(fares[s]) || fares[s]} fare does not include seat choice: seats are assigned when you book.`),
      seatChoice[s] && seatMap({
        seats: maps[s].seats, layouts: maps[s].cabins || [], currency: maps[s].currency, cabin, max: seated,
        selected: draft.seats[s], label: `Seat map of flight ${s + 1}, ${flight.flight_number}`,
        onChange: (seats) => { draft.seats[s] = seats; save(); showPicked(); },
      }))));
    showPicked();

    const errors = errorSlot();
    const submitButton = h("button", { type: "submit", class: "primary" }, "Continue to payment");
    const loginNote = session.loggedIn() ? null : h("div", { class: "alert alert-info" },
      h("p", {}, "To book, ", h("a", { href: `#/login?next=${encodeURIComponent(route.hash)}` }, "log in"), " or ",
        h("a", { href: `#/register?next=${encodeURIComponent(route.hash)}` }, "create an account"),
        ". Your seats and names are kept."));

    function invalid(input, message) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
      announce(message);
      errors.show(new ApiError(400, { error: "INVALID_PASSENGER", message }));
      return true;
    }

    function problems() {
      for (const [i, person] of inputs.entries()) {
        for (const input of [person.given, person.family, person.birth]) input.removeAttribute("aria-invalid");
        if (!person.given.value.trim()) return invalid(person.given, `${label(i)}: enter the given names.`);
        if (!person.family.value.trim()) return invalid(person.family, `${label(i)}: enter the family name.`);
        if (!person.birth.value) return invalid(person.birth, `${label(i)}: enter the date of birth.`);
        const type = typeOn(person.birth.value, flights[0].departure_at);
        if (type !== person.type) {
          return invalid(person.birth, `${label(i)}: on the day of the first flight this date of birth makes the `
            + `passenger ${A_TYPE[type] || "not yet born"}, and ${AGES[person.type]}.`);
        }
      }
      return false;
    }

    async function book(event) {
      event.preventDefault();
      errors.clear();
      if (problems()) return;
      let seat = 0;
      const passengers = inputs.map((person) => {
        const seatIndex = person.type === "infant" ? null : seat++;
        return {
          given_name: person.given.value.trim(), family_name: person.family.value.trim(), birth_date: person.birth.value,
          type: person.type, ...(seatIndex === null ? {} : { seats: legs.map((_, s) => draft.seats[s][seatIndex] || null) }),
        };
      });
      await placeOrder({
        route, go, draft, draftKey, submitButton, errors,
        body: () => ({ segments: legs.map((flightId, s) => ({ flight_id: flightId, class: cabin, fare: fares[s] || "standard" })), passengers }),
      });
    }

    return h("section", {},
      h("h1", {}, legs.length === 1 ? "Your flight" : `Your trip: ${legs.length} flights`),
      h("div", { class: "card" }, await flightsView(flights)),
      h("form", { onsubmit: book, novalidate: true, "aria-label": "Passengers and seats" },
        h("div", { class: "card" }, h("h2", {}, seated + infants === 1 ? "Passenger" : "Passengers"),
          h("p", { class: "muted" }, "Names and dates of birth as on each passenger's passport or ID card."),
          h("ol", { class: "passengers" }, people)),
        h("h2", {}, "Seats"),
        infants ? h("p", { class: "muted" }, "Infants travel on an adult's lap and have no seat of their own.") : null,
        seatMaps,
        loginNote,
        errors.element,
        h("p", { class: "total" }, "The total, with every passenger's share, is shown before you pay."),
        submitButton));
  },
};
