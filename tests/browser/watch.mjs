// Node side of the leak watch shared by flows.test.mjs, sessions.test.mjs and hostile.test.mjs:
// loads tests/support/leaks.js (the very watch the Rust browser tests used) and watch-page.js
// into a page, and ports tests/support/web_leaks.rs's check (`Leaks::check`, `seen_texts`) and
// web_flows.rs's `Run::checked`, `expect_error`, `assert_signed_in`.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

export const CLIENT_SECRET = "sandbox-secret";

const SOURCES = {
  leaks: readFileSync(new URL("../support/leaks.js", import.meta.url), "utf8"),
  watch: readFileSync(new URL("./watch-page.js", import.meta.url), "utf8"),
  extra: {},
};

/** Loads leaks.js as `window.leaks`, watch-page.js as `window.watch`, and `extra` { name: file URL } as `window[name]`, in that order. */
export async function loadWatch(page, extra = {}) {
  const sources = { leaks: SOURCES.leaks, watch: SOURCES.watch, extra: {} };
  for (const [name, url] of Object.entries(extra)) sources.extra[name] = readFileSync(url, "utf8");
  await page.evaluate(async ({ leaks, watch, extra }) => {
    // A blob module resolves bare specifiers through the page's import map (noble).
    const load = (text) => import(URL.createObjectURL(new Blob([text], { type: "text/javascript" })));
    window.leaks = await load(leaks);
    window.watch = await load(watch);
    for (const [name, text] of Object.entries(extra)) window[name] = await load(text);
  }, sources);
}

/**
 * `s.open()` plus the watch; `page.reloadAll()` reloads the tab for real (its sessionStorage
 * stays, its JS state goes) and loads kit, the package and the watch again.
 */
export async function openWatched(s, extra = {}) {
  const page = await s.open();
  await loadWatch(page, extra);
  page.reloadAll = async () => {
    await page.reload();
    await page.evaluate(async () => {
      window.kit = await import("/kit.js");
      window.ra = await import("/pkg/index.js");
    });
    await loadWatch(page, extra);
  };
  return page;
}

/** web_leaks.rs `seen_texts`: the error and the console lines, each as JSON text. */
export function seenTexts(seen) {
  return [["the error", JSON.stringify(seen.error)], ...seen.console.map((line) => ["a console line", JSON.stringify(line)])];
}

/**
 * web_leaks.rs `Leaks::check`: JWTs and the secret anywhere in a text; codes as whole runs of
 * digits (a code inside a timestamp is not a leak). Returns the leak's description, or null.
 */
export function findLeak({ jwts, otps }, texts) {
  for (const [what, text] of texts) {
    if (text.includes(CLIENT_SECRET)) return `${what} holds the client secret: ${text}`;
    const jwt = jwts.find((j) => text.includes(j));
    if (jwt !== undefined) return `${what} holds a JWT (${jwt}): ${text}`;
    const code = text.split(/[^0-9]/).find((run) => otps.includes(run));
    if (code !== undefined) return `${what} holds a code (${code}): ${text}`;
  }
  return null;
}

export function leaksOf(seen) {
  return { jwts: [...seen.jwts], otps: [...seen.otps] };
}

/** web_flows.rs `api_call`'s check: the error and the console hold no JWT, code or secret. */
export function assertApiClean(out, label = "") {
  const leak = findLeak(leaksOf(out.seen), seenTexts(out.seen));
  assert.equal(leak, null, label);
}

/**
 * web_flows.rs `Run::checked`: on success the watch saw the session JWT arrive (it is
 * watching); no event, part of the error or console line holds a JWT received, a code sent or
 * typed, or the secret.
 */
export function assertFlowClean(out, label = "") {
  const secrets = leaksOf(out.seen);
  if (out.res.ok) {
    assert.ok(secrets.jwts.includes(out.res.ok.sessionJwt), `${label} the watch saw no response with the session JWT: it is not watching`);
  }
  if (out.record) secrets.otps.push(...out.record.codes, ...out.record.typed);
  const texts = seenTexts(out.seen);
  const events = out.events ?? (out.record ? out.record.events.map((e) => e.event) : []);
  texts.push(["an event", JSON.stringify(events)]);
  assert.equal(findLeak(secrets, texts), null, label);
}

/** web_flows.rs `expect_error`: a RatioAuthError (a real Error) of `kind`; returns its description. */
export function expectError(res, kind, label = "") {
  assert.ok(res.error, `${label} expected a ${kind} error, got ${JSON.stringify(res.ok)}`);
  const error = res.error;
  assert.equal(error.isError, true, `${label} not an Error: ${JSON.stringify(error)}`);
  assert.equal(error.name, "RatioAuthError", `${label} ${JSON.stringify(error)}`);
  assert.equal(error.kind, kind, `${label} message: ${error.message}`);
  return error;
}

/** web_flows.rs `assert_signed_in`; `checksum` is the wallet's EIP-55 address. */
export function assertSignedIn(result, path, checksum, verified) {
  assert.equal(result.path, path, JSON.stringify(result));
  assert.equal(result.walletAddress, checksum);
  assert.equal(result.walletVerified, verified);
  assert.equal(result.sessionJwt.split(".").length, 3);
}

/** A JWT's payload, decoded here (base64url JSON), independently of the SDK. */
export function jwtPayload(jwt) {
  const [, payload] = jwt.split(".");
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
}

/**
 * What a session JWT says about itself, read here from its claims as the SDK documents it: the
 * distinct factors of `https://stytch.com/session` → `authentication_factors` in token order,
 * `exp` in unix ms, and whether that is past.
 */
export function sessionInfoOf(jwt) {
  const claims = jwtPayload(jwt);
  const names = { crypto_wallet: "wallet", sms: "sms", email: "email" };
  const factors = [];
  for (const factor of claims["https://stytch.com/session"]?.authentication_factors ?? []) {
    const name = names[factor.delivery_method] ?? (factor.type === "crypto" ? "wallet" : "other");
    if (!factors.includes(name)) factors.push(name);
  }
  const info = { factors };
  if (typeof claims.exp === "number") {
    info.expiresAt = Math.floor(claims.exp) * 1000;
    info.expired = Date.now() >= info.expiresAt;
  }
  return info;
}
