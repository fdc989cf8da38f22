// The package's JS shell (npm/index.js, session.js, wallets.js, errors.js) in Chromium, against
// the sandbox: the wasm loads on first use and only once, the session layer (storage adapters,
// onSessionChange, other tabs, api calls on the stored session, refresh and expiry), and the
// EIP-6963 discovery that works without the wasm.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT, SITE, launchBrowser, sandboxJson, startSandbox } from "./harness.mjs";

const SHELL_SITE = path.join(ROOT, "target/shell-site");

// In the page: a returning user (wallet + phone + email known to the sandbox) and the prompts
// that answer for them from the sandbox's outbox.
const PAGE_HELPERS = `
import { createSandboxWallet, randomUsPhone } from "/sandbox-wallet.js";

export async function sandbox(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(method + " " + path + ": " + response.status);
  return response.json();
}

async function newestCode(to) {
  for (;;) {
    const messages = await sandbox("GET", "/sandbox/outbox?to=" + encodeURIComponent(to));
    if (messages.length) return messages[0].otp;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A user the sandbox knows; \`signIn(auth)\` runs the returning-user flow for them. */
export async function returningUser() {
  const wallet = createSandboxWallet();
  const phone = randomUsPhone();
  const email = "shell-" + crypto.randomUUID() + "@example.com";
  const { id } = await sandbox("POST", "/sandbox/users", { phoneNumber: phone, emailAddress: email, walletAddress: wallet.address });
  const prompts = {
    phoneNumber: async () => phone,
    email: async () => email,
    otp: async (ctx) => newestCode(ctx.channel === "sms" ? phone : email),
  };
  return { id, wallet, phone, email, prompts, signIn: (auth) => auth.signIn({ provider: wallet.provider, prompts }) };
}

/** A wallet and contact nobody has: the new-user path. */
export function newUser() {
  const wallet = createSandboxWallet();
  const phone = randomUsPhone();
  const email = "shell-new-" + crypto.randomUUID() + "@example.com";
  const prompts = {
    phoneNumber: async () => phone,
    email: async () => email,
    otp: async (ctx) => newestCode(ctx.channel === "sms" ? phone : email),
  };
  return { wallet, phone, email, prompts, signIn: (auth) => auth.signIn({ provider: wallet.provider, prompts }) };
}

/** An unsigned JWT whose payload is \`claims\` (the SDK reads claims, it never verifies). */
export function fakeJwt(claims) {
  const b64 = (value) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\\+/g, "-").replace(/\\//g, "_");
  return b64({ alg: "none", typ: "JWT" }) + "." + b64(claims) + ".c2ln";
}
`;

let sandbox;
let browser;

before(async () => {
  rmSync(SHELL_SITE, { recursive: true, force: true });
  mkdirSync(SHELL_SITE, { recursive: true });
  for (const part of ["pkg", "vendor", "sandbox-wallet.js"]) cpSync(path.join(SITE, part), path.join(SHELL_SITE, part), { recursive: true });
  writeFileSync(
    path.join(SHELL_SITE, "index.html"),
    `<!doctype html><html><head><meta charset="utf-8"><title>shell</title>
<script type="importmap">{"imports":{"@noble/curves/":"/vendor/noble-curves/","@noble/hashes/":"/vendor/noble-hashes/"}}</script>
</head><body>shell tests</body></html>`,
  );
  writeFileSync(path.join(SHELL_SITE, "helpers.js"), PAGE_HELPERS);
  sandbox = await startSandbox({ staticDir: SHELL_SITE });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await sandbox?.stop();
});

/** A fresh tab on the shell page; `wasmRequests` counts fetches of the .wasm. */
async function openPage(context) {
  const ownContext = context ?? (await browser.newContext());
  const page = await ownContext.newPage();
  const wasmRequests = [];
  const problems = [];
  page.on("request", (request) => {
    if (request.url().endsWith(".wasm")) wasmRequests.push(request.url());
  });
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(sandbox.url + "/");
  return { page, context: ownContext, wasmRequests, problems };
}

