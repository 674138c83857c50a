// Encode the banner's GPP strings for a set of choices, and decode each with the IAB's own decoder.
// Prints one JSON line per case: what the banner's __gpp API answers and what @iabgpp/cmpapi decodes.
globalThis.window = { addEventListener() {}, frames: {} };
globalThis.document = { body: null };
const [gppPath, casesJson] = process.argv.slice(2);
const { gppCreate } = await import(gppPath);
const { GppModel } = await import("@iabgpp/cmpapi");
const call = (command, parameter) => {
  let out;
  window.__gpp(command, (value) => (out = value), parameter);
  return out;
};
for (const { sections, choice } of JSON.parse(casesJson)) {
  const gpp = gppCreate(sections);
  gpp.update(choice);
  const model = new GppModel(gpp.string());
  const decoded = Object.fromEntries(sections.map((name) => [name, model.getSection(name)]));
  const answered = Object.fromEntries(
    sections.map((name) => [name, Object.fromEntries(Object.keys(decoded[name]).map((f) => [f, call("getField", `${name}.${f}`)]))]),
  );
  const ping = call("ping");
  console.log(JSON.stringify({ sections, choice, string: gpp.string(), ids: model.getSectionIds(), decoded, answered, ping }));
}
