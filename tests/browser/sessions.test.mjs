// Options, the low-level calls, sessions and resumed sign-ins in Chromium through the package's
// public API (`new RatioAuth(options)` from pkg/index.js, `ready`, `signIn`, `pendingSignIn`,
// `resumeSignIn`, `discardPendingSignIn`, `session`, `signOut`, `api.*`) against a fresh sandbox
// (fixed-OTP off: codes come from /sandbox/outbox). A port of tests 22-41 of tests/web_flows.rs,
// which called the wasm's own `RatioAuth` class: these must pass against the package as built
// today, and against the JS driver that replaces the wasm's.
//
// Every sign-in and every `api` call runs under tests/support/leaks.js's watch (watch.mjs): no
// event, error or console line may hold a JWT the page received, a code, or the client secret.
//
// Where the wasm class and the public API differ (the constructor checks only the options'
// shape, the rest at `ready()`; the session is the shell's, under `ratio-auth:session:<baseUrl>`;
// `session()` and `pendingSignIn()` are async and give null; there is no `storage: "none"`),
// the test asserts the public equivalent and says so.
import { test } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./harness.mjs";
import {
  CLIENT_SECRET, openWatched, assertApiClean, assertFlowClean, expectError, assertSignedIn,
  findLeak, leaksOf, seenTexts, sessionInfoOf,
} from "./watch.mjs";

const s = suite("sessions");

/** A fresh watched page for `body(page)`; no uncaught page errors; closed afterwards. */
async function withPage(body) {
  const page = await openWatched(s);
  try {
    await body(page);
    assert.deepEqual(page.problems, [], "uncaught errors in the page");
  } finally {
    await page.closeAll();
  }
}

// ---------------------------------------------------------------------------------------------
// Options and the low-level calls
// ---------------------------------------------------------------------------------------------

test("client_secret_with_a_remote_base_url_is_refused", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    // The constructor checks the shape; every option is checked by `ready()` (or the first call).
    const construct = (options) => kit.outcome(async () => { await new ra.RatioAuth(options).ready(); return "ok"; });
    return {
      refused: await construct({ baseUrl: "https://api.ratio.me", clientId: "id", clientSecret: "s3cr3t-value" }),
      allowed: await construct({ baseUrl: "https://api.ratio.me", clientId: "id", clientSecret: "s", dangerouslyAllowClientSecretInBrowser: true }),
    };
  });
  assert.ok(r.refused.error, "a client secret for a remote baseUrl was accepted");
  assert.equal(r.refused.error.kind, "config");
  assert.ok(!String(r.refused.error.message ?? "").includes("s3cr3t-value"));
  // Allowed when asked for explicitly.
  assert.deepEqual(r.allowed, { ok: "ok" });
}));

test("sign_in_options_are_checked", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const wallet = kit.testWallet();
    const auth = new ra.RatioAuth(kit.baseOptions());
    return {
      bad: await kit.outcome(() => auth.signIn({ prompts: {}, provder: 1 })),
      noPrompts: await kit.outcome(() => auth.signIn({ provider: wallet.provider })),
    };
  });
  expectError(r.bad, "config");
  expectError(r.noPrompts, "config");
}));

test("low_level_api_calls", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const strip = ({ res, seen }) => ({ res, seen });
    const auth = new ra.RatioAuth(kit.baseOptions());
    const api = auth.api;
    const key = kit.randomKey();
    const address = watch.checksum(kit.addressOf(key));
    const out = {};
    out.start = strip(await watch.watched(() => api.walletStart({ walletAddress: address })));
    const signature = kit.signPersonal(key, new TextEncoder().encode(out.start.res.ok.challenge));
    out.signedIn = strip(await watch.watched(() => api.walletAuthenticate({ walletAddress: address, signature })));
    const walletJwt = out.signedIn.res.ok.sessionJwt;
    const phone = kit.randomPhone();
    out.sent = strip(await watch.watched(() => api.smsSend({ phoneNumber: phone }, { jwt: walletJwt })));
    const phoneId = out.sent.res.ok.phoneId;
    out.wrong = strip(await watch.watched(() => api.smsAuthenticate({ phoneId, otp: "000000" }, { jwt: walletJwt })));
    const outbox = await kit.sandboxGet("/sandbox/outbox?to=" + encodeURIComponent(phone));
    const code = outbox.body[0].otp;
    out.right = strip(await watch.watched(() => api.smsAuthenticate({ phoneId, otp: code }, { jwt: walletJwt })));
    // Arguments are checked before anything is sent, without echoing them.
    out.badArgument = strip(await watch.watched(() => api.walletStart({ walletAddress: "0x12" })));
    // A JWT Ratio cannot read is refused (401 INVALID_JWT).
    const other = watch.checksum(kit.addressOf(kit.randomKey()));
    out.notAJwt = strip(await watch.watched(() => api.walletAddToUser({ walletAddress: other }, { jwt: "not-a-jwt" })));
    return out;
  });
  for (const [name, out] of Object.entries(r)) assertApiClean(out, name);
  assert.ok(r.start.res.ok, JSON.stringify(r.start.res));
  assert.ok(r.signedIn.res.ok, JSON.stringify(r.signedIn.res));
  assert.equal("userMask" in r.signedIn.res.ok, false, "a new user");
  assert.ok(r.sent.res.ok, JSON.stringify(r.sent.res));

  const wrong = expectError(r.wrong.res, "invalidOtp");
  assert.equal(wrong.status, 401);
  assert.equal(wrong.code, "INVALID_OTP");
  // Ratio's own message is the details; the short message is the SDK's line.
  assert.ok(wrong.shortMessage.startsWith("api.smsAuthenticate: "), wrong.shortMessage);
  assert.ok(!wrong.shortMessage.includes("Ratio:"), wrong.shortMessage);
  assert.equal(wrong.message, `${wrong.shortMessage} (Ratio: ${wrong.details})`);

  assert.ok(r.right.res.ok, JSON.stringify(r.right.res));
  assert.equal(r.right.res.ok.sessionJwt.split(".").length, 3);

  const bad = expectError(r.badArgument.res, "config");
  assert.equal(typeof bad.message, "string");
  const notAJwt = expectError(r.notAJwt.res, "server");
  assert.equal(notAJwt.status, 401);
}));

