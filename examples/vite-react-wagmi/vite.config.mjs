// Vite 7, no plugins: esbuild compiles the JSX (the automatic runtime), and ratio-auth's
// WebAssembly is found by its glue with `new URL("ratio_auth_bg.wasm", import.meta.url)`, which
// Vite emits as an asset by itself (no vite-plugin-wasm).
import { defineConfig } from "vite";

const proxyTarget = process.env.BACKEND_URL ?? "http://127.0.0.1:8787";

export default defineConfig({
  esbuild: { jsx: "automatic" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // ratio-auth's WebAssembly is fetched separately and its glue is lazily imported: the page's
    // own chunk stays small.
    target: "es2022",
    rollupOptions: {
      // wagmi and react-query mark their modules "use client" (for React Server Components);
      // a client-only bundle has nothing to do with it.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
  // `vite dev` pre-bundles dependencies into .vite/deps, where the glue's
  // `new URL("ratio_auth_bg.wasm", import.meta.url)` would no longer find the .wasm: keep
  // ratio-auth as it is installed.
  optimizeDeps: { exclude: ["ratio-auth"] },
  // `vite dev`: the page and the backend share one origin, as in production. The page's Host is
  // kept (changeOrigin: false): the backend refuses an Origin that is not its Host.
  server: {
    proxy: {
      "/api": { target: proxyTarget, changeOrigin: false },
      "/ratio": { target: proxyTarget, changeOrigin: false },
    },
  },
});
