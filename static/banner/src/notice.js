// The first layer under an opt-out or notice regulation: it informs without blocking the page. Under
// an opt-out law it carries the "Do Not Sell or Share" opt-out and the "Your Privacy Choices" link;
// purposes the regulation keeps opt-in (sensitive data, APPI's third-party provision) are asked for.

/** Build the notice dialog with the banner's own element builder `h`; operator text stays text. */
export function noticeLayer(h, model, t, parts) {
  const reg = model.config.regulation;
  const r = reg.texts[model.locale()] || reg.texts[model.config.default_locale] || {};
  const optOut = reg.model === "opt_out";
  const asks = (reg.opt_in_purposes || []).length > 0;
  const saleShare = model.config.purposes.filter((p) => p.sale_share && !p.required).map((p) => p.slug);
  const off = Object.fromEntries(saleShare.map((slug) => [slug, false]));
  const ask = (on) => Object.fromEntries(reg.opt_in_purposes.map((slug) => [slug, on]));
  // Accept and Reject alike, in the order the site's theme gives them.
  const choices = [
    h("button", { type: "button", onclick: () => model.decide(ask(true), "accept_all") }, t.accept_all),
    h("button", { type: "button", onclick: () => model.decide(ask(false), "reject_all") }, t.reject_all),
  ];
  if ((model.config.theme || {}).reject_first) choices.reverse();
  return h(
    "dialog",
    { class: "layer", "aria-labelledby": "assent-t", "aria-describedby": "assent-b", dir: t.direction || "ltr", lang: model.locale() },
    h(
      "div",
      { class: "in" },
      h("h2", { id: "assent-t" }, r.notice_title || t.title),
      h("p", { id: "assent-b" }, r.notice_body || t.body, " ", parts.link),
      parts.note,
      h(
        "div",
        { class: "row" },
        asks ? choices : null,
        optOut && saleShare.length
          ? h("button", { type: "button", onclick: () => model.decide(off, "custom") }, r.opt_out_label || t.reject_all)
          : null,
        asks ? null : h("button", { type: "button", onclick: () => model.acknowledge() }, t.close),
        h("button", { type: "button", class: "link", onclick: parts.prefs }, r.choices_link || t.customize),
      ),
    ),
  );
}
