// Building the page: elements are made with h(), text always as text (never HTML), so
// nothing an API answer holds can become markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "class") {
      el.className = value;
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

let uid = 0;
export function uniqueId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

// A labelled form field: <div class="field"><label for=...>...</label><input id=...>{hint}</div>
export function field(label, input, hint) {
  if (!input.id) input.id = uniqueId("f");
  const parts = [h("label", { for: input.id }, label), input];
  if (hint) {
    const hintEl = h("p", { class: "hint", id: `${input.id}-hint` }, hint);
    input.setAttribute("aria-describedby", hintEl.id);
    parts.push(hintEl);
  }
  return h("div", { class: "field" }, parts);
}

export function select(options, value, attrs = {}) {
  return h("select", attrs, options.map(([optionValue, text]) =>
    h("option", { value: optionValue, selected: String(optionValue) === String(value) }, text)));
}

export function announce(text) {
  const announcer = document.getElementById("announcer");
  announcer.textContent = "";
  // a fresh text node, a moment later, so screen readers read a repeated message too
  setTimeout(() => { announcer.textContent = text; }, 50);
}

export function button(text, attrs = {}) {
  return h("button", { type: "button", ...attrs }, text);
}
