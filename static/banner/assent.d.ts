// Types for the Assent banner's page API, `window.assent` (docs/banner.md). Copy this file into a
// TypeScript project, or reference it: /// <reference path="assent.d.ts" />

/**
 * Purpose slug → granted. A purpose with per-vendor choices adds its vendors as `purpose:vendor` keys
 * once the visitor decided them (read back from the cookie after a reload, as 1 or 0); a script gated
 * with `data-assent="purpose:vendor"` runs when the purpose is granted and the vendor is not refused.
 */
export type AssentState = Record<string, boolean>;

/** A vendor's decision key, e.g. `analytics:ga`: accepted by set() and by data-assent. */
export type AssentVendorKey = `${string}:${string}`;

export type AssentMethod = "accept_all" | "reject_all" | "custom" | "withdraw_all" | "default" | "gpc" | "identify";

export interface AssentChange {
  /** Every purpose now in force. */
  state: AssentState;
  /** Purposes whose value this choice changed. */
  changed: string[];
  method: AssentMethod;
  source: "banner" | "gpc" | "preference_centre" | "account_settings";
  /** Cookies deleted because their purpose was turned off. */
  deletedCookies: string[];
  /** Denied purposes whose scripts had already run: only a reload stops them. */
  reloadSuggested: string[];
}

export interface AssentIdentity {
  state: AssentState;
  decided: boolean;
  banner_version: string;
}

export interface Assent {
  /** The content hash of the banner version in force. */
  readonly version: string;
  get(): AssentState;
  /** Whether the visitor has made a choice under this version's revision and regulation. */
  decided(): boolean;
  on(event: "change", listener: (detail: AssentChange) => void): void;
  acceptAll(): void;
  rejectAll(): void;
  set(choices: AssentState): void;
  show(): Promise<unknown>;
  showPreferences(): Promise<unknown>;
  setLocale(tag: string): void;
  /** Link this browser to a signed-in user; the token comes from the site's backend. */
  identify(userId: string, token: string): Promise<AssentIdentity | null>;
  /** Render the preference centre into element (its own shadow root). */
  mountPreferences(element: Element): Promise<ShadowRoot>;
}

declare global {
  interface Window {
    assent?: Assent;
  }
  interface DocumentEventMap {
    "assent:change": CustomEvent<AssentChange>;
  }
}