// ---------------------------------------------------------------------------------------------
// Options in whole sign-ins: `storage: "sessionStorage"` and `clientSessionId`
// ---------------------------------------------------------------------------------------------

test("session_storage_keeps_the_session_for_the_tab", () => withPage(async (page) => {
  const first = await page.evaluate(async () => {
    sessionStorage.clear();
    const out = { sessionLengthBefore: sessionStorage.length, localBefore: localStorage.length };
    // The shell's key (npm/index.js): the wasm's was `ratio-auth:sessionJwt:<baseUrl>`.
    const key = "ratio-auth:session:" + location.origin;
    const wallet = kit.testWallet();
    const who = watch.contact();
    await watch.createUser(who, wallet.address);
    const options = kit.baseOptions({ storage: "sessionStorage" });
    const auth = new ra.RatioAuth(options);
    out.sessionBefore = await auth.session();
    const run = kit.makeSignIn(wallet.provider, { phone: who.phone, email: who.email });
    out.flow = await watch.checked(auth, run);
    out.address = watch.checksum(wallet.address);
    out.stored = sessionStorage.getItem(key);
    out.sessionLength = sessionStorage.length;
    out.sessionDump = kit.storageDump("sessionStorage");
    out.localLength = localStorage.length;
    out.localDump = JSON.stringify(kit.storageDump("localStorage"));
    // The instance reads it back, with what the JWT says about itself.
    out.session = await auth.session();
    // A new instance with the same options and baseUrl sees it too...
    out.again = await new ra.RatioAuth(options).session();
    // ...but not one keeping its session in memory (the default), nor one for another baseUrl.
    out.memory = await new ra.RatioAuth(kit.baseOptions()).session();
    out.elsewhere = await new ra.RatioAuth(kit.baseOptions({ storage: "sessionStorage", baseUrl: location.origin + "/proxy" })).session();
    return out;
  });
  assert.equal(first.sessionLengthBefore, 0);
  assert.equal(first.sessionBefore, null);
  assertFlowClean(first.flow);
  assert.ok(first.flow.res.ok, JSON.stringify(first.flow.res));
  const result = first.flow.res.ok;
  assertSignedIn(result, "returning", first.address, true);
  const jwt = result.sessionJwt;

  // Stored under the SDK's key, and nowhere else; never localStorage.
  assert.equal(first.stored, jwt);
  assert.equal(first.sessionLength, 1, JSON.stringify(first.sessionDump));
  assert.equal(first.localLength, first.localBefore);
  assert.equal(first.localLength, 0, first.localDump);
  assert.ok(!first.localDump.includes(jwt));

  assert.equal(first.session.sessionJwt, jwt);
  assert.deepEqual(first.session.factors, ["wallet", "sms"]);
  assert.equal(first.session.expired, false);
  assert.equal(first.again.sessionJwt, jwt);
  assert.deepEqual(first.again.factors, ["wallet", "sms"]);
  assert.equal(first.memory, null);
  assert.equal(first.elsewhere, null);

  // A real reload of the tab (the Rust test could only make a new instance): the session is
  // still there; then signOut removes it from sessionStorage, for every instance.
  await page.reloadAll();
  const after = await page.evaluate(async () => {
    const key = "ratio-auth:session:" + location.origin;
    const options = kit.baseOptions({ storage: "sessionStorage" });
    const auth = new ra.RatioAuth(options);
    const other = new ra.RatioAuth(options);
    const out = { reloaded: await auth.session(), otherBefore: await other.session() };
    await auth.signOut();
    out.stored = sessionStorage.getItem(key);
    out.sessionLength = sessionStorage.length;
    out.session = await auth.session();
    out.other = await other.session();
    out.localLength = localStorage.length;
    sessionStorage.clear();
    return out;
  });
  assert.equal(after.reloaded.sessionJwt, jwt);
  assert.deepEqual(after.reloaded.factors, ["wallet", "sms"]);
  assert.equal(after.otherBefore.sessionJwt, jwt);
  assert.equal(after.stored, null);
  assert.equal(after.sessionLength, 0);
  assert.equal(after.session, null);
  assert.equal(after.other, null);
  assert.equal(after.localLength, 0);
}));

