// Recording: each choice is POSTed with keepalive; the page never waits. A failed POST is queued
// in localStorage and sent again on the next page; its idempotency key makes the retry harmless.
import { queueRead, queueWrite } from "./store.js";

/** Create the sender for one site. */
export function transportCreate(endpoints, siteKey) {
  const queueKey = `assent_queue_${siteKey}`;

  function post(url, body, type = "application/json") {
    return fetch(url, {
      method: "POST",
      keepalive: true,
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": type },
      body: JSON.stringify(body),
    });
  }

  async function send(body) {
    try {
      const response = await post(endpoints.consents, body);
      // A refusal (4xx) will be refused again; only an outage or a rate limit is worth a retry.
      if (response.status >= 500 || response.status === 429) throw new Error(String(response.status));
      return response.ok ? await response.json() : null;
    } catch {
      queueWrite(queueKey, [...queueRead(queueKey), body]);
      return null;
    }
  }

  return {
    send,
    /** Send again whatever an earlier page could not. */
    flush() {
      const pending = queueRead(queueKey);
      if (!pending.length) return;
      queueWrite(queueKey, []);
      for (const body of pending) send(body);
    },
    /** Say the banner was shown: site, version and locale only, nothing about the visitor. */
    impression(body) {
      // text/plain is a simple request: no CORS preflight for a fire-and-forget counter.
      post(endpoints.impressions, body, "text/plain").catch(() => {});
    },
    post,
  };
}
