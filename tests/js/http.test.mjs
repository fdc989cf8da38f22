// npm/http.js, the fetch transport. What depends on the browser's fetch (redirect mode, refused
// header values, body streaming, CORS) runs in Chromium against the real sandbox, cross-origin:
// the page is served from http://localhost:PORT and talks to the API at http://127.0.0.1:PORT, so
// every POST is preflighted and Retry-After / the refresh header must be exposed by CORS. These
// are the tests of tests/web_http.rs. The pieces that need no server (the errors, the timers of
// npm/abort.js, randomness) run in Node: the tests of tests/web_units.rs that concern them.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT, SITE, launchBrowser, startSandbox } from "../e2e/harness.mjs";
import { MAX_BODY_BYTES, REFRESH_HEADER, TransportFailure, send, transportErrorToJs } from "../../npm/http.js";
import { ABORTED, TIMED_OUT, abortedError, race, randomSeed, sleepUntil } from "../../npm/abort.js";
import { isRatioAuthError } from "../../npm/errors.js";

const HTTP_SITE = path.join(ROOT, "target/http-site");

// In the page: requests as the driver builds them, faults, and a wallet sign-in.
const PAGE_HELPERS = `
import * as http from "/npm/http.js";
import { createSandboxWallet } from "/sandbox-wallet.js";

// The page is http://localhost:PORT; the API is the same server under another origin.
export const API = location.origin.replace("//localhost:", "//127.0.0.1:");

export function clientHeaders(secret = "sandbox-secret") {
  return [["ratio-client-id", "sandbox"], ["ratio-client-secret", secret]];
}

export function post(path, body, { bearer, secret } = {}) {
  const headers = clientHeaders(secret);
  headers.push(["accept", "application/json"]);
  if (bearer !== undefined) headers.push(["authorization", "Bearer " + bearer]);
  return { method: "POST", url: API + path, headers, body: JSON.stringify(body) };
}

export function send(request) {
  return http.send(request, { timeoutMs: 10_000 });
}

/** A failure as plain data (what page.evaluate can hand back). */
export function describeFailure(e) {
  return {
    isTransportFailure: e instanceof http.TransportFailure,
    isError: e instanceof Error,
    name: e?.name,
    error: e?.error,
    detail: e?.detail,
    message: e?.message,
    thrownType: e?.thrown === undefined ? "undefined" : e.thrown === null ? "null" : typeof e.thrown,
    thrownText: thrownText(e?.thrown),
  };
}

function thrownText(thrown) {
  try {
    return typeof thrown === "string" ? thrown : thrown?.message;
  } catch {
    return "(a hostile value)";
  }
}

/** { ok, response } or { ok: false, failure }, from send with the given options. */
export async function outcome(request, options = { timeoutMs: 10_000 }) {
  try {
    return { ok: true, response: await http.send(request, options) };
  } catch (e) {
    return { ok: false, failure: describeFailure(e) };
  }
}

export async function addFault(fault) {
  const response = await send({ method: "POST", url: API + "/sandbox/faults", headers: [], body: JSON.stringify(fault) });
  if (response.status !== 201 && response.status !== 200) throw new Error("fault refused: " + response.status + " " + response.body);
}

export async function faultsLeft() {
  const response = await send({ method: "GET", url: API + "/sandbox/faults", headers: [], body: undefined });
  return JSON.parse(response.body);
}

function hex(text) {
  return "0x" + Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** start → sign → authenticate for a brand-new wallet: { address, jwt }. */
export async function walletSignIn() {
  const wallet = createSandboxWallet();
  const address = wallet.address;
  const start = await send(post("/v1/auth/cryptoWallet:start", { walletAddress: address, walletType: "EVM" }));
  if (start.status !== 200) throw new Error("start: " + start.status + " " + start.body);
  const challenge = JSON.parse(start.body).challenge;
  if (!challenge.startsWith("Signing in with Ratio: ")) throw new Error("challenge: " + challenge);
  const signature = await wallet.provider.request({ method: "personal_sign", params: [hex(challenge), address] });
  const authenticated = await send(post("/v1/auth/cryptoWallet:authenticate", { walletAddress: address, walletType: "EVM", signature }));
  if (authenticated.status !== 200) throw new Error("authenticate: " + authenticated.status + " " + authenticated.body);
  const reply = JSON.parse(authenticated.body);
  if ("userMask" in reply) throw new Error("a fresh wallet is a new user");
  return { address, jwt: reply.sessionJwt };
}
`;

