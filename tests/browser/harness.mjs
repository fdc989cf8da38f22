// Shared by the browser suites (tests/browser/*.test.mjs): the package as built (pkg/, through
// target/demo-site/) served by a fresh sandbox on an ephemeral port, with this folder's kit.js as
// /kit.js, and Chromium through playwright-core. Each suite calls `suite()` once; every test
// opens its own tab and runs its steps in the page with `page.evaluate`.
import { before, after } from "node:test";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { ROOT, SITE, launchBrowser, startSandbox } from "../e2e/harness.mjs";

const INDEX = `<!doctype html><html><head><meta charset="utf-8"><title>browser tests</title>
<script type="importmap">{"imports":{"@noble/curves/":"/vendor/noble-curves/","@noble/hashes/":"/vendor/noble-hashes/"}}</script>
</head><body>ratio-auth browser tests</body></html>`;

/**
 * Registers before/after hooks that build target/browser-site-<name>/ and start a sandbox
 * (`sandboxArgs` adds its flags) and Chromium. Returns { url(), open() }: `open()` gives a new
 * page on the site (its `problems` collect uncaught page errors) and closes it with the suite.
 */
export function suite(name, { sandboxArgs = [] } = {}) {
  const site = path.join(ROOT, "target", `browser-site-${name}`);
  let sandbox;
  let browser;
  before(async () => {
    rmSync(site, { recursive: true, force: true });
    mkdirSync(site, { recursive: true });
    for (const part of ["pkg", "vendor", "sandbox-wallet.js"]) cpSync(path.join(SITE, part), path.join(site, part), { recursive: true });
    cpSync(path.join(ROOT, "tests/browser/kit.js"), path.join(site, "kit.js"));
    const { writeFileSync } = await import("node:fs");
    writeFileSync(path.join(site, "index.html"), INDEX);
    sandbox = await startSandbox({ staticDir: site, extraArgs: sandboxArgs });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await sandbox?.stop();
  });
  return {
    url: () => sandbox.url,
    sandbox: () => sandbox,
    /** A fresh context and tab on the test page, with /kit.js and /pkg/index.js loaded as `window.kit` and `window.ra`. */
    async open() {
      const context = await browser.newContext();
      const page = await context.newPage();
      const problems = [];
      page.on("pageerror", (error) => problems.push(error.message));
      await page.goto(sandbox.url + "/");
      await page.evaluate(async () => {
        window.kit = await import("/kit.js");
        window.ra = await import("/pkg/index.js");
      });
      page.problems = problems;
      page.closeAll = () => context.close();
      return page;
    },
  };
}
