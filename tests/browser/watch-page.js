// In-page helpers of flows.test.mjs, sessions.test.mjs and hostile.test.mjs that kit.js does not
// have (loaded by watch.mjs from a blob URL as `window.watch`, after tests/support/leaks.js as
// `window.leaks`): the leak watch around a call, EIP-55 checksums computed here (noble, not the
// SDK), sandbox users, contract wallets and client sessions, pendingSignIn polling. Uses the
// page's `kit` and `ra` globals.
import { keccak_256 } from "@noble/hashes/sha3.js";

/** EIP-55 of `address`, computed with noble's keccak (independently of the SDK). */
export function checksum(address) {
  const lower = address.toLowerCase().replace(/^0x/, "");
  const hash = Array.from(keccak_256(new TextEncoder().encode(lower)), (b) => b.toString(16).padStart(2, "0")).join("");
  let out = "0x";
  for (let i = 0; i < lower.length; i += 1) out += parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i];
  return out;
}

const attempt = (fn, fallback) => {
  try { return fn(); } catch { return fallback; }
};
const FIELDS = ["name", "kind", "message", "shortMessage", "details", "code", "status", "retryAt", "signedBy", "walletCode", "reason"];

/** `value` if it is a primitive that serialises (symbols and functions as their type); undefined for an object. */
const primitive = (value) => {
  if (value !== null && typeof value === "object") return undefined;
  return typeof value === "symbol" || typeof value === "function" ? String(typeof value) : value;
};

/**
 * kit.describeError's fields, read so that nothing throws (a hostile value's traps, a cause that
 * is a Proxy): primitives only, plus whether the cause is a (Type)Error, its message, its code
 * (a wallet's error) and its data (as JSON).
 */
export function describe(error) {
  if ((typeof error !== "object" && typeof error !== "function") || error === null) return { thrown: attempt(() => String(error), "(unprintable)") };
  const out = {};
  for (const key of FIELDS) {
    const value = primitive(attempt(() => error[key], "(getter threw)"));
    if (value !== undefined) out[key] = value;
  }
  out.isError = attempt(() => error instanceof Error, false);
  out.isTypeError = attempt(() => error instanceof TypeError, false);
  const cause = attempt(() => error.cause, undefined);
  if (cause !== undefined) {
    if ((typeof cause === "object" || typeof cause === "function") && cause !== null) {
      out.cause = {
        isError: attempt(() => cause instanceof Error, false),
        isTypeError: attempt(() => cause instanceof TypeError, false),
        name: attempt(() => String(cause.name), "(unreadable)"),
        message: attempt(() => String(cause.message), "(unreadable)"),
      };
      const code = primitive(attempt(() => cause.code, "(getter threw)"));
      if (code !== undefined) out.cause.code = code;
      const data = attempt(() => cause.data, "(getter threw)");
      if (data !== undefined) out.cause.data = attempt(() => JSON.parse(JSON.stringify(data)), "(unserialisable)");
    } else {
      out.cause = { value: attempt(() => String(cause), "(unprintable)") };
    }
  }
  if (out.retryAt !== undefined) out.retryAtIsSafeInteger = Number.isSafeInteger(out.retryAt);
  return out;
}

/**
 * Runs `fn()` (a promise) under the watch of tests/support/leaks.js. Resolves
 * { res: { ok } | { error }, seen, raw }: `seen` is what the watch saw (for the Node side's
 * leak check), `raw` the value or error itself (for checks in the page; not serialisable).
 */
export async function watched(fn) {
  const started = leaks.watchStart();
  let ok;
  let error;
  let failed = false;
  try {
    ok = await fn();
  } catch (thrown) {
    failed = true;
    error = thrown;
  }
  const seen = JSON.parse(await leaks.watchStop(started, failed ? error : undefined));
  let res;
  if (failed) res = { error: describe(error) };
  else {
    try { res = { ok: ok === undefined ? null : JSON.parse(JSON.stringify(ok)) }; } catch { res = { ok: String(ok) }; }
  }
  return { res, seen, raw: failed ? error : ok };
}

/** `auth[method](run.options)` (a kit.makeSignIn run) under the watch; adds the run's record. */
export async function checked(auth, run, method = "signIn") {
  const out = await watched(() => auth[method](run.options));
  const record = kit.runRecord(run);
  return { res: out.res, seen: out.seen, record, events: record.events.map((e) => e.event), prompts: record.prompts };
}

/** A fresh contact (the phone and email a new or seeded user has). */
export function contact() {
  return { phone: kit.randomPhone(), email: kit.randomEmail() };
}

/** `POST /sandbox/users`; returns the user's id. */
export async function createUser(who, walletAddress) {
  const body = { phoneNumber: who.phone, emailAddress: who.email };
  if (walletAddress) body.walletAddress = checksum(walletAddress);
  const reply = await kit.sandboxPost("/sandbox/users", body);
  if (reply.status !== 201) throw new Error("createUser: " + reply.status + " " + reply.text);
  return reply.body.id;
}

