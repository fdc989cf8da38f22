// In-page half of hostile.test.mjs (loaded by watch.mjs as `window.hostile`): the hostile
// values of tests/web_hostile.rs — Proxies whose traps throw, throwing getters and toString,
// revoked proxies, thenables whose `then` throws — built in the page by tests/js/hostile-values.mjs
// (the Node tests' very builders, loaded before this file as `window.hostileValues`), and
// web_hostile.rs's flow (a new user's wallet + phone sign-in, one hostile value at a time). Uses
// the page's `kit`, `ra`, `leaks`, `watch` and `hostileValues` globals.

const { ALL, trapProxy, revoked, throwingString, throwingGetter } = hostileValues;
// Here a hostile promise whose `constructor` getter throws is left to reject unhandled, as in
// web_hostile.rs: the browser reports it, and hostile.test.mjs checks it is that case's.
const UNHANDLED = { leaveUnhandled: true };
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
export const hostileOptions = hostileValues.hostileOptions;

// The accounts and signature a test wallet gives, and the prompts' answers, made hostile by `mode`.
const hostileAccounts = hostileValues.hostileAccounts;
const hostileSignature = (mode, signature) => hostileValues.hostileSignature(mode, signature, UNHANDLED);
const hostileAnswer = (mode, answer) => hostileValues.hostileAnswer(mode, answer, UNHANDLED);

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
  return hostileValues.hostileSignInOptions(run.options);
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
