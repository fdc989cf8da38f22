// Whole sign-ins in Chromium through the package's public API (`new RatioAuth(options)` from
// pkg/index.js, `signIn`, `session()`, `signOut()`), against a fresh sandbox (fixed-OTP off:
// codes come from /sandbox/outbox). A port of the first tests of tests/web_flows.rs, which
// called the wasm's own `RatioAuth` class; these must pass against the package as built today
// and against the JS driver that replaces the wasm's.
//
// Every sign-in goes through `watch.checked` (watch.mjs's page half, the one leak watch the
// browser suites share: tests/support/leaks.js, and a port of web_flows.rs's `Run::sign_in`):
// besides the outcome, no event, no part of the error and no console line of the flow may hold a
// JWT the page received, a code, or the client secret (watch.mjs's `assertFlowClean`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./harness.mjs";
import { openWatched, assertFlowClean, expectError as expectErrorOf, assertSignedIn, jwtPayload } from "./watch.mjs";

const s = suite("flows");

/** A fresh watched page (kit, the package and watch.mjs's page half); runs `fn(arg)` in it; fails on uncaught page errors. */
async function inPage(fn, arg) {
  const page = await openWatched(s);
  try {
    const result = await page.evaluate(fn, arg);
    assert.deepEqual(page.problems, [], "uncaught errors in the page");
    return result;
  } finally {
    await page.closeAll();
  }
}

/** The flow's outcome (`watch.checked`): leak-checked; a RatioAuthError of `kind`, whose description it returns. */
function expectError(c, kind) {
  assertFlowClean(c);
  return expectErrorOf(c.res, kind);
}

/** The flow's result (`watch.checked`): leak-checked; signed in on `path` with the wallet at `checksum`. */
function expectSignedIn(c, path, checksum, verified) {
  assertFlowClean(c);
  assert.ok(c.res.ok, `expected a sign-in, got ${JSON.stringify(c.res.error)}`);
  assertSignedIn(c.res.ok, path, checksum, verified);
  return c.res.ok;
}

/** Events must be typed and never carry the JWT or a code. */
function assertEventsClean(events, secrets) {
  assert.ok(events.length > 0);
  for (const event of events) assert.equal(typeof event.type, "string", JSON.stringify(event));
  const text = JSON.stringify(events);
  for (const secret of secrets) {
    assert.ok(secret.length > 0);
    assert.ok(!text.includes(secret), "an event carries a secret");
  }
}

const kindsOf = (prompts) => prompts.map((p) => p.kind);
const last = (list) => list[list.length - 1];

// ---------------------------------------------------------------------------------------------
// The four flows
// ---------------------------------------------------------------------------------------------

test("returning user: wallet then sms", async () => {
  const r = await inPage(async () => {
    const wallet = kit.testWallet();
    const contact = watch.contact();
    await watch.createUser(contact, wallet.address);
    const auth = new ra.RatioAuth(kit.baseOptions());
    const run = kit.makeSignIn(wallet.provider, { phone: contact.phone, email: contact.email });
    const c = await watch.checked(auth, run);
    const session = await auth.session();
    await auth.signOut();
    const afterSignOut = await auth.session();
    return { c, contact, checksum: watch.checksum(wallet.address), session, afterSignOut };
  });
  const result = expectSignedIn(r.c, "returning", r.checksum, true);
  assert.deepEqual(result.factors, ["wallet", "sms"]);
  assert.equal(typeof result.userMask?.phoneMask, "string", JSON.stringify(result));
  // sms:send needs the whole number: asked, with Ratio's last 4 digits as a hint.
  const prompts = r.c.prompts;
  assert.equal(prompts.length, 2, JSON.stringify(prompts));
  assert.equal(prompts[0].kind, "phoneNumber");
  assert.equal(prompts[0].purpose, "secondFactor");
  assert.equal(prompts[0].phoneMask, r.contact.phone.slice(-4));
  assert.equal(prompts[1].kind, "otp");
  assert.equal(prompts[1].channel, "sms");
  assert.equal(prompts[1].attempt, 1);
  assert.equal(typeof prompts[1].resendAvailableAt, "number");

  const jwt = result.sessionJwt;
  const code = r.c.record.codes[0];
  assert.equal(typeof code, "string");
  assertEventsClean(r.c.events, [jwt, code, r.contact.phone]);
  assert.ok(r.c.events.some((e) => e.type === "signatureChecked"));
  assert.equal(last(r.c.events).type, "finished");

  // The JWT is kept (memory by default) until signOut.
  assert.equal(r.session?.sessionJwt, jwt);
  assert.equal(JSON.stringify(r.session.factors), '["wallet","sms"]');
  // Not in the Rust test: the token itself says so too (decoded here, not by the SDK).
  const factors = jwtPayload(jwt)["https://stytch.com/session"]?.authentication_factors ?? [];
  assert.deepEqual(factors.map((f) => f.delivery_method), ["crypto_wallet", "sms"]);
  // The wasm class's session() was undefined after signOut; the public one resolves null.
  assert.equal(r.afterSignOut, null);
});

