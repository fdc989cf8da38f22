// A minimal dapp built by Vite 7 from the installed tarball: no vite-plugin-wasm, no alias, no
// optimizeDeps or target settings. Vite's own handling of `new URL(..., import.meta.url)` emits
// the .wasm as an asset, and the package's dynamic import of its glue becomes a lazy chunk.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  logLevel: "warn",
});
