// Builds the webpack 5 app into OUT_DIR (argument) through webpack's Node API (no webpack-cli),
// with webpack's defaults for everything that touches the package: no `experiments`, no loader,
// no asset rule. The page (index.html) is copied beside the bundle. Fails on any webpack error;
// prints its warnings (the test reads them).
import { copyFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import webpack from "webpack";

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(process.argv[2] ?? path.join(here, "dist"));

const config = {
  mode: "production",
  context: here,
  entry: "./main.js",
  output: { path: outDir, filename: "main.js", clean: true },
  devtool: false,
};

const stats = await new Promise((resolve, reject) => {
  webpack(config, (error, result) => (error ? reject(error) : resolve(result)));
});
const info = stats.toJson({ all: false, errors: true, warnings: true });
if (stats.hasErrors()) {
  console.error(info.errors.map((e) => e.message).join("\n\n"));
  process.exit(1);
}
copyFileSync(path.join(here, "index.html"), path.join(outDir, "index.html"));
console.log(JSON.stringify({ assets: stats.compilation.getAssets().map((a) => ({ name: a.name, size: a.source.size() })), warnings: info.warnings.map((w) => w.message) }));