test("new user: wallet then phone", async () => {
  const r = await inPage(async () => {
    const wallet = kit.testWallet();
    const contact = watch.contact();
    const run = kit.makeSignIn(wallet.provider, { phone: contact.phone, email: contact.email });
    const c = await watch.checked(new ra.RatioAuth(kit.baseOptions()), run);
    return { c, checksum: watch.checksum(wallet.address) };
  });
  const result = expectSignedIn(r.c, "new", r.checksum, true);
  assert.equal(result.walletKind, "eoa");
  assert.deepEqual(result.factors, ["wallet", "sms"]);
  assert.equal(result.userMask, undefined, JSON.stringify(result));
  assert.deepEqual(kindsOf(r.c.prompts), ["phoneNumber", "otp"]);
});

test("new wallet of an existing user takes the link path", async () => {
  const r = await inPage(async () => {
    const wallet = kit.testWallet();
    const contact = watch.contact();
    const userId = await watch.createUser(contact, null);
    const run = kit.makeSignIn(wallet.provider, { phone: contact.phone, email: contact.email });
    const c = await watch.checked(new ra.RatioAuth(kit.baseOptions()), run);
    const user = await kit.sandboxGet("/sandbox/users/" + userId);
    return { c, checksum: watch.checksum(wallet.address), user };
  });
  expectSignedIn(r.c, "linked", r.checksum, false);
  assert.deepEqual(kindsOf(r.c.prompts), ["phoneNumber", "confirmLink", "otp", "email", "otp"]);
  assert.equal(r.c.prompts[1].walletAddress, r.checksum);
  assert.ok(r.c.events.some((e) => e.type === "pathChosen" && e.path === "linked"));
  assert.ok(r.c.events.some((e) => e.type === "walletLinked" && e.verified === false));

  // The sandbox agrees: the wallet is the user's, unverified until it next signs in.
  assert.equal(r.user.status, 200);
  assert.deepEqual(r.user.body.wallets, [{ address: r.checksum, verified: false }]);
});

test("link path waits out a 429 Retry-After", async () => {
  const r = await inPage(async () => {
    const wallet = kit.testWallet();
    const contact = watch.contact();
    await watch.createUser(contact, null);
    // Posted at the confirm prompt, i.e. after the 409: it hits the first-factor resend.
    const fault = { path: "/v1/auth/otp/sms:send", status: 429, retryAfterSeconds: 2, count: 1 };
    const run = kit.makeSignIn(wallet.provider, { phone: contact.phone, email: contact.email, faultOnConfirm: fault });
    const c = await watch.checked(new ra.RatioAuth(kit.baseOptions()), run);
    return { c, checksum: watch.checksum(wallet.address) };
  });
  expectSignedIn(r.c, "linked", r.checksum, false);

  const entries = r.c.record.events;
  const limited = entries.find((e) => e.event.type === "responseReceived" && e.event.status === 429);
  assert.ok(limited, "a 429 was received");
  const nextSend = entries.filter((e) => e.at >= limited.at).find((e) => e.event.type === "requestSent" && e.event.endpoint === "smsSend");
  assert.ok(nextSend, "the send was retried");
  // Both stamps are taken after the engine's own clock readings; allow 1 ms of clock skew.
  assert.ok(nextSend.at - limited.at >= 1999, `retried ${nextSend.at - limited.at} ms after a Retry-After of 2 s`);
  assert.ok(entries.some((e) => e.event.type === "backingOff" && e.event.reason === "rateLimited" && typeof e.event.retryAfterMs === "number"));
});

