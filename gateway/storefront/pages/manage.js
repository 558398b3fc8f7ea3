// #/manage — manage a booking without logging in: the booking reference and any
// passenger's last name find it (GET /bookings/{ref}?last_name=) and cancel it
// (POST /bookings/{ref}/cancel, the same proof), the refund shown; a disruption in words with
// its options (the refund; moving needs logging in); check-in by the same proof
// (#/check-in/<number>?by=reference). The proof is kept for the tab (session.js bookingProof),
// never in the address (so not in the browser's history); coming back shows the booking again.

import { api, ApiError } from "../api.js";
import {
  CANCELLABLE, HEADINGS, cancelPanel, checkInLink, flightsView, orderFlights, passengersList, refundNote, ticketsTable,
} from "../components/booking.js";
import { disruptionNotice } from "../components/disruption.js";
import { errorSlot } from "../components/errors.js";
import { announce, append, field, h } from "../dom.js";
import { ORDER_STATUS, money } from "../format.js";
import { bookingProof } from "../session.js";

const POLL_MS = 1000;
const POLL_LIMIT = 90;
const REFERENCE = /^[A-Za-z0-9]{6}$/;

// tickets on their way, or a paid booking's refund
function settling(booking) {
  return booking.status === "PAID" || (booking.cancellation_requested_at && booking.status === "TICKETED");
}

function inWords(error) {
  if (error instanceof ApiError && error.status === 404) {
    return new ApiError(404, { error: error.code, message: "No booking matches that reference and last name. Check both as written on your confirmation." });
  }
  return error;
}

export default {
  async render(route, context) {
    const kept = bookingProof.get();
    const reference = h("input", {
      type: "text", name: "booking_ref", required: true, maxlength: 6, autocomplete: "off", spellcheck: "false",
      autocapitalize: "characters", value: route.params.get("ref") || kept?.ref || "", class: "code-input",
    });
    const lastName = h("input", {
      type: "text", name: "last_name", required: true, maxlength: 50, autocomplete: "family-name", value: kept?.lastName || "",
    });
    const errors = errorSlot();
    const cancelErrors = errorSlot();
    const result = h("div", { class: "manage-result" });
    const findButton = h("button", { type: "submit", class: "primary" }, "Find my booking");
    let proof = null;
    let booking = null;
    let flights = [];
    let flightsNode = null;

    async function look() {
      const found = await api(`/bookings/${encodeURIComponent(proof.ref)}`, { query: { last_name: proof.lastName } });
      if (found.id !== booking?.id) {
        flights = await orderFlights(found);
        flightsNode = await flightsView(flights);
      }
      booking = found;
    }

    async function cancel(event) {
      event.target.disabled = true;
      cancelErrors.clear();
      try {
        booking = await api(`/bookings/${encodeURIComponent(proof.ref)}/cancel`, {
          method: "POST", body: { last_name: proof.lastName },
        });
        await show();
        announce(HEADINGS[booking.status] || "Cancelled");
        poll();
      } catch (error) {
        event.target.disabled = false;
        cancelErrors.show(inWords(error));
      }
    }

    async function show() {
      const disruption = booking.disruption ? await disruptionNotice(booking, flights, cancel, {
        loginToMove: `#/login?next=${encodeURIComponent(`#/trip/${booking.id}`)}`,
      }) : null;
      const title = booking.cancellation_requested_at && booking.status === "TICKETED"
        ? "Cancelling your booking" : HEADINGS[booking.status] || ORDER_STATUS[booking.status];
      result.replaceChildren();
      append(result, [
        h("h2", { id: "booking-heading", tabindex: "-1" }, title),
        h("div", { class: "card" },
          h("p", { class: "ref-line" }, "Booking reference ", h("strong", { class: "booking-ref" }, booking.booking_ref)),
          h("p", {}, "Status: ", h("span", { class: "status" }, ORDER_STATUS[booking.status] || booking.status)),
          flightsNode,
          passengersList(booking),
          h("p", { class: "total" }, "Total ", h("strong", {}, money(booking.amount, booking.currency)))),
        disruption,
        booking.status === "PAID" ? h("p", { class: "alert alert-info", role: "status" }, "Issuing the e-tickets…") : null,
        refundNote(booking, Boolean(booking.cancellation_requested_at && booking.status === "TICKETED")),
        ticketsTable(booking, flights, { checkIn: (ticket) => checkInLink(booking, ticket, "?by=reference") }),
        booking.status === "PENDING_PAYMENT"
          ? h("p", { class: "muted" }, "Not paid yet: the traveller who booked pays from their account.") : null,
        CANCELLABLE.has(booking.status) && !booking.cancellation_requested_at && !disruption
          ? cancelPanel(booking, cancel) : null,
        cancelErrors.element,
      ]);
    }

    async function poll() {
      for (let i = 0; i < POLL_LIMIT && settling(booking); i += 1) {
        await new Promise((resolve) => { setTimeout(resolve, POLL_MS); });
        if (!context.alive()) return;
        const before = booking.status + Boolean(booking.refund);
        try {
          await look();
        } catch {
          // a missed look: the next one may work
        }
        if (before !== booking.status + Boolean(booking.refund)) {
          await show();
          announce(HEADINGS[booking.status] || booking.status);
        }
      }
    }

    async function find(event) {
      event.preventDefault();
      errors.clear();
      const ref = reference.value.trim().toUpperCase();
      const name = lastName.value.trim();
      reference.removeAttribute("aria-invalid");
      lastName.removeAttribute("aria-invalid");
      if (!REFERENCE.test(ref)) {
        reference.setAttribute("aria-invalid", "true");
        errors.show(new ApiError(400, { message: "The booking reference is the 6 letters and digits on your confirmation." }));
        reference.focus();
        return;
      }
      if (!name) {
        lastName.setAttribute("aria-invalid", "true");
        errors.show(new ApiError(400, { message: "Enter the last name of one of the passengers." }));
        lastName.focus();
        return;
      }
      findButton.disabled = true;
      proof = { ref, lastName: name };
      booking = null;
      result.replaceChildren();
      try {
        await look();
        bookingProof.save(ref, name);
        await show();
        result.querySelector("h2").focus();
        poll();
      } catch (error) {
        errors.show(inWords(error));
      } finally {
        findButton.disabled = false;
      }
    }

    // back from check-in (or a reload): the booking this tab last opened, shown again
    if (kept) {
      proof = kept;
      try {
        await look();
        await show();
        poll();
      } catch {
        bookingProof.clear();
        booking = null;
        result.replaceChildren();
      }
    }

    return h("section", {},
      h("h1", {}, "Manage a booking"),
      h("p", { class: "lead" }, "No account needed: the booking reference and the last name of any passenger on it."),
      h("form", { class: "card narrow", onsubmit: find, novalidate: true, "aria-label": "Find a booking" },
        field("Booking reference", reference, "6 letters and digits, e.g. K7M2QX."),
        field("Last name", lastName, "As on the booking."),
        errors.element, findButton),
      result);
  },
};