/**
 * What an integrator's backend does: `POST /v1/client/sessions` with the client secret, for the
 * wallet that will sign in. Returns { status, body } for the Node side to check.
 */
export async function createClientSession(signingAddress) {
  const reply = await kit.sandboxPost(
    "/v1/client/sessions",
    { signingAddress: checksum(signingAddress), signingType: "EVM" },
    { "ratio-client-id": "sandbox", "ratio-client-secret": kit.CLIENT_SECRET },
  );
  return { status: reply.status, body: reply.body };
}

/**
 * A contract wallet at a fresh address, registered with the sandbox, whose provider answers
 * eth_getCode per `mode` and signs with the owner's key.
 */
export async function contractWallet(mode) {
  const key = kit.randomKey();
  const owner = kit.randomKey();
  const wallet = kit.testWallet(mode, { key, signerKey: owner });
  const reply = await kit.sandboxPost("/sandbox/contract-wallets", { address: checksum(wallet.address), owner: checksum(kit.addressOf(owner)) });
  if (reply.status !== 201) throw new Error("contract wallet refused: " + reply.status + " " + reply.text);
  return wallet;
}

/** Returns the sandbox's (status, body) so the Node side asserts it is (200, { accept }). */
export async function setContractSupport(accept) {
  const reply = await kit.sandboxPost("/sandbox/contract-wallets/support", { accept });
  return { status: reply.status, body: reply.body };
}

export async function smsSentTo(phone) {
  const reply = await kit.sandboxGet("/sandbox/outbox?to=" + encodeURIComponent(phone));
  if (reply.status !== 200) throw new Error("outbox: " + reply.status);
  return Array.isArray(reply.body) ? reply.body.length : 0;
}

export async function walletsOf(userId) {
  const reply = await kit.sandboxGet("/sandbox/users/" + userId);
  if (reply.status !== 200) throw new Error("user: " + reply.status);
  return reply.body.wallets;
}

/** The options of the resume tests: session and unfinished sign-in both in sessionStorage. */
export function flowStorageOptions(extra = {}) {
  return kit.baseOptions({ storage: "sessionStorage", flowStorage: "sessionStorage", ...extra });
}

/** Polls a fresh instance's `pendingSignIn()` until it waits for `step`; returns it. */
export async function pendingAt(step) {
  for (let i = 0; i < 200; i += 1) {
    const pending = await new ra.RatioAuth(flowStorageOptions()).pendingSignIn();
    if (pending !== null && pending.step === step) return JSON.parse(JSON.stringify(pending));
    await kit.sleep(25);
  }
  throw new Error("no sign-in was saved at the " + step + " step");
}

/** Resolves "settled" once `promise` settles either way, or "hung" after `ms` (a safety net). */
export function settles(promise, ms) {
  return Promise.race([
    Promise.resolve(promise).then(() => "settled", () => "settled"),
    new Promise((resolve) => setTimeout(() => resolve("hung"), ms)),
  ]);
}

/**
 * Every `auth.api` call, with `signal` in its options: [name, () => promise]. The requests are
 * well-formed; the JWT is a readable unsigned one (web_flows.rs's `every_api_call`).
 */
export function everyApiCall(auth, signal) {
  const api = auth.api;
  const wallet = () => ({ walletAddress: "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23" });
  const jwt = "eyJhbGciOiJub25lIn0.e30.";
  return [
    ["walletStart", () => api.walletStart(wallet(), { signal })],
    ["walletAuthenticate", () => api.walletAuthenticate({ walletAddress: "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", signature: "0x00" }, { signal })],
    ["walletAddToUser", () => api.walletAddToUser(wallet(), { jwt, signal })],
    ["smsSend", () => api.smsSend({ phoneNumber: "+12025550143" }, { jwt, signal })],
    ["smsAuthenticate", () => api.smsAuthenticate({ phoneId: "p", otp: "000000" }, { jwt, signal })],
    ["emailSend", () => api.emailSend({ emailAddress: "a@example.com" }, { jwt, signal })],
    ["emailAuthenticate", () => api.emailAuthenticate({ emailId: "e", otp: "000000" }, { jwt, signal })],
    ["createUser", () => api.createUser({ firstName: "A", lastName: "B", email: "a@example.com", country: "US", phone: "+12025550143", acceptedTerms: true }, { jwt, signal })],
    ["getUser", () => api.getUser("user-1", { jwt, signal })],
  ];
}

/** A storage adapter that keeps nothing: the caller keeps the JWT (the public API's equivalent of the wasm's `storage: "none"`). */
export function keepsNothing() {
  const calls = [];
  return {
    calls,
    get(key) { calls.push(["get", key]); return null; },
    set(key) { calls.push(["set", key]); },
    remove(key) { calls.push(["remove", key]); },
  };
}
