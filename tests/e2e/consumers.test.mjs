// The npm package as apps consume it: the tarball (target/ratio-auth-*.tgz) installed with npm
// into tests/consumers/{vite,webpack,plain}/, built by Vite 7 (no plugin), by webpack 5 (its
// defaults, no wasm experiment) or not at all (a plain <script type="module"> page importing the
// installed package by path), then a returning user signs in once from each in Chromium.
//
// Each app imports RatioAuth and calls signIn directly (no `await init()`); before the click it
// runs discoverWallets (which finds the page's EIP-6963 burner wallet) and isRatioAuthError (on a
// constructor's config error). The network log shows that none of this fetched the .wasm: it is
// fetched once, after the click, with the application/wasm type (streaming compilation).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { CONSUMERS, ROOT, installTarball, launchBrowser, run, sandboxJson, screenshot, startSandbox } from "./harness.mjs";

const WALLET_UUID = "5c7e0d1e-8f1b-4c55-9e0b-6d2f3a1b7c01";
const NAMED_IMPORTS = "{ RatioAuth, RatioAuthErrorKinds, discoverWallets, isRatioAuthError }";

const APPS = [
  {
    name: "vite",
    specifier: "ratio-auth",
    async checkBuild(dist) {
      const { stdout } = await run(path.join(ROOT, "node_modules/.bin/vite"), ["--version"], { cwd: ROOT });
      assert.match(stdout, /^vite\/7\./, `Vite 7 expected, got ${stdout}`);
      const config = code(path.join(CONSUMERS, "vite/vite.config.mjs"));
      assert.doesNotMatch(config, /vite-plugin-wasm|alias|pkg\//, "the Vite config has no wasm plugin and no alias");
      const assets = readdirSync(path.join(dist, "assets"));
      assert.equal(assets.filter((f) => f.endsWith(".wasm")).length, 1, `Vite emits the .wasm as one asset: ${assets}`);
      assert.ok(assets.filter((f) => f.endsWith(".js")).length >= 2, `the glue is a chunk of its own (loaded lazily): ${assets}`);
    },
  },
  {
    name: "webpack",
    specifier: "ratio-auth",
    async checkBuild(dist, buildOutput) {
      const { version } = JSON.parse(readFileSync(path.join(ROOT, "node_modules/webpack/package.json"), "utf8"));
      assert.match(version, /^5\./, `webpack 5 expected, got ${version}`);
      const config = code(path.join(CONSUMERS, "webpack/build.mjs"));
      assert.doesNotMatch(config, /experiments|asyncWebAssembly|module:\s*\{|rules/, "the webpack config leaves wasm and assets to webpack's defaults");
      const { assets, warnings } = JSON.parse(buildOutput.trim().split("\n").pop());
      assert.equal(assets.filter((a) => a.name.endsWith(".wasm")).length, 1, `webpack emits the .wasm as one asset: ${JSON.stringify(assets)}`);
      // webpack's only complaint may be its performance hint about the .wasm's size.
      for (const warning of warnings) assert.match(warning, /^asset size limit: .*\n[\s\S]*\.wasm \(\d+ KiB\)\s*$/, `unexpected webpack warning: ${warning}`);
    },
  },
  {
    name: "plain",
    specifier: "./node_modules/ratio-auth/index.js",
    async checkBuild(dist) {
      const page = readFileSync(path.join(dist, "index.html"), "utf8");
      assert.doesNotMatch(page, /"ratio-auth/, "the page's import map does not map ratio-auth: it is imported by path");
      const installed = readdirSync(path.join(dist, "node_modules/ratio-auth/wasm")).sort();
      assert.deepEqual(installed, ["ratio_auth.js", "ratio_auth_bg.wasm"]);
    },
  },
];

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** A source file without its `//` comments (which may name what the code must not do). */
const code = (file) => readFileSync(file, "utf8").replace(/^\s*\/\/.*$/gm, "");
const isWasm = (url) => new URL(url).pathname.endsWith(".wasm");
const isScript = (url) => new URL(url).pathname.endsWith(".js");

for (const app of APPS) {
  test(`${app.name}: the installed tarball builds, and a returning user signs in once (the .wasm fetched only then)`, async () => {
    const dir = path.join(CONSUMERS, app.name);
    await installTarball(dir);

    // The app as written: the package's exports handed to the shared app; no init anywhere.
    const entry = readFileSync(path.join(dir, "main.js"), "utf8");
    assert.ok(entry.includes(`import ${NAMED_IMPORTS} from "${app.specifier}";`), `main.js imports the package as ${app.specifier}`);
    const shared = code(path.join(CONSUMERS, "shared/app.js"));
    for (const source of [code(path.join(dir, "main.js")), shared]) assert.doesNotMatch(source, /\binit\b/, "the app never calls init()");
    assert.doesNotMatch(shared, /from "ratio-auth|node_modules\/ratio-auth/, "the shared app gets the package from the entry");

    const dist = path.join(ROOT, "target/consumers", app.name);
    let built;
    try {
      built = await run(process.execPath, ["build.mjs", dist], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      assert.fail(`${app.name} build failed:\n${error.stdout}${error.stderr}`);
    }
    assert.ok(existsSync(path.join(dist, "index.html")), "the build wrote index.html");
    await app.checkBuild(dist, built.stdout);

    const sandbox = await startSandbox({ staticDir: dist });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const problems = [];
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      page.on("console", (m) => {
        if ((m.type() === "error" || m.type() === "warning") && !/^Failed to load resource: the server responded with a status of \d{3}/.test(m.text())) {
          problems.push(`console.${m.type()}: ${m.text()}`);
        }
      });
      const requests = [];
      let phase = "load";
      page.on("request", (r) => requests.push({ url: r.url(), phase }));
      const wasmResponses = [];
      page.on("response", (r) => {
        if (isWasm(r.url())) wasmResponses.push({ status: r.status(), type: r.headers()["content-type"] });
      });

      await page.goto(sandbox.url + "/");
      await page.waitForFunction(() => document.body.dataset.ready === "true", null, { timeout: 30_000 });
      await page.waitForLoadState("networkidle");
      const boot = JSON.parse(await page.locator("#out").textContent());
      assert.equal(boot.ready, true, JSON.stringify(boot));
      assert.deepEqual(boot.before, {
        consumer: app.name,
        wallets: [{ uuid: WALLET_UUID, name: "Sandbox burner", sameProvider: true }],
        plainErrorIsOurs: false,
        constructorErrorIsOurs: true,
        constructorErrorKind: "config",
        constructorErrorName: "RatioAuthError",
        kinds: 15,
      });
      const loaded = requests.map((r) => r.url);
      assert.deepEqual(loaded.filter(isWasm), [], `no .wasm before the first signIn: ${loaded.join(", ")}`);
      if (app.name === "plain") {
        assert.ok(loaded.some((u) => u.endsWith("/node_modules/ratio-auth/index.js")), "the page loaded the installed package");
        assert.ok(!loaded.some((u) => u.endsWith("/node_modules/ratio-auth/wasm/ratio_auth.js")), "nor the wasm glue");
      }

      phase = "signIn";
      await page.getByRole("button", { name: /Sign in/ }).click();
      const handle = await page.waitForFunction(() => {
        const text = document.getElementById("out").textContent;
        return text.startsWith('{"ok"') ? text : null;
      }, null, { timeout: 45_000 });
      const out = JSON.parse(await handle.jsonValue());
      assert.equal(out.ok, true, JSON.stringify(out));
      assert.equal(out.path, "returning");
      assert.equal(out.walletAddress, out.expected);
      assert.equal(out.walletVerified, true);
      assert.equal(out.storedJwtIsResult, true, "session() holds the sign-in's JWT");
      assert.equal(out.factors[0], "wallet");
      assert.equal(out.factors.length, 2, `a two-factor session: ${out.factors}`);
      assert.equal(out.events.at(-1), "finished", `events: ${out.events}`);

      const afterClick = requests.filter((r) => r.phase === "signIn").map((r) => r.url);
      assert.equal(afterClick.filter(isWasm).length, 1, `the .wasm is fetched once, at the first signIn: ${afterClick.join(", ")}`);
      assert.ok(afterClick.some(isScript), `the wasm glue is a script loaded at the first signIn: ${afterClick.join(", ")}`);
      assert.deepEqual(wasmResponses, [{ status: 200, type: "application/wasm" }]);

      const user = await sandboxJson(sandbox.url, "GET", `/sandbox/users/${out.userId}`);
      assert.deepEqual(user.body.wallets.map((w) => [w.address, w.verified]), [[out.expected, true]]);
      await screenshot(page, `consumer-${app.name}-signed-in`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
      await sandbox.stop();
    }
  });
}
