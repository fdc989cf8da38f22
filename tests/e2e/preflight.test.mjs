// CORS preflights per sign-in: a page on http://localhost:P calling the sandbox as
// http://127.0.0.1:P (cross-origin, as a dapp calling Ratio) runs three link-path sign-ins.
// The sandbox allows preflights to be cached for 600 s, so only the page's first flow may
// preflight (once per distinct URL); later flows make exactly their 8 calls. Counted through a
// CDP session's Network domain: Playwright's page.on("request") does not report preflights.
// (With `cache: "no-store"` Chromium bypasses its preflight cache: 16 requests per flow.)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT, SITE, launchBrowser, sandboxJson, startSandbox } from "./harness.mjs";

const PREFLIGHT_SITE = path.join(ROOT, "target/preflight-site");
const LINK_CALLS = [
  "/v1/auth/cryptoWallet:start",
  "/v1/auth/cryptoWallet:authenticate",
  "/v1/auth/otp/sms:send",
  "/v1/auth/otp/sms:send",
  "/v1/auth/otp/sms:authenticate",
  "/v1/auth/otp/email:send",
  "/v1/auth/otp/email:authenticate",
  "/v1/auth/cryptoWallet:addToUser",
];

const PAGE = `
import { RatioAuth } from "/pkg/index.js";
import { createSandboxWallet, randomAddress, randomUsPhone } from "/sandbox-wallet.js";
const api = new URLSearchParams(location.search).get("api");
const auth = new RatioAuth({ baseUrl: api, clientId: "sandbox", clientSecret: "sandbox-secret" });
window.setupLink = async () => {
  const wallet = createSandboxWallet();
  const phone = randomUsPhone();
  const email = "preflight-" + crypto.randomUUID() + "@example.com";
  const response = await fetch("/sandbox/users", { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ phoneNumber: phone, emailAddress: email, walletAddress: randomAddress() }) });
  if (!response.ok) throw new Error("POST /sandbox/users: " + response.status);
  const { id } = await response.json();
  window.__next = { wallet, phone, email, id };
  return id;
};
window.linkFlow = async () => {
  const { wallet, phone, email } = window.__next;
  const result = await auth.signIn({ provider: wallet.provider, prompts: {
    phoneNumber: async () => phone, email: async () => email, otp: async () => "000000", confirmLink: async () => true } });
  return { path: result.path, wallet: result.walletAddress };
};
window.__ready = true;
`;

let sandbox;
let browser;

before(async () => {
  rmSync(PREFLIGHT_SITE, { recursive: true, force: true });
  mkdirSync(PREFLIGHT_SITE, { recursive: true });
  for (const part of ["pkg", "vendor", "sandbox-wallet.js"]) cpSync(path.join(SITE, part), path.join(PREFLIGHT_SITE, part), { recursive: true });
  writeFileSync(
    path.join(PREFLIGHT_SITE, "index.html"),
    `<!doctype html><html><head><meta charset="utf-8"><title>preflight</title>
<script type="importmap">{"imports":{"@noble/curves/":"/vendor/noble-curves/","@noble/hashes/":"/vendor/noble-hashes/"}}</script>
<script type="module">${PAGE}</script></head><body>preflight</body></html>`,
  );
  // --conflict-cooldown-ms 0: no 429 after the 409, so a flow makes exactly the link path's calls.
  sandbox = await startSandbox({ staticDir: PREFLIGHT_SITE, extraArgs: ["--fixed-otp", "000000", "--conflict-cooldown-ms", "0"] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await sandbox?.stop();
});

test("link-path sign-ins cross-origin: preflights only in the page's first flow, then 8 requests per flow, none answered from the HTTP cache", async () => {
  const api = sandbox.url;
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const problems = [];
    page.on("pageerror", (e) => problems.push(e.message));
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    const sent = [];
    const cached = [];
    cdp.on("Network.requestWillBeSent", (e) => {
      if (e.request.url.startsWith(api)) sent.push({ method: e.request.method, path: e.request.url.slice(api.length) });
    });
    cdp.on("Network.responseReceived", (e) => {
      if (e.response.url.startsWith(api) && (e.response.fromDiskCache || e.response.fromPrefetchCache)) cached.push(e.response.url);
    });
    await page.goto(`${api.replace("127.0.0.1", "localhost")}/?api=${encodeURIComponent(api)}`);
    await page.waitForFunction(() => window.__ready, null, { timeout: 30_000 });

    const perFlow = [];
    for (let flow = 0; flow < 3; flow += 1) {
      const userId = await page.evaluate(() => window.setupLink());
      // Let CDP's events of the setup arrive before the flow's count starts.
      await new Promise((r) => setTimeout(r, 100));
      sent.splice(0);
      const result = await page.evaluate(() => window.linkFlow());
      await new Promise((r) => setTimeout(r, 100));
      perFlow.push(sent.splice(0));
      assert.equal(result.path, "linked");
      const { body: user } = await sandboxJson(api, "GET", `/sandbox/users/${encodeURIComponent(userId)}`);
      assert.ok(user.wallets.some((w) => w.address.toLowerCase() === result.wallet.toLowerCase()), "the new wallet is on the existing user");
    }

    for (const [i, requests] of perFlow.entries()) {
      const calls = requests.filter((r) => r.method !== "OPTIONS").map((r) => r.path);
      assert.deepEqual(calls, LINK_CALLS, `flow ${i + 1}'s calls`);
    }
    const preflights = perFlow.map((requests) => requests.filter((r) => r.method === "OPTIONS").map((r) => r.path));
    // First flow: one preflight per distinct URL (the two sms:send share one), none twice.
    assert.deepEqual([...preflights[0]].sort(), [...new Set(LINK_CALLS)].sort(), "the first flow preflights each URL once");
    assert.deepEqual(preflights.slice(1), [[], []], "later flows reuse the cached preflights");
    assert.deepEqual(perFlow.map((r) => r.length), [15, 8, 8]);
    assert.deepEqual(cached, [], "no answer came from the HTTP cache");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