test("the wasm loads at the first call, once for concurrent calls; errors, kinds and discovery work before it", async () => {
  const { page, context, wasmRequests, problems } = await openPage();
  try {
    const before = await page.evaluate(async () => {
      const m = await import("/pkg/index.js");
      const wallets = await m.discoverWallets(20);
      let stop = m.watchWallets(() => {});
      stop();
      const auth = new m.RatioAuth({ baseUrl: location.origin, clientId: "sandbox", clientSecret: "sandbox-secret" });
      let syncError;
      try {
        new m.RatioAuth({ baseUrl: location.origin, storage: "memory", flowStorage: "sessionStorage" });
      } catch (error) {
        syncError = { guard: m.isRatioAuthError(error), kind: error.kind, short: error.shortMessage };
      }
      window.__auth = auth;
      return {
        wallets: wallets.length,
        kinds: m.RatioAuthErrorKinds.length,
        notOurs: m.isRatioAuthError(new Error("x")) || m.isRatioAuthError({ name: "RatioAuthError", kind: "nope" }),
        syncError,
      };
    });
    assert.deepEqual(before, {
      wallets: 0,
      kinds: 15,
      notOurs: false,
      syncError: { guard: true, kind: "config", short: before.syncError.short },
    });
    assert.match(before.syncError.short, /flowStorage/);
    assert.deepEqual(wasmRequests, [], "nothing so far needed the wasm");

    const results = await page.evaluate(async () => {
      const [a, b, c] = await Promise.all([window.__auth.session(), window.__auth.pendingSignIn(), window.__auth.ready()]);
      return [a, b, c];
    });
    assert.deepEqual(results, [null, null, undefined]);
    assert.equal(wasmRequests.length, 1, `one fetch of the wasm for three concurrent first calls: ${wasmRequests}`);

    // An option only the wasm checks surfaces at ready() (and at every call), as a config error.
    const late = await page.evaluate(async () => {
      const m = await import("/pkg/index.js");
      const auth = new m.RatioAuth({ baseUrl: "http://example.com", clientId: "x", clientSecret: "y" });
      try {
        await auth.ready();
        return "resolved";
      } catch (error) {
        return { guard: m.isRatioAuthError(error), kind: error.kind };
      }
    });
    assert.deepEqual(late, { guard: true, kind: "config" });
    assert.equal(wasmRequests.length, 1);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("signIn stores the session, onSessionChange hears signedIn and signedOut, and a new signIn forgets the old session at once", async () => {
  const { page, context, problems } = await openPage();
  try {
    const out = await page.evaluate(async () => {
      const m = await import("/pkg/index.js");
      const h = await import("/helpers.js");
      const auth = new m.RatioAuth({ baseUrl: location.origin, clientId: "sandbox", clientSecret: "sandbox-secret", storage: "sessionStorage" });
      const changes = [];
      const stop = auth.onSessionChange((change) => changes.push({ event: change.event, jwt: change.session?.sessionJwt ?? null, factors: change.session?.factors, fromOtherTab: change.fromOtherTab }));
      const user = await h.returningUser();
      const result = await user.signIn(auth);
      const stored = await auth.session();
      const inStorage = Object.keys(sessionStorage).filter((key) => sessionStorage.getItem(key) === result.sessionJwt);
      // A second sign-in whose wallet refuses: the first user's session must be gone already.
      const refusing = { request: async () => { throw Object.assign(new Error("User rejected the request."), { code: 4001 }); } };
      let second;
      try {
        await auth.signIn({ provider: refusing, account: user.wallet.address, prompts: user.prompts });
      } catch (error) {
        second = { kind: error.kind, guard: m.isRatioAuthError(error) };
      }
      const afterFailed = await auth.session();
      const again = await user.signIn(auth);
      await auth.signOut();
      const afterSignOut = await auth.session();
      await auth.signOut(); // nothing stored: no second signedOut
      stop();
      await user.signIn(auth); // not heard: unsubscribed
      return { result, stored, inStorage, second, afterFailed, again: again.sessionJwt, afterSignOut, changes };
    });
    assert.equal(out.result.path, "returning");
    assert.equal(out.stored.sessionJwt, out.result.sessionJwt);
    assert.deepEqual(out.stored.factors, out.result.factors);
    assert.equal(typeof out.stored.expiresAt, "number");
    assert.equal(out.stored.expired, false);
    assert.equal(out.inStorage.length, 1, "the JWT is in this tab's sessionStorage, once");
    assert.match(out.inStorage[0], /^ratio-auth:session:/);
    assert.deepEqual(out.second, { kind: "userRejected", guard: true });
    assert.equal(out.afterFailed, null, "a failed sign-in leaves no session behind");
    assert.equal(out.afterSignOut, null);
    assert.deepEqual(
      out.changes.map((c) => [c.event, c.jwt, c.fromOtherTab]),
      [
        ["signedIn", out.result.sessionJwt, false],
        ["signedOut", null, false],
        ["signedIn", out.again, false],
        ["signedOut", null, false],
      ],
    );
    assert.deepEqual(out.changes[0].factors, out.result.factors);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("an async storage adapter keeps the session; a failing one leaves it in memory and reports the failure", async () => {
  const { page, context } = await openPage();
  try {
    const out = await page.evaluate(async () => {
      const m = await import("/pkg/index.js");
      const h = await import("/helpers.js");
      const map = new Map();
      const later = (value) => new Promise((resolve) => setTimeout(() => resolve(value), 5));
      const adapter = { get: (key) => later(map.get(key) ?? null), set: (key, value) => later(void map.set(key, value)), remove: (key) => later(void map.delete(key)) };
      const options = { baseUrl: location.origin, clientId: "sandbox", clientSecret: "sandbox-secret" };
      const auth = new m.RatioAuth({ ...options, storage: adapter });
      const user = await h.returningUser();
      const result = await user.signIn(auth);
      const keys = [...map.keys()];
      const inMap = map.get(keys[0]) === result.sessionJwt;
      // A second instance over the same adapter and baseUrl (a reload) finds the session.
      const reloaded = await new m.RatioAuth({ ...options, baseUrl: location.origin + "/v1/", storage: adapter }).session();
      const emptyAfterSignOut = (await auth.signOut(), map.size);

      const reported = [];
      window.addEventListener("error", (event) => { reported.push(event.error?.kind + "/" + event.error?.reason); event.preventDefault(); });
      const broken = { get: () => { throw new Error("disk on fire"); }, set: async () => { throw new Error("disk on fire"); }, remove: () => {} };
      const auth2 = new m.RatioAuth({ ...options, storage: broken });
      const result2 = await user.signIn(auth2);
      const kept = await auth2.session();
      let badAdapter;
      try {
        new m.RatioAuth({ ...options, storage: { get() {} } });
      } catch (error) {
        badAdapter = error.kind;
      }
      return { keys, inMap, reloaded: reloaded?.sessionJwt === result.sessionJwt, emptyAfterSignOut, kept: kept?.sessionJwt === result2.sessionJwt, reported, badAdapter };
    });
    assert.equal(out.keys.length, 1);
    assert.match(out.keys[0], /^ratio-auth:session:http:\/\/127\.0\.0\.1:\d+$/, "keyed by the baseUrl without a trailing /v1/");
    assert.deepEqual(
      { inMap: out.inMap, reloaded: out.reloaded, emptyAfterSignOut: out.emptyAfterSignOut, kept: out.kept, badAdapter: out.badAdapter },
      { inMap: true, reloaded: true, emptyAfterSignOut: 0, kept: true, badAdapter: "config" },
    );
    assert.ok(out.reported.includes("config/storage"), `the failed write was reported: ${out.reported}`);
  } finally {
    await context.close();
  }
});

test("with a shared adapter, sign-in and sign-out in one tab reach the other tab; the channel carries no JWT", async () => {
  const context = await browser.newContext();
  try {
    const a = await openPage(context);
    const b = await openPage(context);
    const setup = async () => {
      const m = await import("/pkg/index.js");
      const adapter = { shared: true, get: (k) => localStorage.getItem(k), set: (k, v) => localStorage.setItem(k, v), remove: (k) => localStorage.removeItem(k) };
      window.__auth = new m.RatioAuth({ baseUrl: location.origin, clientId: "sandbox", clientSecret: "sandbox-secret", storage: adapter });
      window.__changes = [];
      window.__auth.onSessionChange((c) => window.__changes.push({ event: c.event, jwt: c.session?.sessionJwt ?? null, fromOtherTab: c.fromOtherTab }));
      // Everything any channel of this origin carries, to check it never holds a JWT.
      window.__wire = [];
      const spy = new BroadcastChannel("ratio-auth:ratio-auth:session:" + location.origin);
      spy.onmessage = (message) => window.__wire.push(JSON.stringify(message.data));
    };
    await a.page.evaluate(setup);
    await b.page.evaluate(setup);
    const jwt = await a.page.evaluate(async () => {
      const h = await import("/helpers.js");
      const user = await h.returningUser();
      return (await user.signIn(window.__auth)).sessionJwt;
    });
    await b.page.waitForFunction(() => window.__changes.length >= 1);
    await a.page.evaluate(() => window.__auth.signOut());
    await b.page.waitForFunction(() => window.__changes.length >= 2);
    const seen = await b.page.evaluate(() => ({ changes: window.__changes, wire: window.__wire }));
    assert.deepEqual(seen.changes, [
      { event: "signedIn", jwt, fromOtherTab: true },
      { event: "signedOut", jwt: null, fromOtherTab: true },
    ]);
    assert.ok(seen.wire.length >= 2, `the spy heard the announcements: ${seen.wire}`);
    for (const message of seen.wire) assert.ok(!message.includes("eyJ") && !message.includes(jwt), `no JWT on the channel: ${message}`);
    const aChanges = await a.page.evaluate(() => window.__changes.map((c) => [c.event, c.fromOtherTab]));
    assert.deepEqual(aChanges, [["signedIn", false], ["signedOut", false]]);
  } finally {
    await context.close();
  }
});

test("api calls use the stored session when they need one, write a refreshed JWT back, refuse without one, and take a signal", async () => {
  const { page, context } = await openPage();
  try {
    const out = await page.evaluate(async () => {
      const m = await import("/pkg/index.js");
      const h = await import("/helpers.js");
      const auth = new m.RatioAuth({ baseUrl: location.origin, clientId: "sandbox", clientSecret: "sandbox-secret" });
      const changes = [];
      auth.onSessionChange((c) => changes.push(c.event));
      let noSession;
      try {
        await auth.api.getUser("nobody");
      } catch (error) {
        noSession = { kind: error.kind, reason: error.reason };
      }
      const user = h.newUser();
      const result = await user.signIn(auth);
      // POST /v1/users on the sandbox always answers with ratio-authentication-refresh.
      const created = await auth.api.createUser({ firstName: "Ada", lastName: "Lovelace", email: user.email, country: "US", phone: user.phone, acceptedTerms: true });
      const stored = await auth.session();
      const fetched = await auth.api.getUser(created.id);
      // An explicit jwt that is not the stored session is used as given, and nothing is stored.
      const explicit = await auth.api.getUser(created.id, { jwt: created.refreshJwt });
      // The signal reaches the request: an aborted one rejects as aborted, its reason as cause.
      const reason = new Error("left the page");
      let aborted;
      try {
        await auth.api.getUser(created.id, { signal: AbortSignal.abort(reason) });
      } catch (error) {
        aborted = { kind: error.kind, cause: error.cause === reason };
      }
      let badOptions;
      try {
        await auth.api.getUser(created.id, "a-jwt-as-a-string");
      } catch (error) {
        badOptions = error.kind;
      }
      return {
        path: result.path,
        noSession,
        refreshed: typeof created.refreshJwt === "string" && created.refreshJwt !== result.sessionJwt,
        storedIsRefresh: stored?.sessionJwt === created.refreshJwt,
        fetched: fetched.id === created.id,
        explicit: explicit.id === created.id,
        aborted,
        badOptions,
        changes,
      };
    });
    assert.deepEqual(out, {
      path: "new",
      noSession: { kind: "config", reason: "noSession" },
      refreshed: true,
      storedIsRefresh: true,
      fetched: true,
      explicit: true,
      aborted: { kind: "aborted", cause: true },
      badOptions: "config",
      changes: ["signedIn", "refreshed"],
    });
  } finally {
    await context.close();
  }
});

test("an expired session reads as null and is announced; a session expiring later is announced when it does", async () => {
  const { page, context } = await openPage();
  try {
    const out = await page.evaluate(async () => {
      const m = await import("/pkg/index.js");
      const h = await import("/helpers.js");
      const now = Math.floor(Date.now() / 1000);
      const map = new Map();
      const adapter = { get: (k) => map.get(k) ?? null, set: (k, v) => void map.set(k, v), remove: (k) => void map.delete(k) };
      const auth = new m.RatioAuth({ baseUrl: location.origin, storage: adapter });
      const changes = [];
      auth.onSessionChange((c) => changes.push([c.event, c.session === null]));
      map.set("ratio-auth:session:" + location.origin, h.fakeJwt({ sub: "u", exp: now - 10 }));
      const expired = await auth.session();
      const removed = map.size === 0;
      // A short-lived session: the expiry timer forgets it when its exp passes.
      map.set("ratio-auth:session:" + location.origin, h.fakeJwt({ sub: "u", exp: now + 2 }));
      const live = await auth.session();
      return { expired, removed, live: live?.expired, expiresAt: live?.expiresAt === (now + 2) * 1000, changes };
    });
    assert.deepEqual(out, { expired: null, removed: true, live: false, expiresAt: true, changes: [["expired", true]] });
    const timed = await page.evaluate(async () => {
      const m = await import("/pkg/index.js");
      const h = await import("/helpers.js");
      const now = Math.floor(Date.now() / 1000);
      const soon = h.fakeJwt({ sub: "u", exp: now + 2 });
      // The shell times the expiry of the sessions it stores: here a refresh of the stored JWT,
      // answered by a stand-in fetch, with a JWT that expires in 2 s.
      const map = new Map([["ratio-auth:session:" + location.origin, h.fakeJwt({ sub: "u", exp: now + 3600 })]]);
      const adapter = { get: (k) => map.get(k) ?? null, set: (k, v) => void map.set(k, v), remove: (k) => void map.delete(k) };
      const realFetch = window.fetch;
      window.fetch = async () => {
        return new Response(JSON.stringify({ id: "u" }), { status: 200, headers: { "content-type": "application/json", "ratio-authentication-refresh": soon } });
      };
      const auth = new m.RatioAuth({ baseUrl: location.origin, clientId: "sandbox", clientSecret: "sandbox-secret", storage: adapter });
      const changes = [];
      auth.onSessionChange((c) => changes.push(c.event));
      await auth.api.getUser("u");
      window.fetch = realFetch;
      const stored = map.get("ratio-auth:session:" + location.origin) === soon;
      await new Promise((resolve) => setTimeout(resolve, 3500));
      return { stored, changes, after: map.size };
    });
    assert.deepEqual(timed, { stored: true, changes: ["refreshed", "expired"], after: 0 });
  } finally {
    await context.close();
  }
});

test("watchWallets sees wallets announcing late, once each, with only data: icons; discoverWallets collects for its window", async () => {
  const { page, context } = await openPage();
  try {
    const out = await page.evaluate(async () => {
      const m = await import("/pkg/index.js");
      const announce = (info, provider = { request: async () => [] }) =>
        window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
      // One wallet loaded before anyone asks: it answers each request.
      window.addEventListener("eip6963:requestProvider", () => announce({ uuid: "early", name: "Early", icon: "data:image/svg+xml,<svg/>", rdns: "io.early" }));
      const calls = [];
      const stop = m.watchWallets((wallets) => calls.push(wallets.map((w) => `${w.info.uuid}:${w.info.icon === "" ? "no-icon" : "icon"}`)));
      announce({ uuid: "late", name: "Late", icon: "https://evil.example/x.png", rdns: "io.late" });
      announce({ uuid: "late", name: "Late again", icon: "", rdns: "io.late" });
      announce({ uuid: "", name: "No id", icon: "", rdns: "x" });
      announce({ uuid: "no-request", name: "Broken", icon: "", rdns: "x" }, {});
      window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: new Proxy({}, { get() { throw new Error("hostile"); } }) }));
      stop();
      announce({ uuid: "after-stop", name: "Gone", icon: "", rdns: "x" });
      const discovered = m.discoverWallets(50);
      setTimeout(() => announce({ uuid: "within-window", name: "W", icon: "", rdns: "w" }), 10);
      const found = (await discovered).map((w) => w.info.uuid);
      let bad;
      try {
        await m.discoverWallets(-1);
      } catch (error) {
        bad = error.kind;
      }
      return { calls, found, bad };
    });
    assert.deepEqual(out.calls, [["early:icon"], ["early:icon", "late:no-icon"]]);
    assert.deepEqual(out.found, ["early", "within-window"]);
    assert.equal(out.bad, "config");
  } finally {
    await context.close();
  }
});

test("hostile EIP-6963 announcements and arguments are skipped or refused, never thrown at the page", async () => {
  const { page, context, problems } = await openPage();
  try {
    const out = await page.evaluate(async () => {
      const m = await import("/pkg/index.js");
      const boom = (what) => { throw new Error("hostile " + what); };
      const ALL = ["get", "set", "has", "ownKeys", "getOwnPropertyDescriptor", "getPrototypeOf", "apply", "construct"];
      const trapProxy = (target, traps) => new Proxy(target, Object.fromEntries(traps.map((trap) => [trap, () => boom(trap)])));
      const revoked = () => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; };
      const throwingString = () => ({ toString() { boom("toString"); }, valueOf() { boom("valueOf"); }, [Symbol.toPrimitive]() { boom("toPrimitive"); } });
      const throwingGetter = (object, key) => Object.defineProperty(object, key, { enumerable: true, configurable: true, get() { boom("getter " + key); } });
      let uncaught = 0;
      window.addEventListener("error", () => { uncaught += 1; });
      const good = { request: async () => [] };
      const info = (uuid) => ({ uuid, name: uuid, icon: "", rdns: "io." + uuid });
      const announce = (detail) => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail }));
      class ThrowingDetail extends CustomEvent { get detail() { return boom("detail"); } }
      const onRequest = () => {
        window.dispatchEvent(new ThrowingDetail("eip6963:announceProvider", { detail: {} }));
        window.dispatchEvent(throwingGetter(new CustomEvent("eip6963:announceProvider", { detail: {} }), "detail"));
        announce(trapProxy({}, ALL));
        announce(revoked());
        announce(throwingGetter({ provider: good }, "info"));
        announce(throwingGetter({ info: info("getter-provider") }, "provider"));
        announce({ info: trapProxy(info("proxy-info"), ALL), provider: good });
        announce({ info: revoked(), provider: good });
        announce({ info: info("proxy-provider"), provider: trapProxy({ request: good.request }, ALL) });
        announce({ info: info("request-getter"), provider: throwingGetter({}, "request") });
        announce({ info: { ...info("uuid-tostring"), uuid: throwingString() }, provider: good });
        announce({ info: throwingGetter(info("name-getter"), "name"), provider: good });
        announce({ info: info("good"), provider: good });
      };
      window.addEventListener("eip6963:requestProvider", onRequest);
      const found = (await m.discoverWallets(50)).map((wallet) => wallet.info.uuid);
      const again = (await m.discoverWallets(50)).map((wallet) => wallet.info.uuid);
      window.removeEventListener("eip6963:requestProvider", onRequest);
      const refused = [];
      for (const value of [throwingString(), trapProxy({}, ALL), revoked(), Symbol("x"), trapProxy(function () {}, ALL), "300", NaN, 10_001]) {
        try {
          await m.discoverWallets(value);
          refused.push("resolved");
        } catch (error) {
          refused.push(m.isRatioAuthError(error) ? error.kind : "thrown: " + error);
        }
      }
      let watchRefused;
      try {
        m.watchWallets("not a function");
      } catch (error) {
        watchRefused = error.kind;
      }
      const guards = [trapProxy({}, ALL), revoked(), throwingGetter(new Error("x"), "name"), trapProxy(Object.assign(new Error("x"), { name: "RatioAuthError", kind: "config" }), ["get"])].map(m.isRatioAuthError);
      return { found, again, uncaught, refused, watchRefused, guards };
    });
    assert.deepEqual(out.found, ["good"], "only the well-formed announcement");
    assert.deepEqual(out.again, ["good"], "discovery still works afterwards");
    assert.equal(out.uncaught, 0, "no listener threw");
    assert.deepEqual(out.refused, Array(8).fill("config"));
    assert.equal(out.watchRefused, "config");
    assert.deepEqual(out.guards, [false, false, false, false]);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
