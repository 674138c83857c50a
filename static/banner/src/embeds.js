// The embeds bundle: where a gated embed (a video, a map, a social post) would be, a placeholder names
// its provider and the purposes it needs, with "Load this once" and "Allow <purpose>". The server adds
// it after the banner, inside the same call, only for sites that enable placeholders.
import { localePick } from "./config.js";
import { h } from "./dom.js";
import css from "./embeds.css";

// The product's own words, per language: [blocked notice, load once, allow]. {p} provider, {u} purposes.
const WORDS = {
  en: ["Content from {p} is blocked: it needs your consent to {u}.", "Load this once", "Allow {u}"],
  ja: ["{p} のコンテンツはブロックされています（「{u}」への同意が必要です）。", "今回だけ読み込む", "「{u}」を許可"],
  de: ["Inhalt von {p} ist blockiert: er braucht Ihre Einwilligung zu {u}.", "Einmal laden", "{u} erlauben"],
  fr: ["Le contenu de {p} est bloqué : il nécessite votre consentement pour {u}.", "Charger une fois", "Autoriser {u}"],
  es: ["El contenido de {p} está bloqueado: necesita su consentimiento para {u}.", "Cargar esta vez", "Permitir {u}"],
  it: ["Il contenuto di {p} è bloccato: richiede il tuo consenso per {u}.", "Carica solo questa volta", "Consenti {u}"],
  nl: ["Inhoud van {p} is geblokkeerd: hiervoor is uw toestemming voor {u} nodig.", "Eén keer laden", "{u} toestaan"],
  pt: ["O conteúdo de {p} está bloqueado: precisa do seu consentimento para {u}.", "Carregar desta vez", "Permitir {u}"],
  pl: ["Treść od {p} jest zablokowana: wymaga Twojej zgody na {u}.", "Załaduj jednorazowo", "Zezwól: {u}"],
  sv: ["Innehåll från {p} är blockerat: det kräver ditt samtycke till {u}.", "Ladda en gång", "Tillåt {u}"],
};
const GATED = "[data-assent][data-src]:not(script)";

/** Return the purposes an element names. */
const purposesOf = (el) => (el.getAttribute("data-assent") || "").split(/[\s,]+/).filter(Boolean);

/** Return who serves an embed: its data-assent-provider, else the host of its source. */
export function providerOf(el) {
  if (el.dataset.assentProvider) return el.dataset.assentProvider;
  try {
    return new URL(el.getAttribute("data-src"), location.href).hostname;
  } catch {
    return "?";
  }
}

/** Tell whether an element is a tracking pixel (1×1 or smaller): gated, but nothing to show in its place. */
const isPixel = (el) => el.tagName === "IMG" && +el.getAttribute("width") <= 1 && +el.getAttribute("height") <= 1;

/** Start the placeholders for a banner already running on this page (window.assent). */
export function embedsStart(config) {
  const api = window.assent;
  if (!api) return;
  const locale = localePick(config);
  const t = config.texts[locale] || config.texts[config.default_locale];
  const words = WORDS[locale.split("-")[0].toLowerCase()] || WORDS.en;
  const held = new Map();

  function reveal(el) {
    held.get(el).remove();
    held.delete(el);
    el.hidden = false;
  }

  function placeholder(el, missing) {
    const names = missing.map((slug) => (t.purposes[slug] || { name: slug }).name).join(", ");
    const fill = (text) => text.replace("{p}", providerOf(el)).replace("{u}", names);
    const host = document.createElement("assent-placeholder");
    const root = host.attachShadow({ mode: "open" });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
    // CSSOM, not a style attribute: allowed under a strict CSP. The placeholder keeps the embed's size.
    if (el.getAttribute("width")) host.style.width = `${el.getAttribute("width")}px`;
    if (el.getAttribute("height")) host.style.minHeight = `${el.getAttribute("height")}px`;
    root.append(
      h(
        "div",
        { role: "group", "aria-label": providerOf(el), lang: locale, dir: t.direction || "ltr" },
        h("p", null, fill(words[0])),
        h(
          "div",
          { class: "row" },
          h("button", { type: "button", onclick: () => loadOnce(el) }, words[1]),
          h("button", { type: "button", onclick: () => api.set(Object.fromEntries(missing.map((slug) => [slug, true]))) }, fill(words[2])),
        ),
      ),
    );
    return host;
  }

  // Without recording anything: the embed loads on this page only, and stays gated on the next.
  function loadOnce(el) {
    el.setAttribute("src", el.getAttribute("data-src"));
    el.removeAttribute("data-src");
    el.setAttribute("data-assent-ran", "");
    reveal(el);
  }

  function scan() {
    const granted = api.get();
    for (const el of held.keys()) if (!el.isConnected || el.hasAttribute("src")) reveal(el);
    for (const el of document.querySelectorAll(GATED)) {
      const missing = purposesOf(el).filter((slug) => !granted[slug]);
      if (held.has(el) || !missing.length || isPixel(el)) continue;
      const host = placeholder(el, missing);
      held.set(el, host);
      el.before(host);
      el.hidden = true;
    }
  }

  document.addEventListener("assent:change", scan);
  const go = () => {
    scan();
    new MutationObserver((records) => {
      if (records.some((r) => r.addedNodes.length && ![...r.addedNodes].every((n) => n.localName === "assent-placeholder"))) scan();
    }).observe(document.documentElement, { childList: true, subtree: true });
  };
  if (document.body) go();
  else document.addEventListener("DOMContentLoaded", go, { once: true });
}

// eslint-disable-next-line no-undef
if (typeof __assent_config__ !== "undefined") embedsStart(__assent_config__);
