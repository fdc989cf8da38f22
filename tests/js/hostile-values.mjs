// The hostile JS values of tests/web_hostile.rs, shared by the Node tests (config.test.mjs,
// prompts.test.mjs, eip1193.test.mjs import it) and the browser suite (tests/browser/watch.mjs
// loads this very file into the page as `window.hostileValues`, for hostile-page.js): Proxies
// whose traps throw, throwing getters and toString, revoked proxies, thenables whose `then`
// throws, and the lists of cases built from them. No imports and no Node or page globals, so
// that it runs unchanged in both.

/** The sandbox's client secret: the good options carry it, and no error may echo it. */
export const CLIENT_SECRET = "sandbox-secret";

export const boom = (what) => {
  throw new Error("hostile " + what);
};
export const ALL = ["get", "set", "has", "ownKeys", "getOwnPropertyDescriptor", "getPrototypeOf", "apply", "construct"];
export function trapProxy(target, traps) {
  const handler = {};
  for (const trap of traps) handler[trap] = () => boom(trap);
  return new Proxy(target, handler);
}
export function revoked() {
  const r = Proxy.revocable({}, {});
  r.revoke();
  return r.proxy;
}
export function throwingString() {
  return {
    toString() {
      boom("toString");
    },
    valueOf() {
      boom("valueOf");
    },
    [Symbol.toPrimitive]() {
      boom("toPrimitive");
    },
  };
}
export function throwingGetter(object, key) {
  return Object.defineProperty(object, key, {
    enumerable: true,
    configurable: true,
    get() {
      boom("getter " + key);
    },
  });
}

/**
 * A promise that rejects (resolving it with a Proxy reads its `then`, which throws) and whose
 * `constructor` getter throws, so nobody can attach a handler to it later. Node's test runner
 * fails the file on an unhandled rejection, where a browser only reports it: unless
 * `leaveUnhandled` (the browser suite, which checks that the report is this case's), a handler
 * is attached here, before `constructor` is made to throw, so only the value's hostility is
 * tested.
 */
function unhandleableRejection(leaveUnhandled) {
  const inner = Promise.resolve(trapProxy({}, ALL));
  if (!leaveUnhandled) inner.catch(() => {});
  return throwingGetter(inner, "constructor");
}

/**
 * web_hostile.rs's constructor options: [label, options, expected] with expected "ok"
 * (harmless) or an error kind, from good options for `base` with the sandbox's client secret.
 */
export function hostileOptions(base) {
  const good = () => ({ baseUrl: base, clientId: "sandbox", clientSecret: CLIENT_SECRET });
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
  for (const key of [
    "baseUrl",
    "clientId",
    "clientSecret",
    "clientSessionId",
    "deviceFingerprint",
    "storage",
    "timeoutMs",
    "dangerouslyAllowInsecureHttp",
    "dangerouslyAllowClientSecretInBrowser",
  ]) {
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

/** web_hostile.rs's signIn options, made hostile from the good ones: [label, options, expected kind or "ok"]. */
export function hostileSignInOptions(good) {
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

/** The accounts a wallet answers, made hostile by `mode` (web_hostile.rs). */
export function hostileAccounts(mode, accounts) {
  switch (mode) {
    case "accountsLength":
      return new Proxy(accounts.slice(), { get(t, k) { if (k === "length") boom("length"); return Reflect.get(t, k); } });
    case "accountsIndex":
      return new Proxy(accounts.slice(), { get(t, k) { if (k === "0") boom("index"); return Reflect.get(t, k); } });
    case "accountsEveryTrap":
      return trapProxy(accounts.slice(), ALL);
    case "accountsRevoked":
      return revoked();
    case "accountsHugeLength":
      return new Proxy(accounts.slice(), { get(t, k) { if (k === "length") return 4294967295; return Reflect.get(t, k); } });
    case "accountsEntryProxy":
      return [trapProxy({}, ALL)];
    case "accountsEntryToString":
      return [throwingString()];
    case "accountsThenGetter":
      return throwingGetter({}, "then");
    default:
      return accounts.slice();
  }
}

// The signature's modes that are a prompt answer's modes: the same hostile value, from the wallet.
const SIGNATURE_AS_ANSWER = new Map([
  ["signatureProxy", "proxy"],
  ["signatureFunctionProxy", "functionProxy"],
  ["signatureToString", "toString"],
  ["signatureThenGetter", "thenGetter"],
  ["signaturePromiseThenOwn", "promiseThenOwn"],
  ["signaturePromiseConstructor", "promiseConstructor"],
]);

/** The signature a wallet answers, made hostile by `mode` (web_hostile.rs); see unhandleableRejection for `leaveUnhandled`. */
export function hostileSignature(mode, signature, { leaveUnhandled = false } = {}) {
  if (mode === "signatureRejectsWithProxy") return Promise.reject(trapProxy({}, ALL));
  if (mode === "signatureThrowsProxy") throw trapProxy({}, ALL);
  return hostileAnswer(SIGNATURE_AS_ANSWER.get(mode), signature, { leaveUnhandled });
}

/** A prompt's answer, made hostile by `mode` (web_hostile.rs); see unhandleableRejection for `leaveUnhandled`. */
export function hostileAnswer(mode, answer, { leaveUnhandled = false } = {}) {
  switch (mode) {
    case "proxy":
      return trapProxy({}, ALL);
    case "functionProxy":
      return trapProxy(function () {}, ALL);
    case "revoked":
      return revoked();
    case "toString":
      return throwingString();
    case "thenGetter":
      return throwingGetter({}, "then");
    case "thenProxy":
      return trapProxy({ then() {} }, ["get"]);
    case "promiseThenOwn":
      return throwingGetter(Promise.resolve(answer), "then");
    case "promiseConstructor":
      return unhandleableRejection(leaveUnhandled);
    case "resolvesToProxy":
      return Promise.resolve(trapProxy({}, ALL));
    case "resendGetter":
      return throwingGetter({}, "resend");
    default:
      return answer;
  }
}

/**
 * web_hostile.rs's prompt answers: [mode, kind] for the phoneNumber prompt. Resolving a promise
 * reads `then`: a throwing read rejects it, which is the app cancelling (`aborted`, the
 * exception as `cause`).
 */
export const PHONE_NUMBER_ANSWERS = [
  ["proxy", "aborted"],
  ["functionProxy", "aborted"],
  ["revoked", "aborted"],
  ["thenGetter", "aborted"],
  ["thenProxy", "aborted"],
  ["promiseThenOwn", "aborted"],
  ["promiseConstructor", "aborted"],
  ["resolvesToProxy", "aborted"],
  ["toString", "config"],
  ["resendGetter", "config"],
];

/** web_hostile.rs's prompt answers: [mode, kind] for the otp prompt. */
export const OTP_ANSWERS = [
  ["proxy", "aborted"],
  ["toString", "config"],
  ["resendGetter", "config"],
  ["thenGetter", "aborted"],
];
