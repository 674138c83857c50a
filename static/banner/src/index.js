// The Assent banner: one tag, <script src="<base>/c/<site_key>.js">. The server inlines the site's
// published configuration as the argument `__assent_config__`; loaded alone, the bundle fetches it.
import { blockerCreate } from "./blocker.js";
import { configLoad, endpointsResolve, localePick } from "./config.js";
import { consentDefault, consentUpdate, signalsFor } from "./consentmode.js";
import { whenBody } from "./dom.js";
import { preferencesMount } from "./prefs.js";
import { cookieRead, cookieWrite, cookiesDelete, idCreate, queueRead, receiptKeep } from "./store.js";
import { transportCreate } from "./transport.js";
import { uiCreate } from "./ui.js";

const DAY_MS = 86400000;
const script = document.currentScript;
// eslint-disable-next-line no-undef
const inline = typeof __assent_config__ === "undefined" ? null : __assent_config__;

const vendorKeys = (p) => (p.vendor_choices || []).map((v) => v.key);

/** Return whether a stored choice still stands: same material revision and regulation, not expired. */
function storedValid(stored, config, reg) {
  if (!stored || !stored.d || !stored.c || (stored.r || 0) < (config.revision || 0) || stored.l != reg.slug) return false;
  return Date.now() - (stored.t || 0) * 1000 < (config.lifetime_days || 365) * DAY_MS;
}

