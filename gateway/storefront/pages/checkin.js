// #/check-in/<ticket number> — online check-in of one ticket (POST /tickets/{number}/check-in,
// optionally moving to another free seat of the same cabin), then the boarding pass: its
// details (GET /tickets/{number}/boarding-pass) and its PDF417 barcode (?format=svg, fetched
// and shown as an image). As the logged-in owner, or (?by=reference, from #/manage) without
// logging in, by the booking reference and the passenger's last name kept for the tab
// (session.js bookingProof): the pass takes them as headers, never in an address.

import { airport } from "../airports.js";
import { api, ApiError } from "../api.js";
import { errorSlot } from "../components/errors.js";
import { flightSummary } from "../components/flight-summary.js";
import { seatMap } from "../components/seat-map.js";
import { h } from "../dom.js";
import { cabinName, dateTime } from "../format.js";
import { bookingProof, session } from "../session.js";

const STATES = { checked_in: "Checked in", boarded: "Boarded", no_show: "Did not board" };

// The ticket's owner, with the token.
function ownerAccess(path) {
  return {
    ticket: () => api(path, { auth: true }),
    checkIn: (body) => api(`${path}/check-in`, { method: "POST", auth: true, body }),
    pass: () => api(`${path}/boarding-pass`, { auth: true }),
    headers: () => ({ Authorization: `Bearer ${session.accessToken()}` }),
    back: (ticket) => `#/trip/${encodeURIComponent(ticket.order_id)}`,
  };
}

// Anyone with the booking reference and a passenger's last name (#/manage): the booking names
// every passenger, and the API wants this ticket's passenger's last name (the last word of the
// name, as on a boarding pass), percent-encoded in the header (headers carry Latin-1 only).
function proofAccess(path, number, proof) {
  let lastName = proof.lastName;
  const headers = () => ({ "X-Booking-Ref": proof.ref, "X-Last-Name": encodeURIComponent(lastName) });
  return {
    async ticket() {
      const booking = await api(`/bookings/${encodeURIComponent(proof.ref)}`, { query: { last_name: proof.lastName } });
      const ticket = booking.tickets?.find((t) => t.number === number);
      if (!ticket) throw new ApiError(404, { error: "NOT_FOUND", message: "This booking has no such ticket." });
      lastName = ticket.passenger_name.trim().split(/\s+/).pop();
      return ticket;
    },
    checkIn: (body) => api(`${path}/check-in`, { method: "POST", body: { ...body, booking_ref: proof.ref, last_name: lastName } }),
    pass: () => api(`${path}/boarding-pass`, { headers: headers() }),
    headers,
    back: () => "#/manage",
  };
}