test("client_session_id_signs_in_without_the_secret", () => withPage(async (page) => {
  // A returning user, then a new one: each under a client session minted for its wallet.
  for (const returning of [true, false]) {
    const r = await page.evaluate(async (returning) => {
      const wallet = kit.testWallet();
      const who = watch.contact();
      if (returning) await watch.createUser(who, wallet.address);
      const out = { address: watch.checksum(wallet.address) };
      out.created = await watch.createClientSession(wallet.address);
      if (out.created.status !== 201) return out;
      const id = out.created.body.id;
      // It proves itself with the client session only (no clientId, no secret).
      const { clientId, clientSecret, ...options } = kit.baseOptions();
      const auth = new ra.RatioAuth({ ...options, clientSessionId: id });
      const run = kit.makeSignIn(wallet.provider, { phone: who.phone, email: who.email });
      out.flow = await watch.checked(auth, run);
      out.session = await auth.session();
      out.readBack = await kit.sandboxGet("/v1/client/sessions/" + id);
      return out;
    }, returning);
    const path = returning ? "returning" : "new";
    assert.equal(r.created.status, 201, JSON.stringify(r.created.body));
    assert.equal(r.created.body.signingAddress, r.address);
    const id = r.created.body.id;
    assertFlowClean(r.flow, path);
    assert.ok(r.flow.res.ok, JSON.stringify(r.flow.res));
    const result = r.flow.res.ok;
    assertSignedIn(result, path, r.address, true);
    assert.deepEqual(result.factors, ["wallet", "sms"]);
    assert.equal(r.session.sessionJwt, result.sessionJwt);
    // The sandbox recorded the sign-in under that client session: the integrator's backend
    // reads back the final, two-factor JWT.
    assert.equal(r.readBack.status, 200, r.readBack.text);
    assert.equal(r.readBack.body.id, id);
    assert.equal(r.readBack.body.sessionJwt, result.sessionJwt, path);
    const mask = r.readBack.body.userMask;
    if (returning) assert.ok(typeof mask === "object" && mask !== null && !Array.isArray(mask), r.readBack.text);
  }
}));

test("client_session_of_another_wallet_is_refused", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const wallet = kit.testWallet();
    const other = kit.addressOf(kit.randomKey());
    const created = await watch.createClientSession(other);
    const { clientId, clientSecret, ...options } = kit.baseOptions();
    const auth = new ra.RatioAuth({ ...options, clientSessionId: created.body.id });
    const run = kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail() });
    const flow = await watch.checked(auth, run);
    return { created, flow, calls: wallet.provider.calls.slice() };
  });
  assert.equal(r.created.status, 201, JSON.stringify(r.created.body));
  assertFlowClean(r.flow);
  const error = expectError(r.flow.res, "config");
  assert.equal(error.code, "INVALID_WALLET_ADDRESS");
  assert.equal(error.status, 400);
  // Refused at wallet start: the wallet was never asked to sign, and nothing was retried.
  assert.ok(!r.calls.includes("personal_sign"), JSON.stringify(r.calls));
  const starts = r.flow.events.filter((e) => e.type === "requestSent" && e.endpoint === "walletStart").length;
  assert.equal(starts, 1);
  const last = r.flow.events.at(-1);
  assert.equal(last.type, "failed");
  assert.equal(last.error.code, "INVALID_WALLET_ADDRESS");
  assert.equal(last.error.endpoint, "walletStart");
}));

test("a_new_sign_in_forgets_the_previous_session", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const wallet = kit.testWallet();
    const who = watch.contact();
    await watch.createUser(who, wallet.address);
    const auth = new ra.RatioAuth(kit.baseOptions());
    const first = await watch.checked(auth, kit.makeSignIn(wallet.provider, { phone: who.phone, email: who.email }));
    const sessionAfterFirst = await auth.session();
    // The next user's sign-in fails (the wallet refuses to sign): the last user's JWT is gone.
    const refusing = kit.testWallet("reject4001");
    const second = await watch.checked(auth, kit.makeSignIn(refusing.provider, { phone: kit.randomPhone(), email: kit.randomEmail() }));
    return { first, sessionAfterFirst, second, sessionAfterSecond: await auth.session() };
  });
  assertFlowClean(r.first);
  assert.ok(r.first.res.ok, JSON.stringify(r.first.res));
  assert.equal(r.sessionAfterFirst.sessionJwt, r.first.res.ok.sessionJwt);
  assertFlowClean(r.second);
  expectError(r.second.res, "userRejected");
  assert.equal(r.sessionAfterSecond, null, "the previous session survived");
}));

