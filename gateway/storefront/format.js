// Money, times and durations as a traveller reads them. Times of a flight are shown in
// the local time of the airport they happen at (the airport's IANA zone from /airports).

const LOCALE = "en-GB";

// ISO 4217 minor units, as the API counts money (Intl follows CLDR's display habits
// instead, e.g. no decimals for IDR); two unless listed
const MINOR_UNITS = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0,
  VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0, BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3, CLF: 4,
};

function minorDigits(currency) {
  return MINOR_UNITS[currency] ?? 2;
}

// amounts are integers of the currency's minor unit (ISO 4217: IDR and USD have two decimals)
export function money(amount, currency) {
  if (amount === null || amount === undefined) return "";
  const digits = minorDigits(currency);
  try {
    return new Intl.NumberFormat(LOCALE, {
      style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits,
    })
      .format(amount / 10 ** digits);
  } catch {
    return `${(amount / 10 ** digits).toFixed(digits)} ${currency}`;
  }
}

export function time(iso, timeZone) {
  return new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit", timeZone }).format(new Date(iso));
}

export function dateTime(iso, timeZone) {
  return new Intl.DateTimeFormat(LOCALE, {
    weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone,
  }).format(new Date(iso));
}

export function longDate(iso, timeZone) {
  return new Intl.DateTimeFormat(LOCALE, {
    weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone,
  }).format(new Date(iso));
}

// "2026-03-04" (a calendar day, no zone) as words
export function day(isoDate, options = { weekday: "short", day: "numeric", month: "short" }) {
  return new Intl.DateTimeFormat(LOCALE, { ...options, timeZone: "UTC" }).format(new Date(`${isoDate}T00:00:00Z`));
}

export function localDate(iso, timeZone) {
  // en-CA formats as YYYY-MM-DD
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .format(new Date(iso));
}

export function duration(fromIso, toIso) {
  return minutesInWords(Math.round((new Date(toIso) - new Date(fromIso)) / 60000));
}

// 150 → "2 h 30 min"
export function minutesInWords(minutes) {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (!hours) return `${rest} min`;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

// how many calendar days later the arrival is, each side in its own zone
export function daysLater(departureIso, departureZone, arrivalIso, arrivalZone) {
  const from = new Date(`${localDate(departureIso, departureZone)}T00:00:00Z`);
  const to = new Date(`${localDate(arrivalIso, arrivalZone)}T00:00:00Z`);
  return Math.round((to - from) / 86400000);
}

// the wall-clock part of an ISO time that carries its own offset ("2026-12-01T08:45:00+07:00")
export function wallClock(isoWithOffset) {
  return isoWithOffset ? isoWithOffset.slice(11, 16) : "";
}

export function today() {
  return localDate(new Date().toISOString(), undefined);
}

export function addDays(isoDate, count) {
  const moment = new Date(`${isoDate}T00:00:00Z`);
  moment.setUTCDate(moment.getUTCDate() + count);
  return moment.toISOString().slice(0, 10);
}

export const CABINS = {
  first: "First",
  business: "Business",
  premium_economy: "Premium economy",
  economy: "Economy",
};

export function cabinName(cabin) {
  return CABINS[cabin] || cabin;
}

export const TICKET_STATUS = { issued: "Valid", exchanged: "Exchanged for a new one", cancelled: "Cancelled" };

export const ORDER_STATUS = {
  PENDING_PAYMENT: "Waiting for payment",
  PAID: "Paid, issuing tickets",
  TICKETED: "Confirmed",
  EXPIRED: "Expired (not paid in time)",
  CANCELLED: "Cancelled",
  REFUNDED: "Cancelled and refunded",
};

export const FLIGHT_STATUS = {
  scheduled: "On time",
  delayed: "Delayed",
  boarding: "Boarding",
  departed: "Departed",
  arrived: "Arrived",
  cancelled: "Cancelled",
};