let sandbox;
let browser;
let page;
let API;

before(async () => {
  rmSync(HTTP_SITE, { recursive: true, force: true });
  mkdirSync(path.join(HTTP_SITE, "npm"), { recursive: true });
  for (const file of readdirSync(path.join(ROOT, "npm")).filter((f) => f.endsWith(".js"))) {
    cpSync(path.join(ROOT, "npm", file), path.join(HTTP_SITE, "npm", file));
  }
  for (const part of ["vendor", "sandbox-wallet.js"]) cpSync(path.join(SITE, part), path.join(HTTP_SITE, part), { recursive: true });
  writeFileSync(
    path.join(HTTP_SITE, "index.html"),
    `<!doctype html><html><head><meta charset="utf-8"><title>http</title>
<script type="importmap">{"imports":{"@noble/curves/":"/vendor/noble-curves/","@noble/hashes/":"/vendor/noble-hashes/"}}</script>
</head><body>http tests</body></html>`,
  );
  writeFileSync(path.join(HTTP_SITE, "helpers.js"), PAGE_HELPERS);
  sandbox = await startSandbox({ staticDir: HTTP_SITE });
  API = sandbox.url;
  browser = await launchBrowser();
  page = await (await browser.newContext()).newPage();
  page.on("pageerror", (e) => console.error("pageerror:", e.message));
  await page.goto(sandbox.url.replace("//127.0.0.1:", "//localhost:") + "/");
  assert.notEqual(new URL(page.url()).origin, API, "the page and the API are different origins");
});

after(async () => {
  await browser?.close();
  await sandbox?.stop();
});