test("base_url_ending_in_v1_signs_in", () => withPage(async (page) => {
  for (const suffix of ["/", "/v1", "/v1/"]) {
    const flow = await page.evaluate(async (suffix) => {
      const wallet = kit.testWallet();
      const who = watch.contact();
      await watch.createUser(who, wallet.address);
      const auth = new ra.RatioAuth(kit.baseOptions({ baseUrl: location.origin + suffix }));
      return watch.checked(auth, kit.makeSignIn(wallet.provider, { phone: who.phone, email: who.email }));
    }, suffix);
    assertFlowClean(flow, suffix);
    assert.ok(flow.res.ok, `${suffix}: ${JSON.stringify(flow.res)}`);
  }
}));

test("cleartext_base_url_off_loopback_is_a_config_error", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const construct = (options) => kit.outcome(async () => { await new ra.RatioAuth(options).ready(); return "ok"; });
    return {
      refused: await construct({ baseUrl: "http://api.ratio.me" }),
      allowed: await construct({ baseUrl: "http://api.ratio.me", dangerouslyAllowInsecureHttp: true }),
    };
  });
  assert.ok(r.refused.error, "http://api.ratio.me was accepted");
  assert.equal(r.refused.error.kind, "config");
  assert.deepEqual(r.allowed, { ok: "ok" });
}));

test("an_absurd_retry_after_ends_the_flow_promptly_with_a_typed_error", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const wallet = kit.testWallet();
    await kit.addFault({ path: "/v1/auth/cryptoWallet:start", status: 429, retryAfterSeconds: 10_000_000_000_000 });
    const run = kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail() });
    const started = Date.now();
    const flow = await watch.checked(new ra.RatioAuth(kit.baseOptions()), run);
    return { flow, elapsed: Date.now() - started };
  });
  assertFlowClean(r.flow);
  // The bound: promptly, not after waiting out ~317 000 years.
  assert.ok(r.flow.res.error, `signed in despite the 429: ${JSON.stringify(r.flow.res.ok)}`);
  const error = r.flow.res.error;
  assert.equal(error.name, "RatioAuthError");
  assert.equal(typeof error.kind, "string");
  assert.ok(error.retryAt === undefined || error.retryAtIsSafeInteger === true, `retryAt ${error.retryAt}`);
  assert.ok(r.elapsed < 10_000, `took ${r.elapsed} ms`);
  assert.ok(r.flow.events.length > 0);
  for (const event of r.flow.events) assert.ok(typeof event === "object" && event !== null && typeof event.type === "string", JSON.stringify(event));
  assert.equal(r.flow.events.at(-1).type, "failed");
}));

test("a_redirect_or_a_huge_body_ends_sign_in_with_bad_response", () => withPage(async (page) => {
  for (const fault of [
    { path: "/v1/auth/cryptoWallet:start", status: 302, location: "http://evil.example/" },
    { path: "/v1/auth/cryptoWallet:start", status: 200, body: "{}", bodyBytes: 30_000_000 },
  ]) {
    const flow = await page.evaluate(async (fault) => {
      const wallet = kit.testWallet();
      await kit.addFault(fault);
      const run = kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail() });
      return watch.checked(new ra.RatioAuth(kit.baseOptions()), run);
    }, fault);
    const label = JSON.stringify(fault);
    assertFlowClean(flow, label);
    const error = expectError(flow.res, "badResponse", label);
    assert.equal(typeof error.message, "string", label);
    const starts = flow.events.filter((e) => e.type === "requestSent" && e.endpoint === "walletStart").length;
    assert.equal(starts, 1, `not retried: ${label}`);
    assert.equal(flow.events.at(-1).type, "failed");
  }
}));

