// Google Consent Mode v2: a default before any tag runs, an update after every choice.
// Works with or without gtag on the page: the commands go to dataLayer either way.

export const SIGNALS = [
  "ad_storage",
  "analytics_storage",
  "ad_user_data",
  "ad_personalization",
  "functionality_storage",
  "personalization_storage",
  "security_storage",
];

function gtag() {
  if (typeof window.gtag === "function") window.gtag(...arguments);
  else (window.dataLayer = window.dataLayer || []).push(arguments);
}

/** Map purpose decisions to the seven signals: granted when any purpose mapped to it is granted. */
export function signalsFor(purposes, granted) {
  const out = {};
  for (const s of SIGNALS) out[s] = "denied";
  for (const p of purposes) {
    if (!granted[p.slug]) continue;
    for (const s of p.consent_mode || []) if (s in out) out[s] = "granted";
  }
  return out;
}

/** Send `consent default`, waiting for an update when the visitor has yet to choose. */
export function consentDefault(signals, waiting) {
  gtag("consent", "default", waiting ? { ...signals, wait_for_update: 500 } : signals);
}

/** Send `consent update` after a choice. */
export function consentUpdate(signals) {
  gtag("consent", "update", signals);
}