describe("in Chromium, against the sandbox (tests/web_http.rs)", () => {
  test("wallet sign-in over real HTTP; error statuses are responses", async () => {
    const r = await page.evaluate(async () => {
      const h = await import("/helpers.js");
      const { address, jwt } = await h.walletSignIn();
      // The challenge is single-use: replaying is refused, as a response.
      const replay = { walletAddress: address, walletType: "EVM", signature: "0x" + "11".repeat(65) };
      const refused = await h.send(h.post("/v1/auth/cryptoWallet:authenticate", replay));
      const unknown = await h.send(h.post("/v1/nope", {}));
      return { jwt, refused, unknown: unknown.status };
    });
    assert.equal(r.jwt.split(".").length, 3);
    assert.equal(r.refused.status, 400);
    assert.equal(JSON.parse(r.refused.body).code, "INVALID_SIGNATURE");
    assert.equal(r.refused.refreshJwt, null);
    assert.equal(r.unknown, 404);
  });

  test("a wrong client secret is a 401 response", async () => {
    const response = await page.evaluate(async () => {
      const h = await import("/helpers.js");
      const body = { walletAddress: "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", walletType: "EVM" };
      return h.send(h.post("/v1/auth/cryptoWallet:start", body, { secret: "wrong" }));
    });
    assert.equal(response.status, 401);
    assert.equal(JSON.parse(response.body).code, "INVALID_CLIENT_SECRET");
  });

  test("a rate limit exposes Retry-After cross-origin", async () => {
    const response = await page.evaluate(async () => {
      const h = await import("/helpers.js");
      const path = "/v1/auth/otp/sms:send";
      await h.addFault({ path, status: 429, count: 1, retryAfterSeconds: 7 });
      return h.send(h.post(path, { phoneNumber: "+12025550143" }));
    });
    assert.equal(response.status, 429);
    assert.equal(response.retryAfter, "7", "Retry-After must be readable cross-origin");
    assert.equal(JSON.parse(response.body).code, "TOO_MANY_REQUESTS");
  });

  test("an HTML 502 page is read as text", async () => {
    const page502 = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>";
    const response = await page.evaluate(async (body) => {
      const h = await import("/helpers.js");
      const path = "/v1/auth/otp/email:send";
      await h.addFault({ path, status: 502, body, contentType: "text/html" });
      return h.send(h.post(path, { emailAddress: "html@example.com" }));
    }, page502);
    assert.equal(response.status, 502);
    assert.equal(response.body, page502);
  });

  test("malformed JSON is returned as it came", async () => {
    const response = await page.evaluate(async () => {
      const h = await import("/helpers.js");
      const path = "/v1/auth/cryptoWallet:start";
      await h.addFault({ path, status: 200, body: '{"challenge": "Signing in with' });
      return h.send(h.post(path, { walletAddress: "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", walletType: "EVM" }));
    });
    assert.equal(response.status, 200);
    assert.equal(response.body, '{"challenge": "Signing in with');
    assert.throws(() => JSON.parse(response.body));
  });

  test("a dropped connection is a network error that never names the body", async () => {
    const r = await page.evaluate(async () => {
      const h = await import("/helpers.js");
      const path = "/v1/auth/otp/sms:authenticate";
      // Count 2: Chromium silently resends a request once when a reused keep-alive connection
      // closes before any response byte, so one drop would be hidden by the retry.
      await h.addFault({ path, status: 502, dropConnection: true, count: 2 });
      return h.outcome(h.post(path, { phoneId: "x", otp: "000000" }));
    });
    assert.equal(r.ok, false);
    assert.equal(r.failure.error, "network", JSON.stringify(r.failure));
    assert.ok(r.failure.isTransportFailure && r.failure.isError);
    // The message names the request, never its body (which holds the code).
    assert.ok(!r.failure.message.includes("000000"), r.failure.message);
    assert.match(r.failure.detail, /^POST http:\/\/127\.0\.0\.1:\d+\/v1\/auth\/otp\/sms:authenticate: /);
    assert.equal(r.failure.message, `network error: ${r.failure.detail}`);
    assert.equal(r.failure.thrownType, "object", "fetch's TypeError is kept");
  });

  test("a slow server times out", async () => {
    const r = await page.evaluate(async () => {
      const h = await import("/helpers.js");
      const path = "/v1/auth/otp/email:authenticate";
      await h.addFault({ path, status: 200, delayMs: 3000 });
      const started = Date.now();
      const outcome = await h.outcome(h.post(path, { emailId: "x", otp: "000000" }), { timeoutMs: 300 });
      return { outcome, elapsed: Date.now() - started };
    });
    assert.equal(r.outcome.ok, false);
    assert.equal(r.outcome.failure.error, "timeout");
    assert.equal(r.outcome.failure.thrownType, "undefined", "a timeout keeps no JS value");
    assert.ok(r.elapsed >= 250 && r.elapsed < 2_000, `timed out after ${r.elapsed} ms`);
  });

  test("the caller's signal cancels a request; an aborted signal sends nothing", async () => {
    const r = await page.evaluate(async () => {
      const h = await import("/helpers.js");
      const path = "/v1/auth/cryptoWallet:addToUser";
      await h.addFault({ path, status: 200, delayMs: 3000 });
      const request = h.post(path, { walletAddress: "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", walletType: "EVM" });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      const first = await h.outcome(request, { timeoutMs: 10_000, signal: controller.signal });
      const elapsed = Date.now() - started;
      let fetched = 0;
      const realFetch = globalThis.fetch;
      globalThis.fetch = (...args) => { fetched += 1; return realFetch(...args); };
      try {
        const again = await h.outcome(request, { timeoutMs: 10_000, signal: controller.signal });
        return { first, elapsed, again, fetched };
      } finally {
        globalThis.fetch = realFetch;
      }
    });
    assert.equal(r.first.ok, false);
    assert.equal(r.first.failure.error, "aborted");
    assert.ok(r.elapsed < 2_000, `aborted after ${r.elapsed} ms`);
    assert.equal(r.again.failure.error, "aborted", "already aborted");
    assert.equal(r.fetched, 0, "already aborted: nothing is sent");
  });

  test("the refresh header is read cross-origin", async () => {
    const r = await page.evaluate(async () => {
      const h = await import("/helpers.js");
      const { address, jwt } = await h.walletSignIn();
      // Move the sandbox's clock to within a minute of the JWT's expiry (5 min lifetime).
      const advance = await h.send({ method: "POST", url: h.API + "/sandbox/clock", headers: [], body: JSON.stringify({ advanceSeconds: 250 }) });
      const response = await h.send(h.post("/v1/auth/cryptoWallet:start", { walletAddress: address, walletType: "EVM" }, { bearer: jwt }));
      return { jwt, advance: advance.status, response };
    });
    assert.equal(r.advance, 200);
    assert.equal(r.response.status, 200, r.response.body);
    const refreshed = r.response.refreshJwt;
    assert.ok(typeof refreshed === "string", "ratio-authentication-refresh must be readable cross-origin");
    assert.equal(refreshed.split(".").length, 3);
    assert.notEqual(refreshed, r.jwt);
    assert.equal(REFRESH_HEADER, "ratio-authentication-refresh");
  });

  test("no server is a network error; so is a header the browser refuses to build", async () => {
    const r = await page.evaluate(async () => {
      const h = await import("/helpers.js");
      const noServer = await h.outcome({ method: "POST", url: "http://127.0.0.1:59999/v1/x", headers: [], body: "{}" }, { timeoutMs: 5_000 });
      const badHeader = await h.outcome({ method: "POST", url: h.API + "/v1/x", headers: [["x-bad", "line\nbreak"]], body: undefined }, { timeoutMs: 5_000 });
      return { noServer, badHeader };
    });
    assert.equal(r.noServer.failure.error, "network", JSON.stringify(r.noServer));
    assert.equal(r.badHeader.failure.error, "network", JSON.stringify(r.badHeader));
  });

  test("a redirect is never followed", async () => {
    const r = await page.evaluate(async () => {
      const h = await import("/helpers.js");
      const http = await import("/npm/http.js");
      // The redirect target is a sandbox path whose fault rule is consumed by any request to it:
      // while the rule is still listed, nothing (credentials, code) reached the target.
      const target = "/v1/redirect-target-" + crypto.getRandomValues(new Uint32Array(2)).join("");
      await h.addFault({ path: target, status: 503, count: 1 });
      const path = "/v1/auth/otp/sms:authenticate";
      const seen = [];
      for (const [status, location] of [[302, h.API + target], [307, h.API + target], [308, "http://evil.example/steal"]]) {
        await h.addFault({ path, status, location });
        try {
          await h.send(h.post(path, { phoneId: "x", otp: "424242" }));
          seen.push({ status, ok: true });
        } catch (e) {
          const js = http.transportErrorToJs(e);
          seen.push({ status, failure: h.describeFailure(e), kind: js.kind, message: js.message });
        }
      }
      return { seen, target, left: await h.faultsLeft() };
    });
    for (const one of r.seen) {
      assert.equal(one.failure?.error, "redirected", `${one.status}: ${JSON.stringify(one)}`);
      assert.equal(one.kind, "badResponse");
      assert.equal(one.message, "the server answered with a redirect, which is never followed");
    }
    assert.ok(
      r.left.some((rule) => rule.path === r.target && rule.count === 1),
      `the redirect target was requested: ${JSON.stringify(r.left)}`,
    );
  });

  test("a huge body is refused while reading, and the transport stays usable", async () => {
    const r = await page.evaluate(async () => {
      const h = await import("/helpers.js");
      const path = "/v1/auth/cryptoWallet:start";
      const request = () => h.post(path, { walletAddress: "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", walletType: "EVM" });
      // Under the cap: read whole.
      await h.addFault({ path, status: 200, body: "{}", bodyBytes: 200_000 });
      const under = (await h.send(request())).body.length;
      // 30 MB: refused at the cap, well inside the timeout (reading it all is not needed).
      await h.addFault({ path, status: 200, body: "{}", bodyBytes: 30_000_000 });
      let started = Date.now();
      const huge = await h.outcome(request());
      const hugeMs = Date.now() - started;
      // Just past the cap is refused too: the cap is exact, not a rough bound.
      await h.addFault({ path, status: 200, body: "{}", bodyBytes: 256 * 1024 - 1 });
      const justPast = await h.outcome(request());
      // Exactly the cap is read.
      await h.addFault({ path, status: 200, body: "{}", bodyBytes: 256 * 1024 - 2 });
      const atCap = (await h.send(request())).body.length;
      // The module is still usable.
      const after = await h.send(request());
      return { under, huge, hugeMs, justPast, atCap, after };
    });
    assert.equal(r.under, 200_002);
    assert.equal(r.huge.failure?.error, "bodyTooLarge", JSON.stringify(r.huge));
    assert.ok(r.hugeMs < 10_000, `refused after ${r.hugeMs} ms`);
    assert.equal(r.justPast.failure?.error, "bodyTooLarge", JSON.stringify(r.justPast));
    assert.equal(r.atCap, MAX_BODY_BYTES);
    assert.equal(r.after.status, 200);
    assert.equal(typeof JSON.parse(r.after.body).challenge, "string");
  });

  test("a hostile fetch wrapper is a network error, and the transport works once fetch is back", async () => {
    const r = await page.evaluate(async () => {
      const h = await import("/helpers.js");
      const request = h.post("/v1/auth/cryptoWallet:start", { walletAddress: "0x0000000000000000000000000000000000000001", walletType: "EVM" });
      const realFetch = globalThis.fetch;
      // Replaces the page's fetch, the way an app's wrapper (analytics, error reporting) does.
      const wrappers = {
        rejectWithString: () => Promise.reject("offline, says the wrapper"),
        rejectWithUndefined: () => Promise.reject(undefined),
        resolveNonResponse: () => Promise.resolve({ status: 200, headers: {}, body: null }),
        throwSynchronously: () => { throw "wrapper bug"; },
        // Beyond the Rust test: what a wrapper may also do.
        returnNonPromise: () => 42,
        resolveProxyOfResponse: async (req) => new Proxy(await realFetch(req), {}),
        resolveFakeSubclass: () => Promise.resolve(Object.create(Response.prototype)),
        notAFunction: "fetch",
        rejectWithThrowingProxy: () => Promise.reject(new Proxy({}, { get() { throw new Error("trap"); }, getPrototypeOf() { throw new Error("trap"); } })),
      };
      const outcomes = {};
      for (const [kind, wrapper] of Object.entries(wrappers)) {
        globalThis.fetch = wrapper;
        try {
          outcomes[kind] = await h.outcome(request, { timeoutMs: 5_000 });
        } finally {
          globalThis.fetch = realFetch;
        }
      }
      const after = await h.send(request);
      return { outcomes, after };
    });
    for (const [kind, outcome] of Object.entries(r.outcomes)) {
      assert.equal(outcome.ok, false, kind);
      assert.equal(outcome.failure.error, "network", `${kind}: ${JSON.stringify(outcome)}`);
      assert.ok(outcome.failure.isTransportFailure, kind);
    }
    const { rejectWithString, rejectWithUndefined, resolveNonResponse, throwSynchronously } = r.outcomes;
    assert.match(rejectWithString.failure.detail, /: offline, says the wrapper$/);
    assert.equal(rejectWithString.failure.thrownText, "offline, says the wrapper");
    assert.match(rejectWithUndefined.failure.detail, /: no error value$/);
    assert.equal(resolveNonResponse.failure.detail, "fetch resolved to something that is not a Response");
    assert.match(throwSynchronously.failure.detail, /: wrapper bug$/);
    assert.match(r.outcomes.rejectWithThrowingProxy.failure.detail, /: non-Error value thrown$/);
    assert.equal(r.after.status, 200, r.after.body);
  });

  test("a header value the browser refuses is a network error, and the transport goes on", async () => {
    const r = await page.evaluate(async () => {
      const h = await import("/helpers.js");
      const http = await import("/npm/http.js");
      const request = h.post("/v1/users/u1/cryptoWallet:addToUser", {}, { bearer: "eyJhbGciOi\r\nx-injected: 1" });
      const outcome = await h.outcome(request, { timeoutMs: 5_000 });
      let js;
      try {
        await http.send(request, { timeoutMs: 5_000 });
      } catch (e) {
        const error = http.transportErrorToJs(e, "api.addWallet: ");
        js = { kind: error.kind, message: error.message, shortMessage: error.shortMessage, details: error.details, causeIsError: error.cause instanceof Error };
      }
      const { jwt } = await h.walletSignIn();
      return { outcome, js, jwt };
    });
    assert.equal(r.outcome.failure?.error, "network", JSON.stringify(r.outcome));
    assert.ok(!r.outcome.failure.message.includes("eyJ"), r.outcome.failure.message);
    assert.equal(r.js.kind, "network");
    assert.equal(r.js.shortMessage, "api.addWallet: network error");
    assert.equal(r.js.message, `api.addWallet: network error: ${r.js.details}`);
    assert.ok(!r.js.message.includes("eyJ") && !r.js.message.includes("sandbox-secret"), r.js.message);
    assert.ok(r.js.causeIsError, "Headers.append's TypeError is the cause");
    assert.ok(r.jwt.length > 0);
  });

  // Beyond tests/web_http.rs: the Request itself, as fetch gets it.
  test("the Request: GETs no-store, POSTs default cache, manual redirects, same-origin credentials, JSON content type", async () => {
    const seen = await page.evaluate(async () => {
      const h = await import("/helpers.js");
      const realFetch = globalThis.fetch;
      const seen = [];
      globalThis.fetch = (req) => {
        seen.push({ method: req.method, cache: req.cache, redirect: req.redirect, credentials: req.credentials, mode: req.mode, contentType: req.headers.get("content-type"), hasSignal: req.signal instanceof AbortSignal });
        return realFetch(req);
      };
      try {
        await h.send({ method: "GET", url: h.API + "/sandbox/faults", headers: [], body: undefined });
        await h.send(h.post("/v1/nope", {}));
        await h.send({ method: "POST", url: h.API + "/v1/nope", headers: [["Content-Type", "text/plain"]], body: "x" });
      } finally {
        globalThis.fetch = realFetch;
      }
      return seen;
    });
    assert.deepEqual(seen, [
      { method: "GET", cache: "no-store", redirect: "manual", credentials: "same-origin", mode: "cors", contentType: null, hasSignal: true },
      { method: "POST", cache: "default", redirect: "manual", credentials: "same-origin", mode: "cors", contentType: "application/json", hasSignal: true },
      { method: "POST", cache: "default", redirect: "manual", credentials: "same-origin", mode: "cors", contentType: "text/plain", hasSignal: true },
    ]);
  });

  test("requests the browser refuses to build are network errors without a cause", async () => {
    const r = await page.evaluate(async () => {
      const h = await import("/helpers.js");
      return {
        getWithBody: await h.outcome({ method: "GET", url: h.API + "/v1/x", headers: [], body: "{}" }),
        badMethod: await h.outcome({ method: "PO ST", url: h.API + "/v1/x", headers: [], body: undefined }),
        badUrl: await h.outcome({ method: "POST", url: "http://[nope/v1/x", headers: [], body: undefined }),
      };
    });
    for (const [name, outcome] of Object.entries(r)) {
      assert.equal(outcome.failure?.error, "network", `${name}: ${JSON.stringify(outcome)}`);
      assert.equal(outcome.failure.thrownType, "undefined", name);
    }
    assert.equal(r.badMethod.failure.detail, "not an HTTP method");
    assert.match(r.getWithBody.failure.detail, /^TypeError: /);
  });
});

