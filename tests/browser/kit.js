// In-page helpers of the browser suites (served as /kit.js): sandbox calls, test wallets whose
// keys live in the page (noble, as the demo's sandbox wallet), the signIn options a test
// inspects (prompts' contexts, events, codes), fetch spies, storage reads.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";

const encoder = new TextEncoder();
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (text) => {
  const clean = text.replace(/^0x/i, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
};

export const CLIENT_SECRET = "sandbox-secret";

/** The options every test starts from: small retries so failures stay fast, bounded totals. */
export function baseOptions(extra = {}) {
  return {
    baseUrl: location.origin,
    clientId: "sandbox",
    clientSecret: CLIENT_SECRET,
    retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 200, maxTotalMs: 10000 },
    timeoutMs: 5000,
    ...extra,
  };
}

export async function sandboxPost(path, body = {}, headers = {}) {
  const response = await fetch(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: response.status, body: json, text };
}

export async function sandboxGet(path) {
  const response = await fetch(path);
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: response.status, body: json, text };
}

export async function addFault(fault) {
  const reply = await sandboxPost("/sandbox/faults", fault);
  if (reply.status !== 200 && reply.status !== 201) throw new Error("fault refused: " + reply.status + " " + reply.text);
}

export async function resetSandbox() {
  const reply = await sandboxPost("/sandbox/reset", {});
  if (reply.status !== 200) throw new Error("reset refused: " + reply.status);
}

export function randomPhone() {
  const r = crypto.getRandomValues(new Uint32Array(2));
  return "+1" + (200 + (r[0] % 800)) + (2_000_000 + (r[1] % 8_000_000));
}

export function randomEmail() {
  return "user" + crypto.randomUUID() + "@example.com";
}

export function randomKey() {
  return secp256k1.utils.randomSecretKey();
}

export function addressOf(key) {
  const pub = secp256k1.getPublicKey(key, false).slice(1);
  return "0x" + hex(keccak_256(pub).slice(-20));
}

/** EIP-191 personal_sign of `bytes` with `key`: 0x r‖s‖v (v 27/28). */
export function signPersonal(key, bytes) {
  const prefix = encoder.encode("\x19Ethereum Signed Message:\n" + bytes.length);
  const digest = keccak_256(new Uint8Array([...prefix, ...bytes]));
  const sig = secp256k1.sign(digest, key, { prehash: false, format: "recovered" });
  // noble's "recovered" format is recovery byte first, then r‖s.
  return "0x" + hex(sig.slice(1)) + (27 + sig[0]).toString(16);
}

/**
 * An EIP-1193 provider for `accounts` that signs with `signerKey`. `mode` makes it reject (4001,
 * the -32603 quirk), never answer, be disconnected, or report contract code.
 */
export function makeProvider(accounts, signerKey, mode = "ok") {
  const listeners = new Map();
  const provider = {
    calls: [],
    request(args) {
      provider.calls.push(args.method);
      switch (args.method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          if (mode === "disconnected") return Promise.reject(Object.assign(new Error("Disconnected from all chains"), { code: 4900 }));
          return Promise.resolve(accounts.slice());
        case "personal_sign":
          if (mode === "reject4001") return Promise.reject(Object.assign(new Error("User rejected the request."), { code: 4001 }));
          if (mode === "quirk") return Promise.reject({ code: -32603, message: "Internal JSON-RPC error.", data: { originalError: { code: 4001, message: "MetaMask Message Signature: User denied message signature." } } });
          if (mode === "never") return new Promise(() => {});
          return Promise.resolve().then(() => signPersonal(signerKey, unhex(args.params[0])));
        case "eth_getCode":
          if (mode === "contract") return Promise.resolve("0x6080604052348015600f57600080fd5b50");
          if (mode === "contractNoCode") return Promise.resolve("0x");
          return Promise.reject({ code: 4200, message: "unsupported " + args.method });
        default:
          return Promise.reject({ code: 4200, message: "unsupported " + args.method });
      }
    },
    on(event, fn) { listeners.set(event, [...(listeners.get(event) || []), fn]); return provider; },
    removeListener(event, fn) { listeners.set(event, (listeners.get(event) || []).filter((f) => f !== fn)); return provider; },
    emit(event, value) { for (const fn of (listeners.get(event) || []).slice()) fn(value); },
  };
  return provider;
}

/** A test wallet: a fresh key (or `key`) behind makeProvider; `signerKey` signs instead when given (the wrong-account wallet). */
export function testWallet(mode = "ok", { key = randomKey(), signerKey } = {}) {
  const address = addressOf(key);
  return { key, address, provider: makeProvider([address], signerKey ?? key, mode) };
}