function start(config) {
  const cookieName = `assent_${config.site}`;
  const receiptKey = `assent_receipt_${config.site}`;
  const endpoints = endpointsResolve(config, script);
  const transport = transportCreate(endpoints, config.site);
  const listeners = [];
  let locale = localePick(config, script && script.dataset.locale);
  let stored = cookieRead(cookieName);
  const subject = stored ? stored.s : idCreate();
  // The regulation of the visitor's region; without one, opt-in. Opt-out and notice regulations run
  // purposes by default, but for those they keep opt-in.
  const reg = config.regulation || { model: "opt_in" };
  const byDefault = reg.model !== "opt_in";
  const askFirst = new Set(reg.opt_in_purposes || []);
  let decided = storedValid(stored, config, reg);
  const gpc = Boolean((config.honour_gpc || reg.gpc) && navigator.globalPrivacyControl);
  const saleShare = new Set(config.purposes.filter((p) => p.sale_share && !p.required).map((p) => p.slug));
  const required = new Set(config.purposes.filter((p) => p.required).map((p) => p.slug));

  // Before a choice only required purposes are on; legitimate interests wait too, to be safe. A "no"
  // the visitor gave before (under another law, or an older revision) never becomes a default "yes".
  let granted = {};
  for (const p of config.purposes) {
    const refused = stored && stored.d && stored.c && stored.c[p.slug] === 0;
    granted[p.slug] = required.has(p.slug) || (decided ? Boolean(stored.c[p.slug]) : byDefault && !askFirst.has(p.slug) && !refused);
    // A per-vendor purpose's vendors, as `purpose:vendor` keys: the visitor's answer, else the purpose's.
    if (decided) for (const k of vendorKeys(p)) granted[k] = Boolean(stored.c[k] ?? granted[p.slug]);
  }
  const regional = byDefault && window.__assentRegional ? window.__assentRegional(reg, saleShare, gpc) : null;
  const regionalUpdate = () => regional && regional.update(granted);

  // `purpose:vendor` runs when its purpose is granted and the vendor is not refused.
  const blocker = blockerCreate((key) => granted[key.split(":")[0]] === true && (granted[key] ?? 1));
  consentDefault(signalsFor(config.purposes, granted), !decided);

  function texts() {
    return config.texts[locale] || config.texts[config.default_locale];
  }

  function remember() {
    const c = {};
    for (const [slug, on] of Object.entries(granted)) c[slug] = on ? 1 : 0;
    // d: the visitor chose (a GPC opt-out alone is not a choice); g: the GPC opt-out is recorded.
    const d = decided ? 1 : 0;
    stored = { s: subject, v: config.banner_version, r: config.revision || 0, t: Math.floor(Date.now() / 1000), c, d, g: gpc ? 1 : 0, l: reg.slug };
    cookieWrite(cookieName, stored, config);
  }

  function apply(next, { source = "banner", method = "custom", post = true, decide = true } = {}) {
    const before = granted;
    granted = { ...granted, ...next };
    for (const slug of required) granted[slug] = true;
    if (gpc) for (const slug of saleShare) granted[slug] = false;
    const changed = Object.keys(granted).filter((slug) => before[slug] !== granted[slug]);
    const denied = changed.filter((slug) => !granted[slug]);
    decided = decided || decide;
    remember();
    regionalUpdate();
    consentUpdate(signalsFor(config.purposes, granted));
    const deletedCookies = cookiesDelete(config.purposes.filter((p) => denied.includes(p.slug)).flatMap((p) => p.cookies || []));
    const stale = blocker.withdraw(denied);
    blocker.scan();
    if (post) {
      transport.send({
        subject,
        choices: Object.fromEntries(Object.keys(next).map((slug) => [slug, granted[slug]])),
        banner_version: config.banner_version,
        method,
        source,
        locale,
        regulation: reg.slug,
        idempotency_key: idCreate(),
        occurred_at: new Date().toISOString(),
        page_url: location.href.split("#")[0].slice(0, 2000),
      }).then((body) => receiptKeep(receiptKey, body));
    }
    const detail = { state: { ...granted }, changed, method, source, deletedCookies, reloadSuggested: stale };
    for (const fn of listeners) {
      try {
        fn(detail);
      } catch (error) {
        console.error(error);
      }
    }
    document.dispatchEvent(new CustomEvent("assent:change", { detail, bubbles: true }));
    if (stale.length && script && script.dataset.reloadOnWithdraw !== undefined) location.reload();
    return detail.state;
  }

  function all(on) {
    const out = {};
    for (const p of config.purposes) {
      out[p.slug] = p.required || (on && !(gpc && saleShare.has(p.slug)));
      for (const k of vendorKeys(p)) out[k] = out[p.slug];
    }
    return out;
  }

  let ui = null;
  let embedded = false;
  const model = {
    embedded: () => embedded,
    config,
    endpoints,
    texts,
    locale: () => locale,
    subject: () => subject,
    // What the switches show: under an opt-out or notice law the defaults really are running.
    decisions: () => (decided || byDefault ? granted : Object.fromEntries(config.purposes.map((p) => [p.slug, p.required || p.legal_basis === "legitimate_interest"]))),
    gpcApplied: () => gpc && saleShare.size > 0,
    gpcLocked: (slug) => gpc && saleShare.has(slug),
    all,
    decide(choices, method) {
      apply(choices, { method });
      if (ui) ui.done();
    },
    // Under an opt-out or notice regulation: the visitor read the notice and keeps the defaults.
    acknowledge() {
      decided = true;
      remember();
      if (ui) ui.done();
    },
    layer: regional && regional.layer,
    settingsLabel: () => (byDefault && reg.texts && (reg.texts[locale] || {}).choices_link) || texts().settings_link,
    record: (choices, method, source) => apply(choices, { method, source }),
    /** Return where the visitor's latest receipt can be downloaded with its proof, or null. */
    receiptUrl() {
      const [id, signature] = queueRead(receiptKey);
      const base = endpoints.consents && endpoints.consents.replace(/consents$/, "receipts/");
      return id && base ? `${base}${encodeURIComponent(id)}?signature=${encodeURIComponent(signature)}` : null;
    },
  };

  function withUi(fn) {
    return new Promise((resolve) => whenBody(() => resolve(fn((ui = ui || uiCreate(model))))));
  }

  transport.flush();
  blocker.scan();
  blocker.observe();

  // Read before the default below rewrites the cookie (with g set), or the GPC opt-out would go unrecorded.
  const gpcRecorded = stored && stored.g && [...saleShare].every((slug) => !stored.c[slug]);
  // A default under an opt-out or notice law is recorded as one, once per visitor and regulation, so
  // the record can say "on by default under US-CA law" before any opt-out.
  if (byDefault && !(stored && stored.l === reg.slug)) {
    const defaults = config.purposes.filter((p) => granted[p.slug] && !required.has(p.slug) && !(gpc && saleShare.has(p.slug)));
    if (defaults.length) apply(Object.fromEntries(defaults.map((p) => [p.slug, true])), { method: "default", decide: false });
  }
  regionalUpdate();

  // GPC: sale/share purposes are denied without asking, once, and recorded with source "gpc".
  if (gpc && saleShare.size && !gpcRecorded) {
    apply(Object.fromEntries([...saleShare].map((slug) => [slug, false])), { source: "gpc", method: "gpc", decide: false });
  }

  document.addEventListener("click", (event) => {
    const opener = event.target instanceof Element && event.target.closest("[data-assent-open]");
    if (!opener) return;
    event.preventDefault();
    withUi((u) => u.showPreferences());
  });

  if (!decided) {
    withUi((u) => {
      u.show();
      transport.impression({ banner_version: config.banner_version, locale });
    });
  } else {
    withUi((u) => u.done());
  }

  window.assent = {
    version: config.banner_version,
    get: () => ({ ...granted }),
    decided: () => decided,
    on(event, fn) {
      if (event === "change" && typeof fn === "function") listeners.push(fn);
    },
    acceptAll: () => model.decide(all(true), "accept_all"),
    rejectAll: () => model.decide(all(false), "reject_all"),
    set: (choices) => model.decide(choices, "custom"),
    show: () => withUi((u) => u.show()),
    showPreferences: () => withUi((u) => u.showPreferences()),
    setLocale(tag) {
      locale = localePick(config, tag);
    },
    async identify(user, token) {
      const response = await transport.post(endpoints.identify, { subject, user, token }).catch(() => null);
      if (!response || !response.ok) return null;
      const body = await response.json();
      const known = Object.fromEntries(Object.entries(body.state || {}).filter(([slug]) => slug in granted));
      if (body.decided) {
        apply(known, { post: false, method: "identify", source: "account_settings" });
        if (ui) ui.done();
      }
      return body;
    },
    mountPreferences(element) {
      embedded = true;
      if (ui) ui.settingsHide();
      return preferencesMount(element, model);
    },
  };
}

// Inlined: start now, so Consent Mode's default precedes every tag after this one.
if (inline) start(inline);
else configLoad(script, null).then(start, (error) => console.error(error));
