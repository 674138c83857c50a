// Runs before the banner inside the preview frame, so the real bundle runs unchanged but inert.
// The frame's origin is opaque, where reading document.cookie throws; a preview stores nothing, so
// the banner sees an empty jar. It sends nothing either: the frame's CSP (connect-src 'none') would
// refuse, and refusing here first keeps the impression a banner reports on showing from being tried.
Object.defineProperty(document, "cookie", { configurable: true, get: () => "", set: () => {} });
window.fetch = () => Promise.reject(new TypeError("a banner preview sends nothing"));
if (navigator.sendBeacon) navigator.sendBeacon = () => false;