export async function codeFor(to) {
  for (let i = 0; i < 100; i++) {
    const sent = (await sandboxGet("/sandbox/outbox?to=" + encodeURIComponent(to))).body;
    if (sent && sent.length) return sent[0].otp;
    await sleep(50);
  }
  throw new Error("no code sent to " + to);
}

/**
 * The signIn options plus what the test inspects: `prompts` (their contexts), `events` (with
 * the time they arrived), `codes` (typed right), `typed` (typed wrong). `setup`: { phone, email,
 * firstFactor, account, wrongOtpFirst, otpNever, abortAfterMs, faultOnConfirm,
 * accountsChangedOnOtp, resendFirst }.
 */
export function makeSignIn(provider, setup = {}) {
  const run = { prompts: [], events: [], codes: [], typed: [], controller: new AbortController() };
  let wrongGiven = false;
  const prompts = {
    async phoneNumber(ctx) { run.prompts.push(ctx); return setup.phone; },
    async email(ctx) { run.prompts.push(ctx); return setup.email; },
    async otp(ctx) {
      run.prompts.push(ctx);
      if (setup.accountsChangedOnOtp) provider.emit("accountsChanged", [setup.accountsChangedOnOtp]);
      if (setup.resendFirst && !run.resent) { run.resent = true; return setup.resendFirst; }
      if (setup.otpNever) {
        if (setup.abortAfterMs !== undefined) setTimeout(() => run.controller.abort(), setup.abortAfterMs);
        return new Promise(() => {});
      }
      const code = await codeFor(ctx.channel === "sms" ? setup.phone : setup.email);
      if (setup.wrongOtpFirst && !wrongGiven) { wrongGiven = true; const wrong = code === "000000" ? "111111" : "000000"; run.typed.push(wrong); return wrong; }
      run.codes.push(code);
      return code;
    },
    async confirmLink(ctx) {
      run.prompts.push(ctx);
      if (setup.faultOnConfirm) await addFault(setup.faultOnConfirm);
      return true;
    },
  };
  run.options = {
    provider,
    prompts,
    onEvent(event) {
      run.events.push({ event, at: Date.now() });
      // The resend waits out the engine's 30 s cool-down: seeing it scheduled is enough.
      if (setup.resendFirst && event.type === "resendScheduled") run.controller.abort();
    },
    signal: run.controller.signal,
  };
  if (setup.firstFactor) run.options.firstFactor = setup.firstFactor;
  if (setup.account) run.options.account = setup.account;
  return run;
}

/** What a run recorded, as plain data. */
export function runRecord(run) {
  return JSON.parse(JSON.stringify({ prompts: run.prompts, events: run.events, codes: run.codes, typed: run.typed }));
}

/** The fields of a RatioAuthError (or anything thrown) as plain data, `cause` described. */
export function describeError(error) {
  if (typeof error !== "object" || error === null) return { thrown: String(error) };
  const out = {};
  for (const key of ["name", "kind", "message", "shortMessage", "details", "code", "status", "retryAt", "signedBy", "walletCode", "reason"]) {
    if (error[key] !== undefined) out[key] = error[key];
  }
  out.isError = error instanceof Error;
  out.isTypeError = error instanceof TypeError;
  if (error.cause !== undefined) out.cause = error.cause instanceof Error ? { name: error.cause.name, message: error.cause.message } : error.cause;
  return out;
}

/** Runs `fn`; resolves { ok: value } or { error: describeError(thrown) }. */
export async function outcome(fn) {
  try {
    return { ok: await fn() };
  } catch (error) {
    return { error: describeError(error) };
  }
}

export function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

export function storageDump(name) {
  const storage = window[name];
  const all = {};
  for (let i = 0; i < storage.length; i++) { const key = storage.key(i); all[key] = storage.getItem(key); }
  return all;
}

/**
 * Records every fetch the page makes; with `abortDuring`, aborts `spy.controller` (reason
 * `spy.reason`) once a fetch is under way. `stop()` restores fetch and says what was fetched
 * and whether each request's own signal ended aborted.
 */
export function fetchSpy(abortDuring = false) {
  const spy = { requests: [], original: window.fetch, controller: new AbortController(), reason: new Error("the user left the page") };
  window.fetch = function (...args) {
    spy.requests.push(args);
    const pending = spy.original.apply(this, args);
    if (abortDuring) setTimeout(() => spy.controller.abort(spy.reason), 0);
    return pending;
  };
  spy.stop = () => {
    window.fetch = spy.original;
    return spy.requests.map(([input, init]) => {
      const request = input instanceof Request ? input : null;
      return {
        url: request ? request.url : String(input),
        aborted: request ? request.signal.aborted : Boolean(init?.signal?.aborted),
      };
    });
  };
  return spy;
}
