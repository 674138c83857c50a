// The preference centre for account settings pages: per-purpose toggles with the date each choice
// was made (and per-vendor ones where the vendors bundle runs), and "withdraw all", inside the
// customer's element (its own shadow root), in the site's theme.
import { h } from "./dom.js";
import { styleAdopt, themeApply } from "./ui.js";

/** Render the preference centre into element; model is the banner's (config, texts, record). */
export async function preferencesMount(element, model) {
  const root = element.shadowRoot || element.attachShadow({ mode: "open" });
  if (!element.shadowRoot || !root.adoptedStyleSheets?.length) styleAdopt(root);
  themeApply(element, model.config);
  const response = await fetch(model.endpoints.preferences.replace("__subject__", encodeURIComponent(model.subject())), {
    credentials: "omit",
  });
  if (!response.ok) throw new Error(`assent: preferences ${response.status}`);
  const { purposes: stored } = await response.json();
  const t = model.texts();
  const locale = model.locale();

  const item = (p) => {
    const text = t.purposes[p.slug] || { name: p.slug, description: "" };
    const row = stored[p.slug] || { granted: Boolean(p.required) };
    const id = `assent-pc-${p.slug}`;
    const input = h("input", {
      type: "checkbox",
      role: "switch",
      id,
      name: p.slug,
      checked: p.required || row.granted,
      disabled: p.required,
      "aria-describedby": `${id}-d`,
    });
    const since = row.since ? new Date(row.since).toLocaleDateString(locale) : null;
    return h(
      "li",
      null,
      h("label", { class: "t", for: id }, input, text.name, p.required ? h("span", { class: "tag" }, `(${t.always_on})`) : null),
      h("p", { class: "d", id: `${id}-d` }, text.description, since ? h("br") : null, since ? h("time", { datetime: row.since, class: "m" }, since) : null),
      // The declaration's cookie table and the vendors' toggles, where those bundles run.
      window.__assentDeclare && window.__assentDeclare(p, stored),
    );
  };
  const list = h("ul", null, model.config.purposes.map(item));
  // The switches a visitor may change, with the vendors under them, as choices (all turned off to withdraw).
  const choices = (within, off) => {
    const out = {};
    for (const input of within.querySelectorAll("input:not([disabled])")) out[input.name] = off ? (input.checked = false) : input.checked;
    return out;
  };
  // A purpose's switch takes its vendors along (the vendors bundle's own listener ran first): one record.
  list.addEventListener("change", (event) => model.record(choices(event.target.closest("li")), "custom", "preference_centre"));

  const withdraw = () => {
    const refused = choices(list, true);
    if (Object.keys(refused).length) model.record(refused, "withdraw_all", "preference_centre");
  };

  root.replaceChildren(
    h(
      "section",
      { class: "pc", "aria-labelledby": "assent-pc-t", dir: t.direction || "ltr", lang: locale },
      h("h2", { id: "assent-pc-t" }, t.preferences_title),
      list,
      h("button", { type: "button", onclick: withdraw }, t.reject_all),
    ),
  );
  return root;
}
