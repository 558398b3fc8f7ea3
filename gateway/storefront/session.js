// Who is logged in: the token pair and the user, kept for this browser tab
// (sessionStorage: closing the tab logs out).

const KEY = "storefront.session";
const listeners = new Set();

function read() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY));
  } catch {
    return null;
  }
}

export const session = {
  get: read,
  accessToken: () => read()?.access_token || null,
  refreshToken: () => read()?.refresh_token || null,
  user: () => read()?.user || null,
  loggedIn: () => Boolean(read()?.access_token),
  save(pair, user) {
    const current = read() || {};
    sessionStorage.setItem(KEY, JSON.stringify({
      access_token: pair.access_token,
      refresh_token: pair.refresh_token,
      user: user || current.user || null,
    }));
    listeners.forEach((listener) => listener());
  },
  clear() {
    sessionStorage.removeItem(KEY);
    listeners.forEach((listener) => listener());
  },
  onChange(listener) {
    listeners.add(listener);
  },
};

// Per-tab scratch state of a booking in progress (seats, names), so logging in halfway
// or reloading the page loses nothing.
export const drafts = {
  get(key) {
    try {
      return JSON.parse(sessionStorage.getItem(`storefront.draft.${key}`)) || {};
    } catch {
      return {};
    }
  },
  save(key, value) {
    sessionStorage.setItem(`storefront.draft.${key}`, JSON.stringify(value));
  },
  clear(key) {
    sessionStorage.removeItem(`storefront.draft.${key}`);
  },
};

// A booking opened without logging in (#/manage): its reference and the last name given,
// kept for this tab so that check-in and the boarding pass can use them, and the manage page
// can show the booking again; never in the address (so not in the browser's history).
const PROOF_KEY = "storefront.booking-proof";

export const bookingProof = {
  get() {
    try {
      const proof = JSON.parse(sessionStorage.getItem(PROOF_KEY));
      return proof?.ref && proof?.lastName ? proof : null;
    } catch {
      return null;
    }
  },
  save(ref, lastName) {
    sessionStorage.setItem(PROOF_KEY, JSON.stringify({ ref, lastName }));
  },
  clear() {
    sessionStorage.removeItem(PROOF_KEY);
  },
};