test("the_leak_check_sees_console_lines_errors_and_received_jwts", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const auth = new ra.RatioAuth(kit.baseOptions());
    const key = kit.randomKey();
    const address = watch.checksum(kit.addressOf(key));
    const start = await watch.watched(() => auth.api.walletStart({ walletAddress: address }));
    const signature = kit.signPersonal(key, new TextEncoder().encode(start.res.ok.challenge));
    const signedIn = await watch.watched(() => auth.api.walletAuthenticate({ walletAddress: address, signature }));
    const jwt = signedIn.res.ok.sessionJwt;
    // A JWT in a console line (nothing fetched while watching), then in an error's `cause`.
    const consoleLine = await watch.watched(() => {
      console.warn("token " + jwt);
      return Promise.reject(new Error("plain"));
    });
    const error = new Error("outer");
    error.cause = new Error("inner " + jwt);
    const inCause = await watch.watched(() => Promise.reject(error));
    return { jwt, signedInSeen: signedIn.seen, consoleLine: consoleLine.seen, inCause: inCause.seen };
  });
  // The watch saw the JWT arrive in the response it was watching.
  assert.ok(r.signedInSeen.jwts.includes(r.jwt));
  assert.deepEqual(leaksOf(r.consoleLine).jwts, [], "no fetch while watching");
  const withJwt = { jwts: [r.jwt], otps: ["123456"] };
  assert.notEqual(findLeak(withJwt, seenTexts(r.consoleLine)), null, JSON.stringify(r.consoleLine));
  assert.notEqual(findLeak(withJwt, seenTexts(r.inCause)), null, `cause: ${JSON.stringify(r.inCause)}`);
  // The secret and a code typed are caught too, but not the same digits inside a longer number.
  for (const [text, leaks] of [
    [`x ${CLIENT_SECRET}`, true],
    ["code 123456.", true],
    ["at 1712345678901", false],
  ]) {
    assert.equal(findLeak(withJwt, [["a console line", text]]) !== null, leaks, text);
  }
}));

// ---------------------------------------------------------------------------------------------
// A sign-in that survives a reload (flowStorage). The first page's sign-in is stopped with its
// signal (which keeps the saved flow, and is asserted), then the tab really reloads (the Rust
// test could only make a new instance) and the reloaded page resumes it. The wallet's key goes
// through the reload as bytes: it is the same wallet.
// ---------------------------------------------------------------------------------------------

test("a_reload_at_the_link_paths_code_prompt_resumes_and_links", () => withPage(async (page) => {
  const before = await page.evaluate(async () => {
    sessionStorage.clear();
    const wallet = kit.testWallet();
    const who = watch.contact();
    const userId = await watch.createUser(who, null);
    const first = kit.makeSignIn(wallet.provider, { phone: who.phone, email: who.email, otpNever: true });
    const abandoned = new ra.RatioAuth(watch.flowStorageOptions()).signIn(first.options);
    const pending = await watch.pendingAt("otp");
    first.controller.abort();
    const stopped = await kit.outcome(() => abandoned);
    return { key: Array.from(wallet.key), address: watch.checksum(wallet.address), who, userId, pending, stopped, sms: await watch.smsSentTo(who.phone) };
  });
  assert.equal(before.pending.path, "linked");
  assert.equal(before.pending.walletAddress, before.address);
  assert.equal(before.pending.phoneMask, before.who.phone.slice(-4));
  assert.ok(before.pending.expiresAt > 0);
  expectError(before.stopped, "aborted");
  assert.equal(before.sms, 1);

  // The reloaded page: a new instance, a new set of prompts, the same wallet.
  await page.reloadAll();
  const r = await page.evaluate(async ({ key, who, userId }) => {
    const wallet = kit.testWallet("ok", { key: new Uint8Array(key) });
    const auth = new ra.RatioAuth(watch.flowStorageOptions());
    const pendingBefore = await auth.pendingSignIn();
    const second = kit.makeSignIn(wallet.provider, { phone: who.phone, email: who.email });
    const flow = await watch.checked(auth, second, "resumeSignIn");
    return {
      pendingBefore,
      flow,
      sms: await watch.smsSentTo(who.phone),
      wallets: await watch.walletsOf(userId),
      pendingAfter: await auth.pendingSignIn(),
      sessionAfter: await auth.session(),
    };
  }, before);
  assert.notEqual(r.pendingBefore, null);
  assertFlowClean(r.flow);
  assert.ok(r.flow.res.ok, JSON.stringify(r.flow.res));
  assertSignedIn(r.flow.res.ok, "linked", before.address, false);
  // It went on from the code prompt: no phone prompt, no second confirmation, no new SMS.
  assert.deepEqual(r.flow.prompts.map((p) => p.kind), ["otp", "email", "otp"]);
  assert.equal(r.sms, 1);
  assert.equal(r.flow.events[0].type, "resumed", JSON.stringify(r.flow.events));
  assert.equal(r.flow.events[0].state, "smsOtpPrompt");
  assert.deepEqual(r.wallets, [{ address: before.address, verified: false }]);
  // Finished: nothing is pending any more, and the session is stored.
  assert.equal(r.pendingAfter, null);
  assert.ok(typeof r.sessionAfter === "object" && r.sessionAfter !== null);
}));

