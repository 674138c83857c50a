// Blocking: <script type="text/plain" data-assent="purpose"> and any other element with data-assent and
// data-src (an iframe, an image pixel) stay inert until every purpose they name is granted, then run in document order. Elements added
// later (single-page apps) are found by a MutationObserver.

const SELECTOR = 'script[type="text/plain"][data-assent],[data-assent][data-src]:not(script)';

// Under Trusted Types a page must let this policy create the script URLs and bodies it gated itself.
let policy = null;
function trusted() {
  if (policy === null) {
    policy = { createScript: (s) => s, createScriptURL: (s) => s };
    if (window.trustedTypes && window.trustedTypes.createPolicy) {
      try {
        policy = window.trustedTypes.createPolicy("assent", policy);
      } catch {
        /* the page's CSP allows no such policy: plain strings, as without Trusted Types */
      }
    }
  }
  return policy;
}

function purposesOf(el) {
  return (el.getAttribute("data-assent") || "").split(/[\s,]+/).filter(Boolean);
}

/** Return a copy of a gated script that will run, resolving once it has (or failed to load). */
function scriptActivate(el) {
  const script = document.createElement("script");
  for (const { name, value } of Array.from(el.attributes)) {
    if (name !== "type" && name !== "src" && name !== "data-src" && name !== "data-type") {
      script.setAttribute(name, value);
    }
  }
  if (el.nonce) script.nonce = el.nonce;
  script.type = el.getAttribute("data-type") || "text/javascript";
  script.setAttribute("data-assent-ran", "");
  const src = el.getAttribute("data-src") || el.getAttribute("src");
  return new Promise((resolve) => {
    if (src) {
      // Dynamic scripts are async by default; wait for each so they run in document order.
      script.async = false;
      script.onload = script.onerror = () => resolve();
      script.src = trusted().createScriptURL(src);
    } else {
      script.text = trusted().createScript(el.text);
    }
    el.replaceWith(script);
    if (!src) resolve();
  });
}

/** Create the blocker; granted(slug) tells whether a purpose is granted now. */
export function blockerCreate(granted) {
  const ran = new Set();
  let chain = Promise.resolve();

  function allowed(el) {
    const purposes = purposesOf(el);
    return purposes.length > 0 && purposes.every(granted);
  }

  function scan() {
    for (const el of document.querySelectorAll(SELECTOR)) {
      if (!allowed(el) || el.hasAttribute("data-assent-queued")) continue;
      el.setAttribute("data-assent-queued", "");
      for (const p of purposesOf(el)) ran.add(p);
      if (el.tagName != "SCRIPT") {
        el.setAttribute("src", el.getAttribute("data-src"));
        el.removeAttribute("data-src");
        el.setAttribute("data-assent-ran", "");
        el.removeAttribute("data-assent-queued");
      } else {
        chain = chain.then(() => scriptActivate(el));
      }
    }
  }

  return {
    scan,
    /** Watch for gated elements added later. */
    observe() {
      new MutationObserver((records) => {
        if (records.some((r) => r.addedNodes.length)) scan();
      }).observe(document.documentElement, { childList: true, subtree: true });
    },
    /** Stop what can be stopped (iframes) and return the denied purposes whose scripts already ran. */
    withdraw(denied) {
      for (const el of document.querySelectorAll("iframe[data-assent-ran]")) {
        if (purposesOf(el).some((p) => denied.includes(p))) {
          el.setAttribute("data-src", el.getAttribute("src"));
          el.removeAttribute("src");
          el.removeAttribute("data-assent-ran");
        }
      }
      return denied.filter((p) => ran.has(p));
    },
  };
}