test("factor first: sms then wallet", async () => {
  const r = await inPage(async () => {
    const wallet = kit.testWallet();
    const contact = watch.contact();
    const userId = await watch.createUser(contact, null);
    const run = kit.makeSignIn(wallet.provider, { phone: contact.phone, email: contact.email, firstFactor: "sms" });
    const c = await watch.checked(new ra.RatioAuth(kit.baseOptions()), run);
    const user = await kit.sandboxGet("/sandbox/users/" + userId);
    return { c, checksum: watch.checksum(wallet.address), user };
  });
  const result = expectSignedIn(r.c, "factorFirst", r.checksum, true);
  assert.deepEqual(result.factors, ["sms", "wallet"]);
  assert.deepEqual(r.user.body.wallets, [{ address: r.checksum, verified: true }]);
});

// ---------------------------------------------------------------------------------------------
// Users and wallets misbehaving
// ---------------------------------------------------------------------------------------------

test("wrong code then right code", async () => {
  const r = await inPage(async () => {
    const wallet = kit.testWallet();
    const contact = watch.contact();
    await watch.createUser(contact, wallet.address);
    const run = kit.makeSignIn(wallet.provider, { phone: contact.phone, email: contact.email, wrongOtpFirst: true });
    const c = await watch.checked(new ra.RatioAuth(kit.baseOptions()), run);
    return { c, checksum: watch.checksum(wallet.address) };
  });
  expectSignedIn(r.c, "returning", r.checksum, true);
  const otp = r.c.prompts.filter((p) => p.kind === "otp");
  assert.equal(otp.length, 2);
  assert.equal(otp[0].attempt, 1);
  assert.equal(otp[0].problem, undefined);
  assert.equal(otp[1].attempt, 2);
  assert.equal(otp[1].problem, "wrongCode");
  assert.ok(r.c.events.some((e) => e.type === "otpRejected"));
});

test("the otp prompt asks for a resend", async () => {
  const r = await inPage(async () => {
    const wallet = kit.testWallet();
    const run = kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail(), resendFirst: { resend: true } });
    return { c: await watch.checked(new ra.RatioAuth(kit.baseOptions()), run) };
  });
  expectError(r.c, "aborted");
  const scheduled = r.c.events.filter((e) => e.type === "resendScheduled");
  assert.equal(scheduled.length, 1);
  assert.equal(scheduled[0].channel, "sms");
});

test("the string resend is a code that is not six digits", async () => {
  const r = await inPage(async () => {
    const wallet = kit.testWallet();
    const phone = kit.randomPhone();
    const run = kit.makeSignIn(wallet.provider, { phone, email: kit.randomEmail(), resendFirst: "resend" });
    const c = await watch.checked(new ra.RatioAuth(kit.baseOptions()), run);
    return { c, checksum: watch.checksum(wallet.address), smsSent: await watch.smsSentTo(phone) };
  });
  expectSignedIn(r.c, "new", r.checksum, true);
  const otp = r.c.prompts.filter((p) => p.kind === "otp");
  assert.equal(otp.length, 2, "asked again");
  assert.equal(otp[0].problem, undefined);
  assert.equal(otp[1].problem, "notSixDigits");
  const events = r.c.events;
  assert.ok(!events.some((e) => e.type === "resendScheduled"), JSON.stringify(events));
  assert.ok(events.some((e) => e.type === "answerRejected" && e.prompt === "otp" && e.problem === "notSixDigits"));
  assert.equal(r.smsSent, 1, "no second code was sent");
});

test("user rejection 4001", async () => {
  const r = await inPage(async () => {
    const wallet = kit.testWallet("reject4001");
    const run = kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail() });
    return { c: await watch.checked(new ra.RatioAuth(kit.baseOptions()), run) };
  });
  const error = expectError(r.c, "userRejected");
  assert.equal(error.walletCode, 4001);
  // The wallet's own error is the cause; its message is the details, not the short message.
  assert.ok(error.cause?.isError, `cause: ${JSON.stringify(error.cause)}`);
  assert.equal(error.cause.code, 4001);
  assert.equal(error.cause.message, "User rejected the request.");
  assert.equal(error.details, "User rejected the request.");
  assert.equal(error.shortMessage, "the user rejected the request in the wallet");
  const end = last(r.c.events);
  assert.equal(end.type, "failed");
  assert.equal(end.error.kind, "userRejected");
});

test("user rejection -32603 quirk", async () => {
  const r = await inPage(async () => {
    const wallet = kit.testWallet("quirk");
    const run = kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail() });
    return { c: await watch.checked(new ra.RatioAuth(kit.baseOptions()), run) };
  });
  const error = expectError(r.c, "userRejected");
  assert.equal(error.walletCode, -32603);
  assert.equal(error.cause?.code, -32603);
  assert.equal(error.cause.data?.originalError?.code, 4001);
});