test("a_reload_during_the_back_off_resumes_after_it", () => withPage(async (page) => {
  const before = await page.evaluate(async () => {
    sessionStorage.clear();
    const wallet = kit.testWallet();
    const who = watch.contact();
    const userId = await watch.createUser(who, null);
    // Posted at the confirm prompt: the link path's token-less SMS send meets a 429.
    const fault = { path: "/v1/auth/otp/sms:send", status: 429, retryAfterSeconds: 2, count: 1 };
    const first = kit.makeSignIn(wallet.provider, { phone: who.phone, email: who.email, faultOnConfirm: fault });
    const abandoned = new ra.RatioAuth(watch.flowStorageOptions()).signIn(first.options);
    const pending = await watch.pendingAt("backoff");
    first.controller.abort();
    const stopped = await kit.outcome(() => abandoned);
    const backoff = kit.runRecord(first).events.map((e) => e.event).find((e) => e.type === "backingOff" && e.reason === "rateLimited");
    return { key: Array.from(wallet.key), address: watch.checksum(wallet.address), who, userId, pending, stopped, untilMs: backoff?.untilMs, sms: await watch.smsSentTo(who.phone) };
  });
  assert.equal(before.pending.path, "linked");
  expectError(before.stopped, "aborted");
  assert.equal(typeof before.untilMs, "number", "the first page backed off");
  assert.equal(before.sms, 0);

  await page.reloadAll();
  const r = await page.evaluate(async ({ key, who, userId }) => {
    const wallet = kit.testWallet("ok", { key: new Uint8Array(key) });
    const auth = new ra.RatioAuth(watch.flowStorageOptions());
    const second = kit.makeSignIn(wallet.provider, { phone: who.phone, email: who.email });
    const flow = await watch.checked(auth, second, "resumeSignIn");
    return { flow, sms: await watch.smsSentTo(who.phone), wallets: await watch.walletsOf(userId) };
  }, before);
  assertFlowClean(r.flow);
  assert.ok(r.flow.res.ok, JSON.stringify(r.flow.res));
  assertSignedIn(r.flow.res.ok, "linked", before.address, false);
  assert.deepEqual(r.flow.prompts.map((p) => p.kind), ["otp", "email", "otp"]);
  assert.equal(r.sms, 1);
  // The resumed flow still waited out the server's Retry-After before sending.
  const sent = r.flow.record.events.find((e) => e.event.type === "requestSent" && e.event.endpoint === "smsSend");
  assert.ok(sent, "the send went out");
  // Both clocks are the page's (the reloaded page's is the same clock); allow 1 ms for the
  // engine reading it first.
  assert.ok(sent.at >= before.untilMs - 1, `sent ${before.untilMs - sent.at} ms before the back-off ended`);
  assert.deepEqual(r.wallets, [{ address: before.address, verified: false }]);
}));

test("resume_refuses_another_account_nothing_saved_and_damaged_saves", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    sessionStorage.clear();
    const out = {};
    const auth = new ra.RatioAuth(watch.flowStorageOptions());
    const wallet = kit.testWallet();
    const run = kit.makeSignIn(wallet.provider, {});

    // Nothing saved.
    out.nothingPending = await auth.pendingSignIn();
    out.nothing = await watch.checked(auth, run, "resumeSignIn");

    // A saved flow of another wallet: refused, and kept.
    const who = watch.contact();
    await watch.createUser(who, null);
    const first = kit.makeSignIn(wallet.provider, { phone: who.phone, email: who.email, otpNever: true });
    const abandoned = auth.signIn(first.options);
    await watch.pendingAt("otp");
    first.controller.abort();
    await kit.outcome(() => abandoned);
    const other = kit.testWallet();
    out.otherWallet = await watch.checked(auth, kit.makeSignIn(other.provider, {}), "resumeSignIn");
    out.keptAfterOther = await auth.pendingSignIn();

    // Damaged: cleared, and a typed error. (The wasm's FlowStore key and snapshot format.)
    const key = "ratio-auth:pendingSignIn:" + location.origin;
    const saved = sessionStorage.getItem(key);
    out.saved = saved;
    if (saved === null) return out;
    sessionStorage.setItem(key, saved.replace('"version":1', '"version":99'));
    out.damaged = await watch.checked(auth, run, "resumeSignIn");
    out.afterDamaged = sessionStorage.getItem(key);

    // discardPendingSignIn forgets it.
    sessionStorage.setItem(key, saved);
    out.beforeDiscard = await auth.pendingSignIn();
    await auth.discardPendingSignIn();
    out.afterDiscard = await auth.pendingSignIn();

    // flowStorage without a sessionStorage session is refused, and "none" saves nothing.
    out.refused = await kit.outcome(async () => {
      await new ra.RatioAuth({ baseUrl: location.origin, clientId: "sandbox", clientSecret: kit.CLIENT_SECRET, flowStorage: "sessionStorage" }).ready();
      return "ok";
    });
    sessionStorage.setItem(key, saved);
    out.noneSees = await new ra.RatioAuth(kit.baseOptions()).pendingSignIn();
    return out;
  });
  assert.equal(r.nothingPending, null);
  assertFlowClean(r.nothing);
  assert.equal(expectError(r.nothing.res, "resume").reason, "noPendingSignIn");

  assertFlowClean(r.otherWallet);
  assert.equal(expectError(r.otherWallet.res, "resume").reason, "otherWallet");
  assert.notEqual(r.keptAfterOther, null, "a refused resume changed the saved flow");

  assert.notEqual(r.saved, null, "the flow is saved under its key");
  assert.ok(r.saved.includes('"version":1'), "the saved flow says its version");
  assertFlowClean(r.damaged);
  assert.equal(expectError(r.damaged.res, "resume").reason, "unreadable");
  assert.equal(r.afterDamaged, null);

  assert.notEqual(r.beforeDiscard, null);
  assert.equal(r.afterDiscard, null);

  assert.ok(r.refused.error, "flowStorage with a memory session was accepted");
  assert.equal(r.refused.error.kind, "config");
  assert.equal(r.noneSees, null);
}));

