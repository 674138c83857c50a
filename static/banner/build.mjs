// Build the one banner bundle: ES modules in src/ -> dist/assent.js (minified, CSS inlined as text).
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

await esbuild.build({
  entryPoints: ["static/banner/src/index.js"],
  outfile: "static/banner/dist/assent.js",
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  charset: "utf8",
  legalComments: "none",
  plugins: [minifiedCss],
  logLevel: "warning",
});