test("a wallet failure while connecting keeps the wallet's error", async () => {
  const r = await inPage(async () => {
    const wallet = kit.testWallet("disconnected");
    const run = kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail() });
    return { c: await watch.checked(new ra.RatioAuth(kit.baseOptions()), run) };
  });
  const error = expectError(r.c, "wallet");
  assert.equal(error.reason, "disconnected");
  assert.ok(error.cause?.isError, `cause: ${JSON.stringify(error.cause)}`);
  assert.equal(error.cause.code, 4900);
  assert.equal(error.shortMessage, "the wallet is disconnected");
  assert.equal(error.details, "Disconnected from all chains");
});

test("abort mid flow", async () => {
  const r = await inPage(async () => {
    const wallet = kit.testWallet();
    const run = kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail(), otpNever: true, abortAfterMs: 100 });
    return { c: await watch.checked(new ra.RatioAuth(kit.baseOptions()), run) };
  });
  expectError(r.c, "aborted");
  assert.equal(last(r.c.events).error?.kind, "aborted");
});

test("accounts changed mid flow", async () => {
  const r = await inPage(async () => {
    const wallet = kit.testWallet();
    const other = kit.testWallet();
    const run = kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail(), accountsChangedOnOtp: other.address, otpNever: true });
    return { c: await watch.checked(new ra.RatioAuth(kit.baseOptions()), run) };
  });
  const error = expectError(r.c, "wallet");
  assert.equal(error.reason, "accountsChanged");
});

test("a wallet that never answers times out", async () => {
  const r = await inPage(async () => {
    const wallet = kit.testWallet("never");
    const run = kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail() });
    const auth = new ra.RatioAuth(kit.baseOptions({ timeoutMs: 300 }));
    // The package loads its wasm on first use (the Rust test ran inside an already loaded
    // one): ready() keeps that load out of the measured time.
    await auth.ready();
    const started = Date.now();
    const c = await watch.checked(auth, run);
    return { c, elapsed: Date.now() - started };
  });
  expectError(r.c, "timeout");
  assert.ok(r.elapsed < 4000, `${r.elapsed} ms`);
});

test("a signature from another account", async () => {
  const r = await inPage(async () => {
    const key = kit.randomKey();
    const signer = kit.randomKey();
    const wallet = kit.testWallet("ok", { key, signerKey: signer });
    const run = kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail() });
    const c = await watch.checked(new ra.RatioAuth(kit.baseOptions()), run);
    return { c, signerChecksum: watch.checksum(kit.addressOf(signer)) };
  });
  const error = expectError(r.c, "signatureMismatch");
  assert.equal(error.signedBy, r.signerChecksum);
  // Checked locally: the bad signature never reached the server.
  assert.ok(!r.c.events.some((e) => e.type === "requestSent" && e.endpoint === "walletAuthenticate"));
  // This provider has no eth_getCode (4200): treated as no code, and said so.
  assert.ok(r.c.events.some((e) => e.type === "codeCheckFailed" && e.walletCode === 4200), JSON.stringify(r.c.events));
});

// ---------------------------------------------------------------------------------------------
// Smart-contract wallets (the sandbox plays both servers: with and without EIP-1271)
// ---------------------------------------------------------------------------------------------

test("a contract wallet signs in when the server accepts it", async () => {
  const r = await inPage(async () => {
    const support = await watch.setContractSupport(true);
    const wallet = await watch.contractWallet("contract");
    const contact = watch.contact();
    const run = kit.makeSignIn(wallet.provider, { phone: contact.phone, email: contact.email });
    const c = await watch.checked(new ra.RatioAuth(kit.baseOptions()), run);
    return { c, support, checksum: watch.checksum(wallet.address) };
  });
  assert.deepEqual(r.support, { status: 200, body: { accept: true } });
  const result = expectSignedIn(r.c, "new", r.checksum, true);
  assert.equal(result.walletKind, "contract");
  const events = r.c.events;
  assert.ok(
    events.some((e) => e.type === "signatureLeftToServer" && e.walletKind === "contract" && e.evidence === "code" && e.address === r.checksum),
    JSON.stringify(events),
  );
  assert.deepEqual([last(events)?.type, last(events)?.walletKind], ["finished", "contract"]);
  assert.ok(!events.some((e) => e.type === "signatureChecked"));
});

