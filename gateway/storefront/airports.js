// Airports by IATA code (for their city and time zone), asked of GET /airports once per
// code and tab.

import { api } from "./api.js";

const known = new Map();

export function airport(code) {
  if (!known.has(code)) {
    known.set(code, api("/airports", { query: { q: code, limit: 5 } }).then((page) => {
      const found = page.items.find((item) => item.code === code);
      return found || { code, name: code, city: code, country: "", tz: "UTC" };
    }).catch((error) => {
      known.delete(code);
      throw error;
    }));
  }
  return known.get(code);
}

export function airportLabel(item) {
  return `${item.city || item.name} (${item.code})`;
}

export function remember(item) {
  known.set(item.code, Promise.resolve(item));
}