describe("errors and timers, in Node (tests/web_units.rs)", () => {
  test("transport errors map to kinds", () => {
    assert.equal(transportErrorToJs(new TransportFailure("timeout")).kind, "timeout");
    assert.equal(transportErrorToJs(new TransportFailure("aborted")).kind, "aborted");
    assert.equal(transportErrorToJs(new TransportFailure("network", "Failed to fetch")).kind, "network");
    assert.equal(transportErrorToJs(new TransportFailure("redirected")).kind, "badResponse");
    assert.equal(transportErrorToJs(new TransportFailure("bodyTooLarge")).kind, "badResponse");
    for (const error of ["timeout", "aborted", "network", "redirected", "bodyTooLarge"]) {
      assert.ok(isRatioAuthError(transportErrorToJs(new TransportFailure(error, "x"))), error);
    }
    assert.equal(abortedError("bye").cause, "bye");
  });

  test("transport error texts: the browser's text is the details; the prefix leads", () => {
    const js = transportErrorToJs(new TransportFailure("network", "POST http://127.0.0.1:9/v1/users: Failed to fetch"));
    assert.equal(js.shortMessage, "network error");
    assert.equal(js.details, "POST http://127.0.0.1:9/v1/users: Failed to fetch");
    assert.equal(js.message, "network error: POST http://127.0.0.1:9/v1/users: Failed to fetch");
    const timeout = transportErrorToJs(new TransportFailure("timeout"));
    assert.equal(timeout.shortMessage, timeout.message);
    assert.ok(Object.hasOwn(timeout, "details") && timeout.details === undefined);
    assert.ok(!("cause" in timeout), "a timeout has no cause");

    assert.equal(transportErrorToJs(new TransportFailure("timeout"), "api.smsSend: ").message, "api.smsSend: the server did not answer in time");
    assert.equal(transportErrorToJs(new TransportFailure("aborted"), "api.smsSend: ").message, "api.smsSend: the request was aborted");
    assert.equal(transportErrorToJs(new TransportFailure("bodyTooLarge")).message, "the server's answer is longer than 262144 bytes");
    const cause = new TypeError("Failed to fetch");
    const prefixed = transportErrorToJs(new TransportFailure("network", "GET http://x/v1/users/u1: Failed to fetch", cause), "api.getUser: ");
    assert.equal(prefixed.shortMessage, "api.getUser: network error");
    assert.equal(prefixed.message, "api.getUser: network error: GET http://x/v1/users/u1: Failed to fetch");
    assert.equal(prefixed.cause, cause);
    // An empty browser text is no details.
    const bare = transportErrorToJs(new TransportFailure("network", ""));
    assert.equal(bare.message, "network error");
    assert.equal(bare.details, undefined);
    // Outside text is sanitised: JWT-shaped tokens and codes are masked.
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl";
    const leaky = transportErrorToJs(new TransportFailure("network", `bad header Bearer ${jwt} code 482913`));
    assert.equal(leaky.details, "bad header Bearer *** code ***");
    assert.ok(!leaky.message.includes("eyJ") && !leaky.message.includes("482913"));
  });

  test("TransportFailure is an Error with the Rust Display texts", () => {
    const failure = new TransportFailure("network", "POST http://x/v1: Failed to fetch", "why");
    assert.ok(failure instanceof Error);
    assert.equal(failure.name, "TransportFailure");
    assert.equal(failure.message, "network error: POST http://x/v1: Failed to fetch");
    assert.equal(failure.thrown, "why");
    assert.equal(new TransportFailure("timeout").detail, "");
    assert.equal(new TransportFailure("redirected").message, "the server answered with a redirect, which is never followed");
    assert.equal(MAX_BODY_BYTES, 256 * 1024);
  });

  test("an already aborted signal fails before anything is sent", async () => {
    const controller = new AbortController();
    controller.abort("bye");
    await assert.rejects(send({ method: "GET", url: "http://127.0.0.1:9/", headers: [] }, { signal: controller.signal }), (e) => e instanceof TransportFailure && e.error === "aborted" && e.thrown === undefined);
  });

  // abort.js has race and sleepUntil; `sleep(ms, signal)` of the Rust is race over a promise that
  // never settles, ended by its timeout.
  const sleep = async (ms, signal) => {
    try {
      await race(new Promise(() => {}), { timeoutMs: ms, signal });
    } catch (reason) {
      if (reason !== TIMED_OUT) throw reason;
    }
  };

  test("sleep waits and aborts", async () => {
    let started = Date.now();
    await sleep(60);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 55 && elapsed < 1_000, `slept ${elapsed} ms`);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    started = Date.now();
    await assert.rejects(sleep(5_000, controller.signal), (e) => e === ABORTED);
    assert.ok(Date.now() - started < 1_000);
    await assert.rejects(sleep(5_000, controller.signal), (e) => e === ABORTED, "already aborted");

    started = Date.now();
    await sleepUntil(started - 10_000);
    assert.ok(Date.now() - started < 100, "a deadline in the past does not wait");
    await sleepUntil(Date.now() + 40);
    assert.ok(Date.now() - started >= 35);
    const aborted = new AbortController();
    setTimeout(() => aborted.abort(), 20);
    await assert.rejects(sleepUntil(Date.now() + 5_000, aborted.signal), (e) => e === ABORTED);
  });

  test("race against a timeout and a signal", async () => {
    const later = (value, ms) => new Promise((resolve) => setTimeout(() => resolve(value), ms));
    await assert.rejects(race(later(7, 500), { timeoutMs: 50 }), (e) => e === TIMED_OUT);
    assert.equal(await race(later(7, 10), { timeoutMs: 1_000 }), 7);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(race(later(7, 1_000), { signal: controller.signal }), (e) => e === ABORTED);
  });

  test("randomness from crypto", () => {
    const draws = Array.from({ length: 8 }, () => randomSeed());
    assert.equal(new Set(draws).size, draws.length);
    for (const draw of draws) assert.match(draw, /^[0-9a-f]{16}$/);
    // The engine's unit_fraction: the top 53 bits over 2^53, in [0, 1).
    for (let i = 0; i < 100; i += 1) {
      const fraction = Number(BigInt("0x" + randomSeed()) >> 11n) / 2 ** 53;
      assert.ok(fraction >= 0 && fraction < 1, String(fraction));
    }
  });
});
