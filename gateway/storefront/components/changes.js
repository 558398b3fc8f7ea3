// What a booking's fare and disruption allow for changing one of its flights: the words
// for the terms, and the "Change flight" action of the booking page (#/trip). The change
// itself is the #/change page.

import { h } from "../dom.js";
import { dateTime } from "../format.js";

// the fare a flight of the order was sold (or last changed) under, or undefined (sold
// before fare families, or while the fares were not known: standard)
export function fareOf(order, segment) {
  return (order.fares || []).find((fare) => fare.segment === segment);
}

// the disruption's free move for this flight ({type: "move", until}), or null
export function moveOption(order, segment) {
  const { disruption } = order;
  if (!disruption || disruption.segment !== segment) return null;
  return disruption.options.find((option) => option.type === "move") || null;
}

export function changeable(order, segment) {
  return Boolean(moveOption(order, segment)) || fareOf(order, segment)?.rules?.changeable !== false;
}

// the fare includes picking a seat (a fare not known is standard, which does)
export function seatChoice(order, segment) {
  return fareOf(order, segment)?.rules?.free_seat_choice !== false;
}

// the terms of changing this flight, in a sentence; zone: the departure airport's
export function changeTerms(order, segment, zone) {
  const move = moveOption(order, segment);
  if (move) return `Moving is free of charge, to a flight leaving by ${dateTime(move.until, zone)} (local time).`;
  const fare = fareOf(order, segment);
  if (!fare?.rules) return "The fee and any fare difference are shown before you confirm.";
  const name = fare.family_name || fare.family;
  if (!fare.rules.changeable) return `Your ${name} fare does not allow changes.`;
  const fee = fare.rules.change_fee_percent
    ? `a fee of ${fare.rules.change_fee_percent}% of what you paid for this flight` : "no fee";
  return `Your ${name} fare allows changes: ${fee}, plus the difference if the new flight costs more.`;
}

// under each flight of a confirmed booking: "Change flight", or why it cannot be changed
export function changeAction(order, flight, segment) {
  if (order.status !== "TICKETED" || order.cancellation_requested_at || new Date(flight.departure_at) <= new Date()) {
    return null;
  }
  if (!changeable(order, segment)) {
    return h("p", { class: "muted change-terms" }, changeTerms(order, segment));
  }
  return h("p", {}, h("a", {
    class: "button", href: `#/change/${encodeURIComponent(order.id)}/${segment}`,
    "aria-label": `Change flight ${flight.flight_number}`,
  }, "Change flight"));
}
