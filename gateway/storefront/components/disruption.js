// A disrupted booking (order.disruption: docs/booking.md "Involuntary changes"): what the
// airline changed, in words, and the traveller's options: a full refund (the booking's
// cancellation) and, for a confirmed booking, a free move to another flight (#/change).

import { airport } from "../airports.js";
import { api } from "../api.js";
import { h } from "../dom.js";
import { dateTime, localDate, minutesInWords, money, time } from "../format.js";
import { cancelPanel } from "./booking.js";

// how late the flight now leaves, in minutes, as its status says (asked by number and the
// local day it was scheduled: the day it now leaves, or the one before); null if unknown
async function delayOf(flight, zone) {
  const now = localDate(flight.departure_at, zone);
  const before = localDate(new Date(new Date(flight.departure_at) - 86_400_000).toISOString(), zone);
  for (const date of [now, before]) {
    try {
      const status = await api("/flights/status", { query: { flight_number: flight.flight_number, date } });
      const leg = status.items.find((item) => item.id === (flight.flight_id || flight.id));
      if (leg) return leg.delay_minutes;
    } catch {
      // not that day
    }
  }
  return null;
}

async function whatHappened(disruption, flight, from, to) {
  const named = `Flight ${flight.flight_number} from ${from.city || from.name} to ${to.city || to.name}`;
  const leaves = `${dateTime(flight.departure_at, from.tz)} (local time)`;
  switch (disruption.reason) {
    case "delay": {
      const minutes = await delayOf(flight, from.tz);
      const by = minutes ? ` by ${minutesInWords(minutes)}` : "";
      return `${named} is delayed${by}: it now leaves ${leaves}.`;
    }
    case "connection_broken":
      return `${named} has new times (it now leaves ${leaves}, lands ${time(flight.arrival_at, to.tz)}): `
        + "there is no longer enough time to make your connection.";
    case "cancelled":
      return `${named}, ${leaves}, is cancelled by the airline.`;
    case "aircraft_change":
      return `${named}, ${leaves}, now flies a different aircraft, with no seat for you on it.`;
    default:
      return `${named} has changed.`;
  }
}

// → the notice (an element); cancel(event) is the booking's cancellation (the refund option).
// loginToMove: the login page's address that returns to the booking, where the traveller is
// not logged in (#/manage): moving is the owner's (the change endpoints need the token).
export async function disruptionNotice(order, flights, cancel, { loginToMove = null } = {}) {
  const { disruption } = order;
  const flight = flights.find((f) => (f.flight_id || f.id) === disruption.flight_id) || flights[disruption.segment];
  const [from, to] = await Promise.all([airport(flight.origin), airport(flight.destination)]);
  const open = !order.cancellation_requested_at && ["PENDING_PAYMENT", "TICKETED"].includes(order.status);
  const options = open ? disruption.options.map((option) => {
    if (option.type === "refund") {
      const paid = order.status === "TICKETED";
      return h("li", {},
        h("p", {}, h("strong", {}, paid ? "Refund in full" : "Cancel without charge"),
          paid ? `: cancel the booking and get all ${money(order.amount, order.currency)} back on your card, whatever your fare.`
            : ": nothing has been paid."),
        cancelPanel(order, cancel, paid ? "Refund in full" : "Cancel this booking"));
    }
    if (option.type === "move" && order.status === "TICKETED") {
      return h("li", {},
        h("p", {}, h("strong", {}, "Move to another flight"),
          `: free of charge, to a flight of the same route leaving ${from.city || from.name} by ${dateTime(option.until, from.tz)} (local time).`),
        loginToMove
          ? h("p", { class: "login-to-move" }, "Moving needs logging in as the traveller who booked. ",
            h("a", { href: loginToMove }, "Log in to move to another flight"), " (you come back to this booking).")
          : h("p", {}, h("a", { class: "button primary", href: `#/change/${encodeURIComponent(order.id)}/${disruption.segment}` },
            "Move to another flight")));
    }
    return null;
  }) : [];
  return h("section", { class: "alert alert-warn disruption", "aria-labelledby": "disruption-heading" },
    h("h2", { id: "disruption-heading" }, "Your trip is disrupted"),
    h("p", {}, await whatHappened(disruption, flight, from, to)),
    options.some(Boolean) ? [h("p", {}, "Your options:"), h("ul", { class: "plain options" }, options)] : null);
}
