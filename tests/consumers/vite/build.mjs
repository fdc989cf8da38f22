// Builds the Vite 7 app into OUT_DIR (argument): `vite build` with this folder's config, through
// Vite's JS API. Run by tests/e2e/consumers.test.mjs after it installs the tarball here.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(process.argv[2] ?? path.join(here, "dist"));

await build({ configFile: path.join(here, "vite.config.mjs"), build: { outDir, emptyOutDir: true } });
