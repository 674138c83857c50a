// Build the banner bundles: ES modules in src/ -> dist/assent.js (minified, CSS inlined as text) and dist/regional.js.
// Deterministic: CI rebuilds and fails when the committed bundle differs.
import * as esbuild from "esbuild";
import { readFile } from "node:fs/promises";

const minifiedCss = {
  name: "minified-css-text",
  setup(build) {
    build.onLoad({ filter: /\.css$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const { code } = await esbuild.transform(source, { loader: "css", minify: true, target: ["chrome100"] });
      return { contents: code.trim(), loader: "text" };
    });
  },
};

const common = {
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  charset: "utf8",
  legalComments: "none",
  plugins: [minifiedCss],
  logLevel: "warning",
};
await esbuild.build({ ...common, entryPoints: ["static/banner/src/index.js"], outfile: "static/banner/dist/assent.js" });
// Only for visitors under an opt-out or notice regulation: the server sends it before the banner.
await esbuild.build({ ...common, entryPoints: ["static/banner/src/regional.js"], outfile: "static/banner/dist/regional.js" });
// Only for sites that enable placeholders for gated embeds: the server sends it after the banner.
await esbuild.build({ ...common, entryPoints: ["static/banner/src/embeds.js"], outfile: "static/banner/dist/embeds.js" });
// Only for sites whose purposes declare their cookies: the server sends it after the banner.
await esbuild.build({ ...common, entryPoints: ["static/banner/src/declaration.js"], outfile: "static/banner/dist/declaration.js" });
// Only for sites with a per-vendor purpose: the server sends it after the banner (and the declaration).
await esbuild.build({ ...common, entryPoints: ["static/banner/src/vendors.js"], outfile: "static/banner/dist/vendors.js" });
