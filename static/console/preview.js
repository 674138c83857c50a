// Open the layer this preview frame shows: the first layer opens by itself (nothing was chosen),
// the preferences through the banner's own public API.
const layer = document.currentScript ? document.currentScript.dataset.layer : "banner";

function open() {
  if (layer === "preferences" && window.assent) window.assent.showPreferences();
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", open);
} else {
  open();
}
