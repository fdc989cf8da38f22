// Assembles the plain page's static site into OUT_DIR (argument), no bundler: this folder's
// index.html and main.js, its node_modules/ratio-auth exactly as npm installed it from the
// tarball, and beside them the shared app, the burner wallet (www/sandbox-wallet.js) and the
// @noble ESM files that wallet imports (mapped by the page's import map).
import { cpSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");
const outDir = path.resolve(process.argv[2] ?? path.join(here, "dist"));

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
cpSync(path.join(here, "index.html"), path.join(outDir, "index.html"));
cpSync(path.join(here, "main.js"), path.join(outDir, "main.js"));
cpSync(path.join(here, "node_modules/ratio-auth"), path.join(outDir, "node_modules/ratio-auth"), { recursive: true, dereference: false });
cpSync(path.join(here, "../shared/app.js"), path.join(outDir, "app.js"));
cpSync(path.join(root, "www/sandbox-wallet.js"), path.join(outDir, "sandbox-wallet.js"));
for (const name of ["curves", "hashes"]) {
  cpSync(path.join(root, "node_modules/@noble", name), path.join(outDir, "vendor", `noble-${name}`), {
    recursive: true,
    dereference: true,
    filter: (source) => !source.includes(`${path.sep}src`) && (!path.extname(source) || source.endsWith(".js")),
  });
}