// ---------------------------------------------------------------------------------------------
// What the wasm class's `storage: "none"` and `sessionInfo` were for, through the public API:
// the shell keeps the session itself (it always gives the wasm "none"), and refuses "none"
// from the app; an adapter that keeps nothing is the app keeping the JWT; the JWT's claims are
// decoded here, independently of the SDK.
// ---------------------------------------------------------------------------------------------

test("storage_none_keeps_no_session_and_session_info_reads_the_result", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    sessionStorage.clear();
    const out = {};
    out.none = await kit.outcome(() => { new ra.RatioAuth(kit.baseOptions({ storage: "none" })); return "ok"; });
    const nothing = watch.keepsNothing();
    const auth = new ra.RatioAuth(kit.baseOptions({ storage: nothing }));
    const wallet = kit.testWallet();
    out.address = watch.checksum(wallet.address);
    out.flow = await watch.checked(auth, kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail() }));
    out.sessionAfter = await auth.session();
    out.sessionLength = sessionStorage.length;
    await auth.signOut();
    out.sessionAfterSignOut = await auth.session();
    out.adapterCalls = nothing.calls.map(([call]) => call);

    // A memory instance's session() is exactly { sessionJwt, ...what the JWT says }.
    const memory = new ra.RatioAuth(kit.baseOptions());
    out.memoryFlow = await watch.checked(memory, kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail() }));
    out.memorySession = await memory.session();
    return out;
  });
  // The public API has no "none": the shell keeps the session, and refuses the wasm's option.
  assert.equal(expectError(r.none, "config").message.includes("options.storage"), true, r.none.error.message);

  assertFlowClean(r.flow);
  assert.ok(r.flow.res.ok, JSON.stringify(r.flow.res));
  const result = r.flow.res.ok;
  assertSignedIn(result, "new", r.address, true);
  assert.equal(r.sessionAfter, null, "no session kept");
  assert.equal(r.sessionLength, 0);
  assert.equal(r.sessionAfterSignOut, null);
  assert.ok(r.adapterCalls.includes("set"), JSON.stringify(r.adapterCalls));

  // What the JWT says about itself (decoded here) is what the result says.
  assert.deepEqual(sessionInfoOf(result.sessionJwt), { factors: ["wallet", "sms"], expiresAt: result.expiresAt, expired: false });
  assert.deepEqual(result.factors, ["wallet", "sms"]);

  assertFlowClean(r.memoryFlow);
  assert.ok(r.memoryFlow.res.ok, JSON.stringify(r.memoryFlow.res));
  const jwt = r.memorySession.sessionJwt;
  assert.equal(jwt, r.memoryFlow.res.ok.sessionJwt);
  assert.deepEqual(r.memorySession, { sessionJwt: jwt, ...sessionInfoOf(jwt) });
  assert.deepEqual(r.memorySession.factors, ["wallet", "sms"]);
}));

test("storage_none_can_save_an_unfinished_sign_in", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    sessionStorage.clear();
    const out = {};
    out.none = await kit.outcome(() => { new ra.RatioAuth(kit.baseOptions({ storage: "none", flowStorage: "sessionStorage" })); return "ok"; });
    // The app keeps the session (an adapter that keeps nothing here); the sign-in may be saved.
    const auth = new ra.RatioAuth(kit.baseOptions({ storage: watch.keepsNothing(), flowStorage: "sessionStorage" }));
    const wallet = kit.testWallet();
    out.address = watch.checksum(wallet.address);
    const run = kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail(), otpNever: true, abortAfterMs: 100 });
    out.flow = await watch.checked(auth, run);
    out.pending = await auth.pendingSignIn();
    out.session = await auth.session();
    await auth.discardPendingSignIn();
    out.afterDiscard = await auth.pendingSignIn();
    out.sessionLength = sessionStorage.length;
    return out;
  });
  expectError(r.none, "config");
  assertFlowClean(r.flow);
  expectError(r.flow.res, "aborted");
  assert.equal(r.pending?.step, "otp", JSON.stringify(r.pending));
  assert.equal(r.pending.walletAddress, r.address);
  assert.equal(r.session, null);
  assert.equal(r.afterDiscard, null);
  assert.equal(r.sessionLength, 0);
}));

