// The one way pages talk to the gateway's JSON API (same origin). Failures become an
// ApiError carrying the API's error model {error, message, details}; describeError()
// turns one into words for people.

import { session } from "./session.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `The service answered with status ${status}.`);
    this.status = status;
    this.code = body?.error || `HTTP_${status}`;
    this.details = body?.details || {};
    this.retryAfter = body?.retryAfter;
  }
}

function url(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, value);
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function send(method, target, body, headers, auth) {
  const sent = { Accept: "application/json", ...headers };
  if (body !== undefined) sent["Content-Type"] = "application/json";
  if (auth) {
    const token = session.accessToken();
    if (!token) throw new ApiError(401, { error: "NOT_LOGGED_IN", message: "Please log in first." });
    sent.Authorization = `Bearer ${token}`;
  }
  try {
    return await fetch(target, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, {
      error: "NETWORK_ERROR",
      message: "The service cannot be reached. Check your connection and try again.",
    });
  }
}

async function read(response) {
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const body = data && typeof data === "object" ? data : {};
    throw new ApiError(response.status, { ...body, retryAfter: response.headers.get("Retry-After") });
  }
  return data;
}

let refreshing = null;

// A 401 on a logged-in call: the access token may just have expired; one refresh, shared by
// every call waiting for it.
function refreshSession() {
  const refreshToken = session.refreshToken();
  if (!refreshToken) return Promise.resolve(false);
  refreshing ??= (async () => {
    try {
      const pair = await read(await send("POST", "/auth/refresh", { refresh_token: refreshToken }, {}, false));
      session.save(pair);
      return true;
    } catch {
      session.clear();
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export async function api(path, { method = "GET", body, query, auth = false, headers = {} } = {}) {
  const target = url(path, query);
  let response = await send(method, target, body, headers, auth);
  if (response.status === 401 && auth && (await refreshSession())) {
    response = await send(method, target, body, headers, auth);
  }
  return read(response);
}

const FIELD_NAMES = {
  card_number: "Card number",
  expiry: "Expiry date",
  cvc: "Security code",
  holder: "Name on card",
  email: "Email",
  password: "Password",
  full_name: "Full name",
  passengers: "Passengers",
  name: "name",
  seat: "seat",
  origin: "From",
  destination: "To",
  date: "Date",
  flight_number: "Flight number",
  class: "Cabin",
  given_name: "given names",
  family_name: "family name",
  birth_date: "date of birth",
  type: "type",
  seats: "seats",
  fare: "fare family",
  last_name: "Last name",
  booking_ref: "Booking reference",
};

// objects whose fields name themselves ("Card number", not "card Card number")
const GROUPS = { card: "Card" };

function fieldName(path) {
  const words = [];
  for (let i = 0; i < path.length; i += 1) {
    const part = path[i];
    if (part in GROUPS) {
      if (i === path.length - 1 || path[i + 1] === "_schema") words.push(GROUPS[part]);
    } else if (part === "passengers" && /^\d+$/.test(path[i + 1] ?? "")) {
      words.push(`Passenger ${Number(path[i + 1]) + 1}`);
      i += 1;
    } else if (part === "segments" && /^\d+$/.test(path[i + 1] ?? "")) {
      words.push(`Flight ${Number(path[i + 1]) + 1}`);
      i += 1;
    } else if (!/^\d+$/.test(part) && part !== "_schema") {
      words.push(FIELD_NAMES[part] || part.replaceAll("_", " "));
    }
  }
  return words.join(" ");
}

function fieldProblems(fields, path = []) {
  if (Array.isArray(fields)) {
    return fields.flatMap((item) => (typeof item === "string"
      ? [`${fieldName(path) || "Input"}: ${item}`] : fieldProblems(item, path)));
  }
  if (fields && typeof fields === "object") {
    return Object.entries(fields).flatMap(([name, value]) => fieldProblems(value, [...path, name]));
  }
  return typeof fields === "string" ? [`${fieldName(path)}: ${fields}`] : [];
}

const TITLES = {
  0: "No connection",
  400: "Please check what you entered",
  401: "Please log in",
  402: "Payment declined",
  403: "Not allowed",
  404: "Not found",
  409: "That cannot be done right now",
  413: "Too much to send",
  429: "Too many attempts",
};

// {title, message, problems[]}: what went wrong, in words (never the raw answer).
export function describeError(error) {
  if (!(error instanceof ApiError)) {
    return { title: "Something went wrong", message: "Please try again.", problems: [] };
  }
  const title = TITLES[error.status] || (error.status >= 500 ? "Something went wrong on our side" : "Something went wrong");
  let { message } = error;
  if (error.status === 429 && error.retryAfter) message = `${message} Try again in ${error.retryAfter} seconds.`;
  if (error.status >= 500 && error.status !== 503) message = `${message} Please try again in a moment.`;
  const problems = error.details?.fields ? fieldProblems(error.details.fields) : [];
  return { title, message, problems };
}
