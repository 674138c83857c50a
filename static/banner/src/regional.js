// The regional bundle: what only visitors under an opt-out or notice regulation need — the notice
// layer and, where the regulation names sections, IAB GPP. The server sends it before the banner,
// which calls it here; opt-in pages never load it.
import { gppCreate } from "./gpp.js";
import { noticeLayer } from "./notice.js";

/** Return the banner's regional hooks: its first layer, and what to tell GPP after each change. */
window.__assentRegional = (reg, saleShare, gpc) => {
  const gpp = reg.gpp_sections && reg.gpp_sections.length ? gppCreate(reg.gpp_sections) : null;
  return {
    layer: noticeLayer,
    update(granted) {
      const out = [...saleShare].every((slug) => !granted[slug]);
      if (gpp) gpp.update({ saleOptOut: out, sharingOptOut: out, targetedAdvertisingOptOut: out, gpc });
    },
  };
};
