// Build elements from operator text safely: strings always become text nodes, never markup.

/** Create an element with attributes, listeners (on*) and children (strings become text nodes). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "checked" || name === "disabled") el[name] = value;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child != null && child !== false) el.append(child);
  }
  return el;
}

/** Return a URL only when it is http(s), so operator text can never become a javascript: link. */
export function safeUrl(url) {
  return /^https?:\/\//i.test(url || "") ? url : null;
}

/** Return the element that really has focus, looking inside shadow roots. */
export function deepActiveElement() {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  return el;
}

/** Run fn once the document has a body (the script may run in <head>). */
export function whenBody(fn) {
  if (document.body) fn();
  else document.addEventListener("DOMContentLoaded", fn, { once: true });
}
