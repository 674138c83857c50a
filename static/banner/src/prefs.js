// The preference centre for account settings pages: per-purpose toggles with the date each choice
// was made, and "withdraw all", inside the customer's element (its own shadow root).
import { h } from "./dom.js";
import { styleAdopt } from "./ui.js";

/** Render the preference centre into element; model is the banner's (config, texts, record). */
export async function preferencesMount(element, model) {
  const root = element.shadowRoot || element.attachShadow({ mode: "open" });
  if (!element.shadowRoot || !root.adoptedStyleSheets?.length) styleAdopt(root);
  const response = await fetch(model.endpoints.preferences.replace("__subject__", encodeURIComponent(model.subject())), {
    credentials: "omit",
  });
  if (!response.ok) throw new Error(`assent: preferences ${response.status}`);
  const { purposes: stored } = await response.json();
  const t = model.texts();
  const locale = model.locale();
  const inputs = [];

  const item = (p) => {
    const text = t.purposes[p.slug] || { name: p.slug, description: "" };
    const row = stored[p.slug] || { granted: Boolean(p.required), since: null };
    const id = `assent-pc-${p.slug}`;
    const input = h("input", {
      type: "checkbox",
      role: "switch",
      id,
      name: p.slug,
      checked: p.required || row.granted,
      disabled: p.required,
      "aria-describedby": `${id}-d`,
      onchange: () => model.record({ [p.slug]: input.checked }, "custom", "preference_centre"),
    });
    if (!p.required) inputs.push(input);
    const since = row.since ? new Date(row.since).toLocaleDateString(locale) : null;
    return h(
      "li",
      null,
      h("label", { class: "t", for: id }, input, text.name, p.required ? h("span", { class: "tag" }, `(${t.always_on})`) : null),
      h("p", { class: "d", id: `${id}-d` }, text.description, since ? h("br") : null, since ? h("time", { datetime: row.since, class: "m" }, since) : null),
    );
  };

  const withdraw = () => {
    const choices = {};
    for (const input of inputs) {
      input.checked = false;
      choices[input.name] = false;
    }
    if (inputs.length) model.record(choices, "withdraw_all", "preference_centre");
  };

  root.replaceChildren(
    h(
      "section",
      { class: "settings-panel", "aria-labelledby": "assent-pc-t", dir: t.direction || "ltr", lang: locale },
      h("h2", { id: "assent-pc-t" }, t.preferences_title),
      h("ul", null, model.config.purposes.map(item)),
      h("button", { type: "button", onclick: withdraw }, t.reject_all),
    ),
  );
  return root;
}
