// The banner's configuration: inlined by the server into /c/<key>.js, or fetched when the bundle
// is loaded on its own (data-site on the script tag).

/** Return the configuration the server inlined, or fetch it from the script's own origin. */
export async function configLoad(script, inline) {
  if (inline && typeof inline === "object") return inline;
  const base = script && script.src ? script.src : location.href;
  const key = script && script.dataset.site;
  if (!key) throw new Error("assent: the script tag needs data-site");
  const url = new URL(`/api/v1/public/sites/${encodeURIComponent(key)}/config`, base);
  const response = await fetch(url, { credentials: "omit" });
  if (!response.ok) throw new Error(`assent: config ${response.status}`);
  return response.json();
}

/** Resolve the config's endpoint paths against the origin the script came from. */
export function endpointsResolve(config, script) {
  const base = script && script.src ? script.src : location.href;
  const out = {};
  for (const [name, path] of Object.entries(config.endpoints || {})) out[name] = new URL(path, base).href;
  return out;
}

/** Pick the locale: <html lang>, then the browser's languages, then the site's default. */
export function localePick(config, wanted) {
  const offered = config.locales || [];
  const candidates = [wanted, document.documentElement.lang, ...(navigator.languages || [navigator.language])];
  for (const tag of candidates) {
    if (!tag) continue;
    const lower = tag.toLowerCase();
    const exact = offered.find((l) => l.toLowerCase() === lower);
    if (exact) return exact;
    const primary = offered.find((l) => l.toLowerCase() === lower.split("-")[0]);
    if (primary) return primary;
  }
  return config.default_locale || offered[0];
}