// the barcode image: the SVG asked with the caller's token or proof (an <img src> can send
// neither), shown through a data: address (the page's policy allows images from itself and data: only)
async function barcode(number, access) {
  const response = await fetch(`/tickets/${encodeURIComponent(number)}/boarding-pass?format=svg`, {
    headers: { ...access.headers(), Accept: "image/svg+xml" },
  });
  if (!response.ok) throw new ApiError(response.status, { message: "The barcode could not be loaded." });
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(await response.text())}`;
}

async function passView(pass, access) {
  const from = await airport(pass.flight.origin);
  const to = await airport(pass.flight.destination);
  const image = h("img", {
    class: "barcode", width: "360", height: "120",
    alt: `Boarding pass barcode (PDF417) for ${pass.passenger_name}, flight ${pass.flight.flight_number}, seat ${pass.seat || "none"}`,
  });
  const slot = errorSlot();
  barcode(pass.ticket_number, access).then((src) => { image.src = src; }).catch((error) => {
    image.remove();
    slot.show(error);
  });
  const item = (label, value) => [h("dt", {}, label), h("dd", {}, value)];
  return h("article", { class: "card boarding-pass", "aria-labelledby": "pass-title" },
    h("h2", { id: "pass-title" }, "Boarding pass"),
    h("dl", { class: "pass-items" },
      item("Passenger", pass.passenger_name),
      item("Flight", pass.flight.flight_number),
      item("From", `${from.city || from.name} (${pass.flight.origin})`),
      item("To", `${to.city || to.name} (${pass.flight.destination})`),
      item("Departs", `${dateTime(pass.flight.departure_at, from.tz)} (local time)`),
      item("Seat", pass.seat || "On a lap"),
      item("Cabin", cabinName(pass.class)),
      item("Booking", pass.booking_ref),
      item("Sequence", String(pass.sequence)),
      item("Status", STATES[pass.status] || pass.status)),
    image, slot.element,
    h("p", { class: "muted" }, "Show this barcode at security and at the gate."));
}

// the check-in window in words, when the API says it is not open or has closed
async function windowNote(error, flight) {
  if (!(error instanceof ApiError) || !["CHECK_IN_NOT_OPEN", "CHECK_IN_CLOSED"].includes(error.code)) return null;
  const { opens_at: opens, closes_at: closes } = error.details || {};
  if (!opens || !closes) return null;
  const { tz } = await airport(flight.origin);
  return h("p", {}, `Online check-in for this flight is open from ${dateTime(opens, tz)} to ${dateTime(closes, tz)} (local time at ${flight.origin}).`);
}

export default {
  async render(route, { go }) {
    const number = route.args[0];
    const path = `/tickets/${encodeURIComponent(number)}`;
    let access;
    if (route.params.get("by") === "reference") {
      const proof = bookingProof.get();
      if (!proof) {
        return h("section", {}, h("h1", {}, "Check in"),
          h("p", {}, "Find your booking first, with its reference and a passenger's last name: ",
            h("a", { href: "#/manage" }, "Manage a booking"), "."));
      }
      access = proofAccess(path, number, proof);
    } else if (!session.loggedIn()) {
      go(`#/login?next=${encodeURIComponent(route.hash)}`);
      return null;
    } else {
      access = ownerAccess(path);
    }
    const ticket = await access.ticket();
    const flight = await api(`/flights/${encodeURIComponent(ticket.flight_id)}`);
    const back = h("p", {}, h("a", { href: access.back(ticket) }, "Back to the booking"));

    let pass = null;
    try {
      pass = await access.pass();
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== "NOT_CHECKED_IN") throw error;
    }
    if (pass) {
      return h("section", {}, h("h1", {}, `Boarding pass: ${pass.passenger_name}`), await passView(pass, access), back);
    }

    const summary = await flightSummary(flight);
    const errors = errorSlot();
    const chosen = { seat: null };
    const picked = h("p", { class: "picked", "aria-live": "polite" }, `Your seat: ${ticket.seat}. Keep it, or pick another free seat.`);
    let mapArea = h("div", {});
    try {
      const map = await api(`/flights/${encodeURIComponent(ticket.flight_id)}/seats`);
      mapArea = seatMap({
        seats: map.seats, layouts: map.cabins || [], currency: map.currency, cabin: ticket.class, max: 1, selected: [],
        label: "Seat map: pick a free seat to move to",
        onChange: (seats) => {
          chosen.seat = seats[0] || null;
          picked.textContent = chosen.seat ? `Moving to seat ${chosen.seat} (from ${ticket.seat}).` : `Keeping seat ${ticket.seat}.`;
        },
      });
    } catch {
      mapArea = h("p", { class: "muted" }, "The seat map cannot be shown now: you keep your seat.");
    }
    const submit = h("button", { type: "submit", class: "primary" }, "Check in");
    const view = h("section", {});

    async function checkIn(event) {
      event.preventDefault();
      errors.clear();
      submit.disabled = true;
      try {
        const done = await access.checkIn(chosen.seat ? { seat: chosen.seat } : {});
        view.replaceChildren(h("h1", { tabindex: "-1" }, `Boarding pass: ${done.passenger_name}`),
          h("p", { class: "alert alert-ok", role: "status" }, "You're checked in."), await passView(done, access), back);
        view.querySelector("h1").focus();
        document.title = `Boarding pass — Fly`;
      } catch (error) {
        submit.disabled = false;
        errors.show(error, await windowNote(error, flight));
      }
    }

    view.append(
      h("h1", {}, `Check in: ${ticket.passenger_name}`),
      h("div", { class: "card" }, summary, h("p", {}, `Ticket `, h("code", {}, ticket.number), ` · ${cabinName(ticket.class)} · seat ${ticket.seat}`)),
      h("form", { onsubmit: checkIn, novalidate: true, "aria-label": "Check in" },
        h("div", { class: "card" }, h("h2", {}, "Change seat (optional)"), picked, mapArea),
        errors.element, submit),
      back);
    return view;
  },
};
