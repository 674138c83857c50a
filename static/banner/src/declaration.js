// The declaration bundle: each purpose's cookies (name, provider, duration, first or third party,
// description) as a table, in the preferences layer and in every `<div data-assent-declaration>` of
// the page. The server adds it after the banner, inside the same call, only for sites with declarations.
import { localePick } from "./config.js";
import { h } from "./dom.js";
import css from "./declaration.css";

// The product's own words, per language: [summary, name, provider, duration, type, description, first, third].
const WORDS = {
  en: ["Cookies", "Name", "Provider", "Duration", "Type", "Description", "First party", "Third party"],
  ja: ["Cookie", "名前", "提供者", "保存期間", "種類", "説明", "ファーストパーティ", "サードパーティ"],
  de: ["Cookies", "Name", "Anbieter", "Speicherdauer", "Art", "Beschreibung", "Erstanbieter", "Drittanbieter"],
  fr: ["Cookies", "Nom", "Fournisseur", "Durée", "Type", "Description", "Interne", "Tiers"],
  es: ["Cookies", "Nombre", "Proveedor", "Duración", "Tipo", "Descripción", "Propia", "De terceros"],
  it: ["Cookie", "Nome", "Fornitore", "Durata", "Tipo", "Descrizione", "Prima parte", "Terza parte"],
  nl: ["Cookies", "Naam", "Aanbieder", "Bewaartermijn", "Soort", "Beschrijving", "Eigen", "Derde partij"],
  pt: ["Cookies", "Nome", "Fornecedor", "Duração", "Tipo", "Descrição", "Próprio", "De terceiros"],
  pl: ["Pliki cookie", "Nazwa", "Dostawca", "Okres", "Rodzaj", "Opis", "Własne", "Podmiotów trzecich"],
  sv: ["Kakor", "Namn", "Leverantör", "Lagringstid", "Typ", "Beskrivning", "Förstapart", "Tredjepart"],
};
let sheet = null;

/** Give a shadow root the declaration's stylesheet once (CSSOM: allowed under a strict CSP). */
function styleAdopt(root) {
  sheet = sheet || new CSSStyleSheet();
  if (!sheet.cssRules.length) sheet.replaceSync(css);
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

/** Return a purpose's rows: its published declaration, else its bare cookie names. */
const rowsOf = (p) => p.declaration || (p.cookies || []).map((name) => ({ name }));

/** Return one purpose's cookies as a table; every value becomes a text node. */
export function declarationTable(p, words, caption) {
  const party = (row) => (row.name && row.party === "third" ? words[7] : words[6]);
  return h(
    "table",
    null,
    caption ? h("caption", null, caption) : null,
    h("thead", null, h("tr", null, words.slice(1, 6).map((word) => h("th", { scope: "col" }, word)))),
    h(
      "tbody",
      null,
      rowsOf(p).map((row) =>
        h("tr", null, h("th", { scope: "row" }, row.name), h("td", null, row.provider || ""), h("td", null, row.duration || ""), h("td", null, party(row)), h("td", null, row.description || "")),
      ),
    ),
  );
}

/** Start the declaration for a banner already running on this page. */
export function declarationStart(config) {
  const locale = localePick(config);
  const t = config.texts[locale] || config.texts[config.default_locale];
  const words = WORDS[locale.split("-")[0].toLowerCase()] || WORDS.en;
  const name = (p) => (t.purposes[p.slug] || { name: p.slug }).name;

  // The preferences layer asks for each purpose's part while it builds its list.
  window.__assentDeclare = (p) => {
    if (!p.declaration) return null;
    const banner = document.querySelector("assent-banner");
    if (banner && banner.shadowRoot) styleAdopt(banner.shadowRoot);
    return h("details", { class: "ad" }, h("summary", null, `${words[0]} (${p.declaration.length})`), declarationTable(p, words));
  };

  const mount = () => {
    for (const el of document.querySelectorAll("[data-assent-declaration]")) {
      const root = el.shadowRoot || el.attachShadow({ mode: "open" });
      styleAdopt(root);
      const tables = config.purposes.filter((p) => rowsOf(p).length).map((p) => declarationTable(p, words, name(p)));
      root.replaceChildren(h("div", { class: "ad", lang: locale, dir: t.direction || "ltr" }, tables));
    }
  };
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
}

// eslint-disable-next-line no-undef
if (typeof __assent_config__ !== "undefined") declarationStart(__assent_config__);
