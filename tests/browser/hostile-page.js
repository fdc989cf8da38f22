// In-page half of hostile.test.mjs (loaded by watch.mjs as `window.hostile`): the hostile
// values of tests/web_hostile.rs, built here in the page — Proxies whose traps throw, throwing
// getters and toString, revoked proxies, thenables whose `then` throws — and web_hostile.rs's
// flow (a new user's wallet + phone sign-in, one hostile value at a time). Uses the page's
// `kit`, `ra`, `leaks` and `watch` globals.

const boom = (what) => { throw new Error("hostile " + what); };
const ALL = ["get", "set", "has", "ownKeys", "getOwnPropertyDescriptor", "getPrototypeOf", "apply", "construct"];
function trapProxy(target, traps) {
  const handler = {};
  for (const trap of traps) handler[trap] = () => boom(trap);
  return new Proxy(target, handler);
}
function revoked() { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; }
function throwingString() {
  return { toString() { boom("toString"); }, valueOf() { boom("valueOf"); }, [Symbol.toPrimitive]() { boom("toPrimitive"); } };
}
function throwingGetter(object, key) {
  return Object.defineProperty(object, key, { enumerable: true, configurable: true, get() { boom("getter " + key); } });
}
const unhex = (text) => {
  const clean = text.replace(/^0x/i, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
};

/** web_hostile.rs `auth()`'s options. */
export function authOptions() {
  return { baseUrl: location.origin, clientId: "sandbox", clientSecret: kit.CLIENT_SECRET, timeoutMs: 5000 };
}

// [label, options, expected] with expected "ok" (harmless) or an error kind.
export function hostileOptions(base) {
  const good = () => ({ baseUrl: base, clientId: "sandbox", clientSecret: "sandbox-secret" });
  const out = [];
  for (const trap of ["get", "ownKeys", "getOwnPropertyDescriptor"]) out.push(["options " + trap, trapProxy(good(), [trap]), "config"]);
  out.push(["options getPrototypeOf", trapProxy(good(), ["getPrototypeOf"]), "ok"]);
  out.push(["options every trap", trapProxy(good(), ALL), "config"]);
  out.push(["options revoked", revoked(), "config"]);
  out.push(["options getter", throwingGetter(good(), "clientSecret"), "config"]);
  out.push(["options inherited getter", Object.assign(Object.create(throwingGetter({}, "timeoutMs")), good()), "config"]);
  for (const trap of ["get", "ownKeys", "getOwnPropertyDescriptor"]) out.push(["retry " + trap, { ...good(), retry: trapProxy({ maxAttempts: 2 }, [trap]) }, "config"]);
  out.push(["retry every trap", { ...good(), retry: trapProxy({ maxAttempts: 2 }, ALL) }, "config"]);
  out.push(["retry revoked", { ...good(), retry: revoked() }, "config"]);
  out.push(["retry getter", { ...good(), retry: throwingGetter({}, "maxAttempts") }, "config"]);
  for (const key of ["baseUrl", "clientId", "clientSecret", "clientSessionId", "deviceFingerprint", "storage", "timeoutMs", "dangerouslyAllowInsecureHttp", "dangerouslyAllowClientSecretInBrowser"]) {
    out.push([key + " toString throws", { ...good(), [key]: throwingString() }, "config"]);
    out.push([key + " symbol", { ...good(), [key]: Symbol("x") }, "config"]);
    out.push([key + " proxy", { ...good(), [key]: trapProxy({}, ALL) }, "config"]);
    out.push([key + " function proxy", { ...good(), [key]: trapProxy(function () {}, ALL) }, "config"]);
    out.push([key + " revoked", { ...good(), [key]: revoked() }, "config"]);
  }
  for (const key of ["maxAttempts", "baseDelayMs", "maxDelayMs", "maxTotalMs"]) {
    out.push(["retry." + key + " proxy", { ...good(), retry: { [key]: trapProxy({}, ALL) } }, "config"]);
    out.push(["retry." + key + " valueOf throws", { ...good(), retry: { [key]: throwingString() } }, "config"]);
    out.push(["retry." + key + " symbol", { ...good(), retry: { [key]: Symbol("x") } }, "config"]);
  }
  return out;
}

// The accounts and signature a test wallet gives, made hostile by `mode`.
function hostileAccounts(mode, accounts) {
  switch (mode) {
    case "accountsLength": return new Proxy(accounts.slice(), { get(t, k) { if (k === "length") boom("length"); return Reflect.get(t, k); } });
    case "accountsIndex": return new Proxy(accounts.slice(), { get(t, k) { if (k === "0") boom("index"); return Reflect.get(t, k); } });
    case "accountsEveryTrap": return trapProxy(accounts.slice(), ALL);
    case "accountsRevoked": return revoked();
    case "accountsHugeLength": return new Proxy(accounts.slice(), { get(t, k) { if (k === "length") return 4294967295; return Reflect.get(t, k); } });
    case "accountsEntryProxy": return [trapProxy({}, ALL)];
    case "accountsEntryToString": return [throwingString()];
    case "accountsThenGetter": return throwingGetter({}, "then");
    default: return accounts.slice();
  }
}
function hostileSignature(mode, signature) {
  switch (mode) {
    case "signatureProxy": return trapProxy({}, ALL);
    case "signatureFunctionProxy": return trapProxy(function () {}, ALL);
    case "signatureToString": return throwingString();
    case "signatureThenGetter": return throwingGetter({}, "then");
    case "signatureRejectsWithProxy": return Promise.reject(trapProxy({}, ALL));
    case "signatureThrowsProxy": throw trapProxy({}, ALL);
    case "signaturePromiseThenOwn": { const p = Promise.resolve(signature); return throwingGetter(p, "then"); }
    case "signaturePromiseConstructor": { const p = Promise.resolve(trapProxy({}, ALL)); return throwingGetter(p, "constructor"); }
    default: return signature;
  }
}
function hostileAnswer(mode, answer) {
  switch (mode) {
    case "proxy": return trapProxy({}, ALL);
    case "functionProxy": return trapProxy(function () {}, ALL);
    case "revoked": return revoked();
    case "toString": return throwingString();
    case "thenGetter": return throwingGetter({}, "then");
    case "thenProxy": return trapProxy({ then() {} }, ["get"]);
    case "promiseThenOwn": return throwingGetter(Promise.resolve(answer), "then");
    case "promiseConstructor": return throwingGetter(Promise.resolve(trapProxy({}, ALL)), "constructor");
    case "resolvesToProxy": return Promise.resolve(trapProxy({}, ALL));
    case "resendGetter": return throwingGetter({}, "resend");
    default: return answer;
  }
}

/**
 * A fresh wallet (its key here) and phone: the signIn options of a new user's wallet + phone
 * sign-in. `hostile`: { accounts, signature, phone, otp, eventAccounts } names the one hostile
 * value to give (see the functions above).
 */
export function makeFlow(hostile = {}) {
  const key = kit.randomKey();
  const accounts = [kit.addressOf(key)];
  const phone = kit.randomPhone();
  const sign = (hexMessage) => kit.signPersonal(key, unhex(hexMessage));
  const listeners = [];
  const run = { address: watch.checksum(accounts[0]), events: [], codes: [], emitThrew: false };
  const provider = {
    request(args) {
      switch (args.method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return Promise.resolve().then(() => hostileAccounts(hostile.accounts, accounts));
        case "personal_sign":
          return hostileSignature(hostile.signature, sign(args.params[0]));
        default:
          return Promise.reject({ code: 4200, message: "unsupported " + args.method });
      }
    },
    on(event, fn) { if (event === "accountsChanged") listeners.push(fn); },
    removeListener(event, fn) { const i = listeners.indexOf(fn); if (i >= 0) listeners.splice(i, 1); },
  };
  const prompts = {
    phoneNumber() { return hostileAnswer(hostile.phone, phone); },
    email() { return "nobody@example.com"; },
    async otp() {
      if (hostile.eventAccounts) {
        try { for (const fn of listeners.slice()) fn(hostileAccounts(hostile.eventAccounts, accounts)); }
        catch (_) { run.emitThrew = true; }
      }
      if (hostile.otp) return hostileAnswer(hostile.otp, "");
      const code = await kit.codeFor(phone);
      run.codes.push(code);
      return code;
    },
  };
  run.options = { provider, prompts, onEvent(event) { run.events.push(event); } };
  return run;
}

// signIn options made hostile, from the good ones of `run`: [label, options, expected kind].
export function hostileSignInOptions(run) {
  const good = run.options;
  const out = [];
  for (const trap of ["get", "ownKeys", "getOwnPropertyDescriptor"]) out.push(["signIn options " + trap, trapProxy({ ...good }, [trap]), "config"]);
  out.push(["signIn options every trap", trapProxy({ ...good }, ALL), "config"]);
  out.push(["signIn options revoked", revoked(), "config"]);
  for (const key of ["provider", "prompts", "onEvent", "signal", "account", "firstFactor"]) {
    out.push([key + " getter", throwingGetter({ ...good }, key), "config"]);
    out.push([key + " proxy", { ...good, [key]: trapProxy({}, ALL) }, "config"]);
    out.push([key + " revoked", { ...good, [key]: revoked() }, "config"]);
  }
  for (const key of ["account", "firstFactor"]) {
    out.push([key + " toString throws", { ...good, [key]: throwingString() }, "config"]);
    out.push([key + " symbol", { ...good, [key]: Symbol("x") }, "config"]);
  }
  out.push(["onEvent function proxy", { ...good, onEvent: trapProxy(function () {}, ALL) }, "ok"]);
  out.push(["provider request getter", { ...good, provider: throwingGetter({ ...good.provider }, "request") }, "config"]);
  out.push(["provider function proxy", { ...good, provider: trapProxy(function () {}, ALL) }, "config"]);
  for (const name of ["phoneNumber", "email", "otp", "confirmLink"]) {
    out.push(["prompts." + name + " getter", { ...good, prompts: throwingGetter({ ...good.prompts }, name) }, "config"]);
  }
  out.push(["signal proxy of an AbortSignal", { ...good, signal: new Proxy(new AbortController().signal, {}) }, "config"]);
  out.push(["signal getPrototypeOf", { ...good, signal: trapProxy(new AbortController().signal, ["getPrototypeOf"]) }, "config"]);
  out.push(["signal aborted getter", { ...good, signal: throwingGetter(new AbortController().signal, "aborted") }, "ok"]);
  out.push(["signal reason getter", { ...good, signal: throwingGetter(AbortSignal.abort(), "reason") }, "aborted"]);
  return out;
}

// Request objects for `auth.api.*` made hostile: [label, request].
export function hostileRequests() {
  const fields = ["phoneNumber", "phoneId", "otp", "emailAddress", "emailId", "walletAddress", "signature", "firstName", "acceptedTerms"];
  const out = [["every trap", trapProxy({}, ALL)], ["revoked", revoked()], ["function proxy", trapProxy(function () {}, ALL)]];
  for (const trap of ["get", "ownKeys", "getOwnPropertyDescriptor", "has"]) {
    out.push([trap + " trap", trapProxy({ phoneNumber: "+12025550143", emailAddress: "a@example.com", walletAddress: "0x" + "1".repeat(40) }, [trap])]);
  }
  for (const key of fields) {
    out.push([key + " getter", throwingGetter({}, key)]);
    out.push([key + " proxy", { [key]: trapProxy({}, ALL) }]);
    out.push([key + " toString throws", { [key]: throwingString() }]);
    out.push([key + " inherited getter", Object.create(throwingGetter({}, key))]);
  }
  out.push(["nested huge array", { phoneNumber: new Proxy([], { get(t, k) { if (k === "length") return 4294967295; return Reflect.get(t, k); } }) }]);
  return out;
}
// Arguments where a string or number is expected: [throwing toString, Proxy, revoked, Symbol].
export function hostileArguments() { return [throwingString(), trapProxy({}, ALL), revoked(), Symbol("x"), trapProxy(function () {}, ALL)]; }
// Values `isRatioAuthError` must answer `false` for without throwing.
export function hostileErrors() {
  const error = Object.assign(new Error("x"), { name: "RatioAuthError", kind: "config" });
  return [trapProxy({}, ALL), revoked(), trapProxy(error, ["getPrototypeOf"]), trapProxy(error, ["get"]), throwingGetter(new Error("x"), "name"), trapProxy(function () {}, ALL)];
}

const SAFETY_MS = 20_000;

// The page's uncaught errors, each with the case that was running: an `onEvent` that throws is
// reported through `reportError` by design, and a hostile promise the SDK cannot read (its
// `constructor` getter throws) rejects unhandled on its own. The Node side checks that every
// uncaught error Playwright saw is one of those, attributed to its case.
let current = "(no case)";
export const pageProblems = [];
const messageOf = (value) => {
  try { return String(value?.message ?? value); } catch { return "(unreadable)"; }
};
window.addEventListener("error", (event) => pageProblems.push({ label: current, via: "error", message: messageOf(event.error ?? event.message) }));
window.addEventListener("unhandledrejection", (event) => pageProblems.push({ label: current, via: "unhandledrejection", message: messageOf(event.reason) }));
/** Names the case now running, for `pageProblems`. */
export function at(label) { current = label; }
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/** The outcome of a promise once it settles: { state: "settled", res } or { state: "hung" } after 20 s. */
export async function settled(promise) {
  const state = await watch.settles(promise, SAFETY_MS);
  // A task later: an unhandled rejection of this case is reported before the next case starts.
  await nextTask();
  if (state !== "settled") return { state };
  try {
    const value = await promise;
    let ok;
    try { ok = value === undefined ? null : JSON.parse(JSON.stringify(value)); } catch { ok = "(unserialisable)"; }
    return { state, res: { ok } };
  } catch (error) {
    return { state, res: { error: watch.describe(error) } };
  }
}

/**
 * web_hostile.rs `TestFlow::sign_in`: `auth.signIn(flow.options)` under the leak watch, with a
 * safety net against a promise that never settles. Resolves { state, res, seen, codes, events }.
 */
export async function signIn(auth, flow) {
  const started = leaks.watchStart();
  let promise;
  try {
    promise = auth.signIn(flow.options);
  } catch (thrown) {
    promise = Promise.reject(thrown);
  }
  const out = await settled(promise);
  let error;
  if (out.state === "settled") await promise.catch((thrown) => { error = thrown; });
  const seen = JSON.parse(await leaks.watchStop(started, error));
  return { ...out, seen, codes: flow.codes.slice(), events: JSON.stringify(flow.events), address: flow.address, emitThrew: flow.emitThrew };
}

/** web_hostile.rs `still_works`: a whole normal sign-in on `auth`, then on a new instance. */
export async function stillWorks(auth) {
  at("still works");
  return [
    { which: "same instance", ...(await signIn(auth, makeFlow())) },
    { which: "new instance", ...(await signIn(new ra.RatioAuth(authOptions()), makeFlow())) },
  ];
}
