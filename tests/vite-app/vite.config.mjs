// A minimal dapp built by Vite 7 that consumes the npm package as a bundler sees it:
// `import { RatioAuth } from "ratio-auth"` resolved to pkg-bundler/ (wasm-pack --target bundler),
// whose `import * as wasm from "./ratio_auth_bg.wasm"` is handled by vite-plugin-wasm.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import wasm from "vite-plugin-wasm";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");

export default defineConfig({
  root: here,
  logLevel: "warn",
  plugins: [wasm()],
  resolve: {
    alias: { "ratio-auth": path.join(root, "pkg-bundler") },
  },
  build: {
    // The bundler glue instantiates the module with a top-level await: native in esnext.
    target: "esnext",
    outDir: path.join(root, "target/vite-app-dist"),
    emptyOutDir: true,
  },
});
