// The two layers in a shadow root. Operator text only ever becomes text nodes.
import { deepActiveElement, h, safeUrl } from "./dom.js";
import css from "./styles.css";

let sheet = null;

/** Give a shadow root the banner's stylesheet without an inline <style> (strict CSP). */
export function styleAdopt(root) {
  if (root.adoptedStyleSheets !== undefined && typeof CSSStyleSheet.prototype.replaceSync === "function") {
    sheet = sheet || new CSSStyleSheet();
    if (!sheet.cssRules.length) sheet.replaceSync(css);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  } else {
    root.append(h("style", null, css));
  }
}

/** Set a site's theme on a host element: checked values only, through the CSSOM (which a strict CSP allows). */
export function themeApply(host, config) {
  const theme = config.theme || {};
  for (const name in theme.vars) host.style.setProperty(name, theme.vars[name]);
  return theme;
}

/**
 * Create the banner UI. `model` gives: config, texts(), decisions(), gpcLocked(slug), decide(choices, method).
 */
export function uiCreate(model) {
  const host = document.createElement("assent-banner");
  const root = host.attachShadow({ mode: "open" });
  const theme = themeApply(host, model.config);
  styleAdopt(root);
  document.body.append(host);
  let layer = null;
  let prefs = null;
  let settings = null;
  let returnFocus = null;

  const purposes = () => model.config.purposes;

  function gpcNote(t) {
    return model.gpcApplied() ? h("p", { class: "note", role: "status" }, t.gpc_notice) : null;
  }

  // Accept and Reject share one style; a theme only chooses which of the two comes first.
  function choices(t) {
    const both = [
      h("button", { type: "button", onclick: () => model.decide(model.all(true), "accept_all") }, t.accept_all),
      h("button", { type: "button", onclick: () => model.decide(model.all(false), "reject_all") }, t.reject_all),
    ];
    return theme.reject_first ? both.reverse() : both;
  }

  function policyLink(t) {
    const url = safeUrl(model.config.policy_url);
    return url ? h("a", { href: url, target: "_blank", rel: "noopener" }, t.policy_link) : null;
  }

  function layerShow() {
    const t = model.texts();
    layerHide();
    // An opt-out or notice regulation brings its own first layer (the regional bundle).
    layer = model.layer ? model.layer(h, model, t, { link: policyLink(t), note: gpcNote(t), prefs: () => prefsShow() }) : h(
      "dialog",
      { class: "layer", "aria-labelledby": "assent-t", "aria-describedby": "assent-b", dir: t.direction || "ltr", lang: model.locale() },
      h(
        "div",
        { class: "in" },
        h("h2", { id: "assent-t" }, t.title),
        h("p", { id: "assent-b" }, t.body, " ", policyLink(t)),
        gpcNote(t),
        h(
          "div",
          { class: "row" },
          choices(t),
          h("button", { type: "button", class: "link", onclick: () => prefsShow() }, t.customize),
        ),
      ),
    );
    // Where the first layer sits (styles.css has a rule per position); the regional layer too.
    layer.classList.add(theme.position || "bar-bottom");
    root.append(layer);
    layer.show();
    settingsHide();
    return layer;
  }

  function layerHide() {
    if (layer) layer.remove();
    layer = null;
  }

  function purposeItem(p, t, current) {
    const text = t.purposes[p.slug] || { name: p.slug, description: "" };
    const id = `assent-p-${p.slug}`;
    const locked = p.required || model.gpcLocked(p.slug);
    const checked = p.required || (!model.gpcLocked(p.slug) && current[p.slug]);
    const hint = p.required ? t.always_on : p.legal_basis === "legitimate_interest" ? t.objection : null;
    const meta = [...(p.cookies || []), ...(p.vendors || [])].join(", ");
    return h(
      "li",
      null,
      h(
        "label",
        { class: "t", for: id },
        h("input", {
          type: "checkbox",
          role: "switch",
          id,
          name: p.slug,
          checked,
          disabled: locked,
          "aria-describedby": `${id}-d`,
        }),
        text.name,
      ),
      h(
        "p",
        { class: "d", id: `${id}-d` },
        hint ? h("span", { class: "tag" }, hint) : null,
        hint ? h("br") : null,
        text.description,
        meta ? h("br") : null,
        meta ? h("span", { class: "m" }, meta) : null,
      ),
      // The declaration bundle, where the site has one, adds the purpose's cookie table.
      window.__assentDeclare && window.__assentDeclare(p),
    );
  }

  function receiptLink(t) {
    // The record of the visitor's latest choice, with the proofs to check it offline (see docs/ledger.md);
    // its words come with the texts (the server supplies the product's own when a site has none).
    const url = model.receiptUrl();
    return url ? h("p", { class: "m" }, h("a", { href: url, download: "" }, t.receipt_link)) : null;
  }

  function prefsShow() {
    const t = model.texts();
    const active = deepActiveElement();
    returnFocus = active && active !== document.body ? active : returnFocus;
    prefsClose(false);
    const current = model.decisions();
    const list = h("ul", null, purposes().map((p) => purposeItem(p, t, current)));
    const chosen = () => {
      const choices = {};
      for (const input of list.querySelectorAll("input")) choices[input.name] = input.checked;
      return choices;
    };
    prefs = h(
      "dialog",
      { class: "prefs", "aria-labelledby": "assent-pt", dir: t.direction || "ltr", lang: model.locale() },
      h(
        "div",
        { class: "head" },
        h("h2", { id: "assent-pt" }, t.preferences_title),
        h("button", { type: "button", class: "x link", "aria-label": t.close, onclick: () => prefsClose(true) }, "×"),
      ),
      h("p", null, policyLink(t)),
      gpcNote(t),
      list,
      h(
        "div",
        { class: "row" },
        choices(t),
        h("button", { type: "button", class: "link", onclick: () => model.decide(chosen(), "custom") }, t.save),
      ),
      receiptLink(t),
    );
    // Escape closes like the close button, and focus goes back where it came from.
    prefs.addEventListener("cancel", (event) => {
      event.preventDefault();
      prefsClose(true);
    });
    root.append(prefs);
    if (layer) layer.close();
    prefs.showModal();
    const first = prefs.querySelector("input:not([disabled])") || prefs.querySelector("button");
    if (first) first.focus();
  }

  function prefsClose(restore) {
    if (!prefs) return;
    prefs.close();
    prefs.remove();
    prefs = null;
    if (restore) {
      if (layer) layer.show();
      else settingsShow();
      const target = returnFocus && returnFocus.isConnected ? returnFocus : layer && layer.querySelector("button");
      if (target) target.focus();
      returnFocus = null;
    }
  }

  function settingsShow() {
    // A page with its own "cookie settings" link, or its own preference centre, needs no floating one.
    if (settings || model.embedded() || document.querySelector("[data-assent-open]")) return;
    settings = h("button", { type: "button", class: "settings link", onclick: () => prefsShow() }, model.settingsLabel());
    root.append(settings);
  }

  function settingsHide() {
    if (settings) settings.remove();
    settings = null;
  }

  return {
    show: layerShow,
    showPreferences: prefsShow,
    /** Close both layers after a choice, returning focus to where the visitor was. */
    done() {
      layerHide();
      prefsClose(true);
      settingsShow();
    },
    settingsHide,
    visible: () => Boolean(layer || prefs),
  };
}