test("a server without contract wallets refuses with a typed error", async () => {
  const r = await inPage(async () => {
    const wallet = await watch.contractWallet("contract");
    const refuse = await watch.setContractSupport(false);
    let c;
    let restore;
    try {
      const run = kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail() });
      c = await watch.checked(new ra.RatioAuth(kit.baseOptions()), run);
    } finally {
      // Put back before asserting, so a failure here does not spill into other tests.
      restore = await watch.setContractSupport(true);
    }
    return { c, refuse, restore };
  });
  assert.deepEqual(r.refuse, { status: 200, body: { accept: false } });
  assert.deepEqual(r.restore, { status: 200, body: { accept: true } });
  const error = expectError(r.c, "contractWalletRefused");
  assert.equal(error.status, 401);
  const message = error.message ?? "";
  assert.ok(message.includes("does not accept contract-wallet signatures"), message);
  assert.ok(!message.includes("made by"), message);
  assert.ok(r.c.events.some((e) => e.type === "requestSent" && e.endpoint === "walletAuthenticate"), "the server was asked");
});

test("an owner signature for an account without code stays a mismatch", async () => {
  const r = await inPage(async () => {
    const wallet = await watch.contractWallet("contractNoCode");
    const run = kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail() });
    return { c: await watch.checked(new ra.RatioAuth(kit.baseOptions()), run) };
  });
  expectError(r.c, "signatureMismatch");
  assert.ok(!r.c.events.some((e) => e.type === "requestSent" && e.endpoint === "walletAuthenticate"));
});

// ---------------------------------------------------------------------------------------------
// Servers misbehaving (sandbox faults; each test resets them so none carry over)
// ---------------------------------------------------------------------------------------------

test("malformed JSON is a bad response", async () => {
  const r = await inPage(async () => {
    await kit.resetSandbox();
    try {
      await kit.addFault({ path: "/v1/auth/cryptoWallet:start", status: 200, body: '{"challenge": "Signing in' });
      const wallet = kit.testWallet();
      const run = kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail() });
      return { c: await watch.checked(new ra.RatioAuth(kit.baseOptions()), run) };
    } finally {
      await kit.resetSandbox();
    }
  });
  const error = expectError(r.c, "badResponse");
  assert.equal(error.status, 200);
});

test("an HTML 502 page is a server error", async () => {
  const r = await inPage(async () => {
    await kit.resetSandbox();
    try {
      const page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
      await kit.addFault({ path: "/v1/auth/cryptoWallet:start", status: 502, body: page, contentType: "text/html", count: 3 });
      const wallet = kit.testWallet();
      const run = kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail() });
      return { c: await watch.checked(new ra.RatioAuth(kit.baseOptions()), run) };
    } finally {
      await kit.resetSandbox();
    }
  });
  const error = expectError(r.c, "server");
  assert.equal(error.status, 502);
  assert.ok(!(error.message ?? "").includes("<html>"));
  const retries = r.c.events.filter((e) => e.type === "requestSent" && e.endpoint === "walletStart").length;
  assert.equal(retries, 3, "maxAttempts is 3");
});

test("a dropped connection is a network error", async () => {
  const r = await inPage(async () => {
    await kit.resetSandbox();
    try {
      // Chromium silently retries a POST on a dropped keep-alive connection, once per stale
      // pooled socket, so how many drops one attempt uses varies: keep dropping for the whole
      // test (the reset below clears it) so every engine attempt surely meets a dropped line.
      await kit.addFault({ path: "/v1/auth/cryptoWallet:start", status: 502, dropConnection: true, count: 100 });
      const wallet = kit.testWallet();
      const run = kit.makeSignIn(wallet.provider, { phone: kit.randomPhone(), email: kit.randomEmail() });
      return { c: await watch.checked(new ra.RatioAuth(kit.baseOptions()), run) };
    } finally {
      await kit.resetSandbox();
    }
  });
  const error = expectError(r.c, "network");
  assert.ok(r.c.events.some((e) => e.type === "transportFailed" && e.timeout === false));
  // fetch's rejection is the cause; the browser's text is the details only.
  assert.ok(error.cause?.isTypeError, `cause: ${JSON.stringify(error.cause)}`);
  const browserText = error.cause.message;
  assert.equal(typeof browserText, "string");
  const details = error.details;
  const short = error.shortMessage;
  assert.equal(typeof details, "string");
  assert.equal(typeof short, "string");
  assert.ok(details.endsWith(browserText), details);
  assert.ok(short.startsWith("/v1/auth/cryptoWallet:start could not be reached"), short);
  assert.ok(!short.includes(browserText), short);
  assert.ok(!short.includes("POST "), short);
  assert.ok(error.message.includes(details), error.message);
});
