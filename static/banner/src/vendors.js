// The vendors bundle: for a purpose whose operator lets visitors choose per vendor, one labelled
// checkbox per vendor under the purpose's switch in the preferences layer. Each is named
// `purpose:vendor`, so saving the layer records it beside the purpose; the banner's blocker runs
// `data-assent="purpose:vendor"` only when the purpose is granted and the vendor is not refused.
// The server adds it after the banner, inside the same call, only for sites with such a purpose.
import { localePick } from "./config.js";
import { h } from "./dom.js";
import css from "./vendors.css";

// The product's own word for the group, per language.
const WORDS = {
  en: "Vendors",
  ja: "ベンダー",
  de: "Anbieter",
  fr: "Fournisseurs",
  es: "Proveedores",
  it: "Fornitori",
  nl: "Leveranciers",
  pt: "Fornecedores",
  pl: "Dostawcy",
  sv: "Leverantörer",
};
let sheet = null;

/** Give a shadow root the toggles' stylesheet once (CSSOM: allowed under a strict CSP). */
function styleAdopt(root) {
  sheet = sheet || new CSSStyleSheet();
  if (!sheet.cssRules.length) sheet.replaceSync(css);
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

/** Return a purpose's vendor toggles; every name becomes a text node. state: the visitor's choices now. */
export function vendorToggles(p, state, legend) {
  const inputs = p.vendor_choices.map((v) => {
    return h("input", { type: "checkbox", id: `assent-v-${p.slug}-${v.slug}`, name: v.key, checked: Boolean(state[v.key]) });
  });
  const set = h(
    "fieldset",
    { class: "av" },
    h("legend", null, legend),
    inputs.map((input, i) => h("label", { for: input.id }, input, p.vendor_choices[i].name)),
  );
  // Once the list item holds it: switching the purpose on or off takes its vendors along, and a
  // locked purpose (required, or refused under GPC) locks them in its own state.
  queueMicrotask(() => {
    // The banner's preferences layer or the preference centre: whichever shadow root now holds it.
    const root = set.getRootNode();
    if (root instanceof ShadowRoot) styleAdopt(root);
    const item = set.parentNode;
    const purpose = item && item.querySelector(`input[name="${p.slug}"]`);
    if (!purpose) return;
    const follow = () => {
      for (const input of inputs) input.checked = purpose.checked;
    };
    purpose.addEventListener("change", follow);
    // A vendor never decided shows what its purpose's switch shows, as the blocker treats it.
    for (const input of inputs) if (state[input.name] == null) input.checked = purpose.checked;
    if (purpose.disabled) {
      follow();
      for (const input of inputs) input.disabled = true;
    }
  });
  return set;
}

/** Start the toggles for a banner already running on this page. */
export function vendorsStart(config) {
  const locale = localePick(config);
  const t = config.texts[locale] || config.texts[config.default_locale];
  const word = WORDS[locale.split("-")[0].toLowerCase()] || WORDS.en;
  // Wrap the hook the preferences layer calls per purpose: the declaration's table, if any, stays first.
  const declare = window.__assentDeclare;
  // `stored`: the state the preference centre read from the server ({key: {granted, since}}); the
  // preferences layer shows the page's own.
  window.__assentDeclare = (p, stored) => {
    const table = declare ? declare(p) : null;
    if (!p.vendor_choices || !p.vendor_choices.length) return table;
    const name = (t.purposes[p.slug] || { name: p.slug }).name;
    const state = stored
      ? Object.fromEntries(Object.entries(stored).map(([key, row]) => [key, row.granted]))
      : window.assent
        ? window.assent.get()
        : {};
    return [table, vendorToggles(p, state, `${word}: ${name}`)];
  };
}

// eslint-disable-next-line no-undef
if (typeof __assent_config__ !== "undefined") vendorsStart(__assent_config__);
