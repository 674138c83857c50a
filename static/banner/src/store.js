// Memory: one first-party cookie per site holding the random subject id, the version and the
// choices; a small localStorage queue of choices whose POST failed; the latest receipt.

const DAY = 86400;

/** Return a random 128-bit id as 32 hex characters. */
export function idCreate() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Read the site's consent cookie: {s: subject, v: version, r: revision, t: decided at (s), c: {slug: 0|1}}. */
export function cookieRead(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key !== name) continue;
    try {
      const value = JSON.parse(decodeURIComponent(rest.join("=")));
      return value && typeof value.s === "string" ? value : null;
    } catch {
      return null;
    }
  }
  return null;
}

/** Write the consent cookie for the site's consent lifetime (SameSite=Lax, Secure on https). */
export function cookieWrite(name, value, config) {
  const parts = [
    `${name}=${encodeURIComponent(JSON.stringify(value))}`,
    "path=/",
    `max-age=${Math.round((config.lifetime_days || 365) * DAY)}`,
    "samesite=lax",
  ];
  if (config.cookie_domain && cookieDomainApplies(config.cookie_domain)) parts.push(`domain=${config.cookie_domain}`);
  if (location.protocol === "https:") parts.push("secure");
  document.cookie = parts.join("; ");
}

function cookieDomainApplies(domain) {
  const d = domain.replace(/^\./, "").toLowerCase();
  const host = location.hostname.toLowerCase();
  return host === d || host.endsWith(`.${d}`);
}

/** Delete every cookie whose name matches one of the patterns (`*` is a wildcard), on this host and its parents. */
export function cookiesDelete(patterns) {
  if (!patterns.length) return [];
  const regexes = patterns.map((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`));
  const names = document.cookie
    .split(";")
    .map((c) => c.trim().split("=")[0])
    .filter((n) => n && regexes.some((r) => r.test(n)));
  const labels = location.hostname.split(".");
  const domains = [""];
  for (let i = 0; i < labels.length - 1; i++) domains.push(`; domain=.${labels.slice(i).join(".")}`);
  for (const name of names) {
    for (const domain of domains) document.cookie = `${name}=; path=/; max-age=0${domain}`;
  }
  return names;
}

/** Return the stored queue of unsent choices. */
export function queueRead(key) {
  try {
    return JSON.parse(localStorage.getItem(key) || "[]");
  } catch {
    return [];
  }
}

/** Replace the stored queue; a full or forbidden storage only loses the retry, never the page. */
export function queueWrite(key, items) {
  try {
    if (items.length) localStorage.setItem(key, JSON.stringify(items.slice(-20)));
    else localStorage.removeItem(key);
  } catch {
    /* storage unavailable: the choice stays in the cookie, only its record is lost */
  }
}

/** Keep the latest receipt's id and signature: the signature is what lets the visitor fetch its proof. */
export function receiptKeep(key, body) {
  if (body && body.receipt && body.signature) queueWrite(key, [body.receipt, body.signature]);
}
