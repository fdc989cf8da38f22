// The examples as an integrator runs them: ratio-auth installed from the packed tarball into
// examples/vite-react-wagmi, built by Vite 7, served by examples/backend-proxy (which mints the
// client session and forwards /ratio/* to the sandbox), and signed in through the React UI
// (useRatioSignIn) with a burner wallet injected as window.ethereum and picked by wagmi's
// injected connector. Needs target/ratio-auth-<version>.tgz (./scripts/build-pkg).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { build as esbuild } from "esbuild";
import { ROOT, launchBrowser, sandboxJson, screenshot, startSandbox } from "./harness.mjs";

const run = promisify(execFile);
const APP = path.join(ROOT, "examples/vite-react-wagmi");
const DIST = path.join(APP, "dist");
const PROXY = path.join(ROOT, "examples/backend-proxy/server.mjs");
const VERSION = JSON.parse(readFileSync(path.join(ROOT, "npm/package.json"), "utf8")).version;
const TARBALL = path.join(ROOT, `target/ratio-auth-${VERSION}.tgz`);

let sandbox;
let proxy;
let browser;
let walletScript;

/** Starts the backend proxy on a free port; resolves once it prints its URL. */
function startProxy(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PROXY], { env: { ...process.env, PORT: "0", HOST: "127.0.0.1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (c) => { err += c; });
    child.stdout.on("data", (c) => {
      out += c;
      const match = out.match(/listening on (http:\/\/\S+)/);
      if (match) {
        resolve({
          url: match[1],
          async stop() {
            if (child.exitCode !== null) return;
            const exited = new Promise((r) => child.once("exit", r));
            child.kill("SIGTERM");
            await exited;
          },
          stderr: () => err,
        });
      }
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the proxy exited (${code}) before listening\n${out}\n${err}`)));
  });
}

before(async () => {
  assert.ok(existsSync(TARBALL), `${TARBALL} exists (./scripts/build-pkg)`);
  // The app consumes the package as an integrator does: from the tarball, not pkg/ or an alias.
  rmSync(path.join(APP, "node_modules"), { recursive: true, force: true });
  await run("npm", ["install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund", TARBALL], { cwd: APP });
  const installed = JSON.parse(readFileSync(path.join(APP, "node_modules/ratio-auth/package.json"), "utf8"));
  assert.equal(installed.version, VERSION);
  assert.ok(!statSync(path.join(APP, "node_modules/ratio-auth")).isSymbolicLink(), "ratio-auth is unpacked, not linked");
  const { stdout: version } = await run(path.join(ROOT, "node_modules/.bin/vite"), ["--version"], { cwd: APP });
  assert.match(version, /^vite\/7\./);
  const { stdout } = await run(path.join(ROOT, "node_modules/.bin/vite"), ["build"], { cwd: APP });
  console.log(stdout.split("\n").filter((l) => l.startsWith("dist/")).join("\n"));
  const assets = readdirSync(path.join(DIST, "assets"));
  assert.ok(assets.some((f) => f.endsWith(".wasm")), `the wasm is emitted as an asset: ${assets}`);

  // The burner wallet as an init script: www/sandbox-wallet.js bundled with its @noble imports.
  const bundled = await esbuild({
    stdin: {
      contents: `import { createSandboxWallet } from "./www/sandbox-wallet.js";
        const wallet = createSandboxWallet();
        window.ethereum = wallet.provider;
        window.__burner = { get address() { return wallet.address; } };`,
      resolveDir: ROOT,
    },
    bundle: true,
    format: "iife",
    write: false,
    logLevel: "silent",
  });
  walletScript = bundled.outputFiles[0].text;

  sandbox = await startSandbox({ staticDir: DIST });
  proxy = await startProxy({ RATIO_BASE_URL: sandbox.url, RATIO_CLIENT_ID: "sandbox", RATIO_CLIENT_SECRET: "sandbox-secret", STATIC_DIR: DIST });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await proxy?.stop();
  await sandbox?.stop();
});

const d = () => Math.floor(Math.random() * 10);
const d29 = () => 2 + Math.floor(Math.random() * 8);
const randomPhone = () => `+1${d29()}${d()}${d()}${d29()}${d()}${d()}${d()}${d()}${d()}${d()}`;
const randomEmail = () => `ratio-${Math.random().toString(36).slice(2, 10)}@example.com`;
const randomAddress = () => "0x" + Array.from({ length: 40 }, () => "0123456789abcdef"[Math.floor(Math.random() * 16)]).join("");

/** The app in a fresh context, with the wallet injected and every request and console error recorded. */
async function openApp() {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1 });
  await context.addInitScript(walletScript);
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/^Failed to load resource: the server responded with a status of \d{3}/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on("request", (r) => requests.push({ url: r.url(), headers: r.headers() }));
  await page.goto(proxy.url + "/");
  await page.locator('button[data-connector="injected"]').click();
  const address = await page.getByTestId("address").textContent();
  assert.equal(address, await page.evaluate(() => window.__burner.address), "wagmi connected the injected burner wallet");
  await page.waitForSelector('[data-testid="start"]:not([disabled])', { timeout: 20_000 });
  return { context, page, address, problems, requests };
}

/** The newest code the sandbox sent to `to` that is not one of `used`. */
async function codeFor(to, used) {
  for (let i = 0; i < 200; i += 1) {
    const { body } = await sandboxJson(sandbox.url, "GET", `/sandbox/outbox?to=${encodeURIComponent(to)}`);
    const fresh = body.find((m) => !used.has(`${m.otp}@${m.sentAt}`));
    if (fresh) {
      used.add(`${fresh.otp}@${fresh.sentAt}`);
      return fresh.otp;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no new code for ${to}`);
}

/** Clicks "Sign in" and answers each form as the user would, until the result (or an error). */
async function signInThroughUi(page, { phone, email }, shots) {
  await page.getByTestId("start").click();
  const seen = [];
  const used = new Set();
  let seq = 0;
  for (let guard = 0; guard < 12; guard += 1) {
    const handle = await page.waitForFunction((after) => {
      const error = document.querySelector('[data-testid="error"]');
      if (error) return { kind: "error", text: error.textContent };
      if (document.querySelector('[data-testid="result"]')) return { kind: "result" };
      const prompt = document.querySelector('[data-testid="prompt"]');
      // A new form, once it has taken the focus (its effect runs just after it renders).
      if (prompt && Number(prompt.dataset.seq) > after && prompt.contains(document.activeElement)) {
        return { kind: prompt.dataset.kind, seq: Number(prompt.dataset.seq), channel: prompt.dataset.channel ?? null, focused: document.activeElement?.name || document.activeElement?.dataset.testid || null };
      }
      return null;
    }, seq, { timeout: 45_000, polling: 50 });
    const step = await handle.jsonValue();
    seen.push(step.kind === "otp" ? `otp:${step.channel}` : step.kind);
    if (step.kind === "error") throw new Error(`the app shows an error: ${step.text} (after ${seen.join(", ")})`);
    if (step.kind === "result") break;
    seq = step.seq;
    assert.equal(await page.getByTestId("status").textContent(), "prompt");
    if (shots?.[step.kind]) await screenshot(page, shots[step.kind]);
    if (step.kind === "confirmLink") {
      assert.equal(step.focused, "confirm-yes");
      await page.keyboard.press("Enter");
      continue;
    }
    assert.equal(step.focused, "answer", `the ${step.kind} form's field has the focus`);
    const text = step.kind === "phoneNumber" ? phone : step.kind === "email" ? email : await codeFor(step.channel === "sms" ? phone : email, used);
    await page.keyboard.type(text, { delay: 10 });
    await page.keyboard.press("Enter");
  }
  const result = await page.getByTestId("result").evaluate((el) => ({
    path: el.dataset.path,
    verified: el.dataset.verified === "true",
    wallet: document.querySelector('[data-testid="result-wallet"]').textContent,
    factors: document.querySelector('[data-testid="result-factors"]').textContent.split(" + "),
    user: document.querySelector('[data-testid="result-user"]')?.textContent ?? null,
  }));
  assert.equal(await page.getByTestId("status").textContent(), "done");
  await page.waitForSelector('[data-testid="session"][data-signed-in="true"]');
  const sessionFactors = (await page.getByTestId("session-factors").textContent()).split(" + ");
  return { seen, result, sessionFactors };
}

/** What the page sent: only to its own origin, never a client id or secret. */
function assertSameOriginAndNoSecret(requests) {
  const origin = new URL(proxy.url).origin;
  const foreign = requests.filter((r) => new URL(r.url).origin !== origin);
  assert.deepEqual(foreign.map((r) => r.url), [], "the page talks to its own origin only");
  const ratioCalls = requests.filter((r) => new URL(r.url).pathname.startsWith("/ratio/v1/"));
  assert.ok(ratioCalls.length >= 4, `the SDK's calls went through the proxy (${ratioCalls.length})`);
  for (const r of requests) {
    assert.equal(r.headers["ratio-client-secret"], undefined, `no secret in ${r.url}`);
    assert.equal(r.headers["ratio-client-id"], undefined, `no client id in ${r.url}`);
  }
  for (const r of ratioCalls) assert.match(r.headers["ratio-client-session-id"] ?? "", /\S/, `${r.url} carries the client session`);
}

test("returning user: wagmi's injected wallet signs in through useRatioSignIn (wallet + SMS code)", async () => {
  const { context, page, address, problems, requests } = await openApp();
  try {
    const phone = randomPhone();
    const email = randomEmail();
    const created = await sandboxJson(sandbox.url, "POST", "/sandbox/users", { phoneNumber: phone, emailAddress: email, walletAddress: address });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { seen, result, sessionFactors } = await signInThroughUi(page, { phone, email }, { otp: "example-returning-otp" });
    // Asked for the phone (with the known number's last digits as a hint), then its code.
    assert.deepEqual(seen, ["phoneNumber", "otp:sms", "result"]);
    assert.equal(result.path, "returning");
    assert.equal(result.verified, true);
    assert.match(result.wallet, new RegExp(`^${address} \\(verified\\)`));
    assert.deepEqual(result.factors, ["wallet", "sms"]);
    assert.equal(result.user, created.body.id);
    assert.deepEqual(sessionFactors, ["wallet", "sms"]);
    const user = await sandboxJson(sandbox.url, "GET", `/sandbox/users/${created.body.id}`);
    assert.deepEqual(user.body.wallets, [{ address, verified: true }]);
    assertSameOriginAndNoSecret(requests);
    await screenshot(page, "example-returning-done");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("link path: a new wallet for an existing user (phone 409, confirm, SMS + email codes) through the React UI", async () => {
  const { context, page, address, problems, requests } = await openApp();
  try {
    const phone = randomPhone();
    const email = randomEmail();
    const other = randomAddress();
    const created = await sandboxJson(sandbox.url, "POST", "/sandbox/users", { phoneNumber: phone, emailAddress: email, walletAddress: other });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { seen, result, sessionFactors } = await signInThroughUi(page, { phone, email }, { phoneNumber: "example-link-phone", confirmLink: "example-link-confirm", email: "example-link-email" });
    assert.deepEqual(seen, ["phoneNumber", "confirmLink", "otp:sms", "email", "otp:email", "result"]);
    assert.equal(result.path, "linked");
    assert.ok(result.wallet.startsWith(address));
    assert.deepEqual(result.factors, ["sms", "email"]);
    assert.deepEqual(sessionFactors, result.factors);
    const user = await sandboxJson(sandbox.url, "GET", `/sandbox/users/${created.body.id}`);
    const wallets = Object.fromEntries(user.body.wallets.map((w) => [w.address.toLowerCase(), w.verified]));
    assert.equal(wallets[other.toLowerCase()], true, "the user's first wallet is kept");
    assert.equal(wallets[address.toLowerCase()], result.verified, "the new wallet is attached, verified as the result says");
    assert.equal(user.body.wallets.length, 2);
    assertSameOriginAndNoSecret(requests);
    await screenshot(page, "example-link-done");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("backend proxy: forwards Retry-After, drops a secret the page sends, refuses minting through /ratio and other origins", async () => {
  const address = randomAddress();
  const post = (urlPath, body, headers = {}) =>
    fetch(proxy.url + urlPath, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  // A credential the page made up is not forwarded: Ratio sees no credential at all.
  const start = await post("/ratio/v1/auth/cryptoWallet:start", { walletAddress: address, walletType: "EVM" }, { "ratio-client-id": "sandbox", "ratio-client-secret": "sandbox-secret" });
  assert.equal(start.status, 401);
  assert.equal((await start.json()).code, "INVALID_CLIENT_SECRET");
  // With the minted client session it works.
  const minted = await post("/api/ratio/client-session", { walletAddress: address });
  assert.equal(minted.status, 200);
  const { clientSessionId } = await minted.json();
  assert.match(clientSessionId, /\S/);
  const ok = await post("/ratio/v1/auth/cryptoWallet:start", { walletAddress: address, walletType: "EVM" }, { "ratio-client-session-id": clientSessionId });
  assert.equal(ok.status, 200);
  assert.match((await ok.json()).challenge, /^Signing in with Ratio: /);
  // A 429's Retry-After reaches the page.
  const fault = await sandboxJson(sandbox.url, "POST", "/sandbox/faults", { path: "/v1/auth/otp/sms:send", status: 429, retryAfterSeconds: 7 });
  assert.equal(fault.status, 201);
  const limited = await post("/ratio/v1/auth/otp/sms:send", { phoneNumber: randomPhone() }, { "ratio-client-session-id": clientSessionId });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), "7");
  assert.equal((await limited.json()).code, "TOO_MANY_REQUESTS");
  // Not reachable through /ratio: minting client sessions (the secret would not be added anyway).
  assert.equal((await post("/ratio/v1/client/sessions", { signingAddress: address, signingType: "EVM" })).status, 404);
  // Another site's page may not mint a session nor call Ratio through this origin.
  assert.equal((await post("/api/ratio/client-session", { walletAddress: address }, { origin: "https://evil.example" })).status, 403);
  assert.equal((await post("/ratio/v1/auth/cryptoWallet:start", { walletAddress: address, walletType: "EVM" }, { origin: "https://evil.example" })).status, 403);
  // A form post (no JSON content type) is refused; so is a malformed address.
  const form = await fetch(proxy.url + "/api/ratio/client-session", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "walletAddress=" + address });
  assert.equal(form.status, 415);
  assert.equal((await post("/api/ratio/client-session", { walletAddress: "0x12" })).status, 400);
  // The app's files: the wasm with its MIME type (instantiateStreaming needs it), the page with a CSP.
  const wasm = readdirSync(path.join(DIST, "assets")).find((f) => f.endsWith(".wasm"));
  const wasmResponse = await fetch(`${proxy.url}/assets/${wasm}`);
  assert.equal(wasmResponse.headers.get("content-type"), "application/wasm");
  const page = await fetch(proxy.url + "/");
  assert.match(page.headers.get("content-security-policy"), /script-src 'self' 'wasm-unsafe-eval'/);
  assert.equal((await fetch(proxy.url + "/%2e%2e/package.json")).status, 404);
});