test("an_api_network_failure_keeps_fetchs_error_as_cause", () => withPage(async (page) => {
  const out = await page.evaluate(async () => {
    const auth = new ra.RatioAuth(kit.baseOptions({ baseUrl: "http://127.0.0.1:9" }));
    const address = watch.checksum(kit.addressOf(kit.randomKey()));
    const { res, seen } = await watch.watched(() => auth.api.walletStart({ walletAddress: address }, { signal: null }));
    return { res, seen };
  });
  assertApiClean(out);
  const error = expectError(out.res, "network");
  assert.equal(error.cause?.isTypeError, true, `cause: ${JSON.stringify(error.cause)}`);
  assert.equal(error.shortMessage, "api.walletStart: network error");
  assert.ok(error.details.startsWith("POST http://127.0.0.1:9/v1/auth/cryptoWallet:start: "), error.details);
  assert.ok(error.details.endsWith(error.cause.message), error.details);
}));

test("api_calls_abort_with_the_signals_reason_before_and_during_the_request", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const auth = new ra.RatioAuth(kit.baseOptions());
    // The package fetches its .wasm at the first call: loaded first, so that the spies see
    // only requests to Ratio (the wasm class was loaded before the Rust test began).
    await auth.ready();
    // Already aborted: every call rejects `aborted` with the reason, and nothing is fetched.
    const spy = kit.fetchSpy(false);
    spy.controller.abort(spy.reason);
    const before = [];
    for (const [name, call] of watch.everyApiCall(auth, spy.controller.signal)) {
      const out = await watch.watched(call);
      before.push({ name, res: out.res, seen: out.seen, sameCause: Object.is(out.raw?.cause, spy.reason) });
    }
    const fetchedBefore = spy.stop();

    // Aborted while the request is under way (the server holds it): the fetch itself is
    // aborted, and the call rejects with the reason.
    await kit.resetSandbox();
    await kit.addFault({ path: "/v1/auth/cryptoWallet:start", status: 200, delayMs: 5000 });
    const address = watch.checksum(kit.addressOf(kit.randomKey()));
    const during = kit.fetchSpy(true);
    const duringOut = await watch.watched(() => auth.api.walletStart({ walletAddress: address }, { signal: during.controller.signal }));
    const fetchedDuring = during.stop();
    await kit.resetSandbox();

    // A signal that never fires changes nothing: the call goes through.
    const quiet = kit.fetchSpy(false);
    const quietOut = await watch.watched(() => auth.api.walletStart({ walletAddress: address }, { signal: quiet.controller.signal }));
    const fetchedQuiet = quiet.stop();
    return {
      before,
      fetchedBefore,
      during: { res: duringOut.res, seen: duringOut.seen, sameCause: Object.is(duringOut.raw?.cause, during.reason) },
      fetchedDuring,
      quiet: { res: quietOut.res, seen: quietOut.seen },
      fetchedQuiet,
    };
  });
  for (const call of r.before) {
    assertApiClean(call, call.name);
    expectError(call.res, "aborted", `api.${call.name}`);
    assert.ok(call.sameCause, `api.${call.name}: the cause is the signal's reason`);
  }
  assert.deepEqual(r.fetchedBefore, [], "nothing was sent");

  assertApiClean(r.during);
  expectError(r.during.res, "aborted");
  assert.ok(r.during.sameCause);
  assert.equal(r.fetchedDuring.length, 1, JSON.stringify(r.fetchedDuring));
  assert.ok(r.fetchedDuring[0].url.endsWith("/v1/auth/cryptoWallet:start"), r.fetchedDuring[0].url);
  assert.equal(r.fetchedDuring[0].aborted, true, "the request's own signal fired");

  assertApiClean(r.quiet);
  assert.ok(r.quiet.res.ok, JSON.stringify(r.quiet.res));
  assert.equal(typeof r.quiet.res.ok.challenge, "string");
  assert.equal(r.fetchedQuiet[0].aborted, false);
}));

test("an_api_signal_that_is_not_an_abort_signal_is_a_config_error", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const auth = new ra.RatioAuth(kit.baseOptions());
    await auth.ready(); // the .wasm's own fetch, before the spy (see above)
    const spy = kit.fetchSpy(false);
    const out = [];
    for (const [label, signal] of [
      ["an object", { aborted: false }],
      ["a string", "signal"],
      ["a number", 1],
      ["true", true],
      ["a Proxy of a signal", new Proxy(new AbortController().signal, {})],
    ]) {
      for (const [name, call] of watch.everyApiCall(auth, signal)) {
        const { res, seen } = await watch.watched(call);
        out.push({ label: `api.${name} with ${label}`, res, seen });
      }
    }
    return { out, fetched: spy.stop() };
  });
  assert.equal(r.out.length, 45);
  for (const call of r.out) {
    assertApiClean(call, call.label);
    const error = expectError(call.res, "config", call.label);
    assert.ok(error.message.includes("AbortSignal"), `${call.label}: ${error.message}`);
  }
  assert.deepEqual(r.fetched, [], "nothing was sent");
}));
