// The storefront's shell: a hash router (#/page/arg?query) that renders one page module
// at a time into <main>, and the navigation bar. Pages are listed in pages/index.js.

import { api } from "./api.js";
import { errorBox } from "./components/errors.js";
import { announce, h } from "./dom.js";
import { pages } from "./pages/index.js";
import { session } from "./session.js";

const main = document.getElementById("main");
let rendered = 0;

export function parseRoute(hash = location.hash) {
  const raw = hash.replace(/^#\/?/, "");
  const [path, query = ""] = raw.split("?");
  const segments = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { name: segments[0] || "", args: segments.slice(1), params: new URLSearchParams(query), hash: `#/${raw}` };
}

export function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function notFound() {
  return h("section", {}, h("h1", { tabindex: "-1" }, "Page not found"),
    h("p", {}, "There is nothing here. ", h("a", { href: "#/" }, "Search for a flight"), "."));
}

async function render() {
  rendered += 1;
  const mine = rendered;
  const route = parseRoute();
  const page = pages[route.name];
  // what a page may ask of the shell: whether it is still the one shown (to stop polling), navigation
  const context = { alive: () => mine === rendered, go };
  main.setAttribute("aria-busy", "true");
  main.replaceChildren(h("p", { class: "loading" }, "Loading…"));
  let view;
  try {
    view = page ? await page.render(route, context) : notFound();
  } catch (error) {
    view = h("section", {}, h("h1", { tabindex: "-1" }, "We could not show this page"), errorBox(error),
      h("p", {}, h("a", { href: "#/" }, "Back to the search")));
  }
  if (mine !== rendered || !view) return;
  main.replaceChildren(view);
  main.removeAttribute("aria-busy");
  const heading = main.querySelector("h1");
  const title = heading?.textContent || "Fly";
  document.title = `${title} — Fly`;
  updateNav(route);
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: false });
  }
  announce(title);
}

function updateNav(route = parseRoute()) {
  const account = document.getElementById("nav-account");
  const user = session.user();
  if (session.loggedIn()) {
    account.replaceChildren(h("button", { type: "button", class: "link-button", onclick: logOut },
      `Log out${user?.full_name ? ` (${user.full_name.split(" ")[0]})` : ""}`));
  } else {
    account.replaceChildren(h("a", { href: `#/login?next=${encodeURIComponent(route.hash)}` }, "Log in"));
  }
  for (const link of document.querySelectorAll("#nav a")) {
    const target = parseRoute(link.getAttribute("href")).name;
    if (target === route.name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function logOut() {
  try {
    await api("/auth/logout", { method: "POST", auth: true });
  } catch {
    // the session ends here either way
  }
  session.clear();
  go("#/");
}

session.onChange(() => updateNav());
window.addEventListener("hashchange", render);
render();
