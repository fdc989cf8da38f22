// The npm package as consumers see it: bundled by Vite 7 (pkg-bundler/, --target bundler) and
// signing in once in Chromium; and the .d.ts of pkg/ type-checking a file that uses the whole API.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { ROOT, launchBrowser, sandboxJson, screenshot, startSandbox } from "./harness.mjs";

const run = promisify(execFile);
const bin = (name) => path.join(ROOT, "node_modules/.bin", name);

test("Vite 7 builds a dapp importing the bundler package, and it signs in once in Chromium", async () => {
  const { stdout: version } = await run(bin("vite"), ["--version"], { cwd: ROOT });
  assert.match(version, /^vite\/7\./, `Vite 7 expected, got ${version}`);
  await run(bin("vite"), ["build", "--config", "tests/vite-app/vite.config.mjs"], { cwd: ROOT });
  const dist = path.join(ROOT, "target/vite-app-dist");
  const assets = readdirSync(path.join(dist, "assets"));
  assert.ok(assets.some((f) => f.endsWith(".wasm")), `the wasm is emitted as an asset: ${assets}`);

  const sandbox = await startSandbox({ staticDir: dist });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(sandbox.url + "/");
    await page.waitForFunction(() => document.body.dataset.ready === "true", null, { timeout: 30_000 });
    await page.getByRole("button", { name: /Sign in/ }).click();
    const handle = await page.waitForFunction(() => {
      const text = document.getElementById("out").textContent;
      return text.startsWith("{") ? text : null;
    }, null, { timeout: 45_000 });
    const out = JSON.parse(await handle.jsonValue());
    assert.equal(out.ok, true, JSON.stringify(out));
    assert.equal(out.path, "returning");
    assert.equal(out.walletAddress, out.expected);
    assert.equal(out.walletVerified, true);
    assert.ok(out.events > 5, "events were delivered");
    const user = await sandboxJson(sandbox.url, "GET", `/sandbox/users/${out.userId}`);
    assert.deepEqual(user.body.wallets.map((w) => [w.address, w.verified]), [[out.expected, true]]);
    await screenshot(page, "vite-app-signed-in");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await sandbox.stop();
  }
});

test("tsc --noEmit: tests/types/usage.ts (the whole public API) type-checks against pkg/ratio_auth.d.ts", async () => {
  assert.ok(existsSync(path.join(ROOT, "pkg/ratio_auth.d.ts")), "pkg/ratio_auth.d.ts exists");
  try {
    await run(bin("tsc"), ["--noEmit", "-p", "tests/types/tsconfig.json"], { cwd: ROOT });
  } catch (error) {
    assert.fail(`tsc failed:\n${error.stdout}${error.stderr}`);
  }
});
