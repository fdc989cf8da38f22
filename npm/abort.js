// Abort signals and timers for the driver: the caller's signal read only through the real
// AbortSignal getters, one signal for a whole sign-in, and waits that a timeout or a signal ends.

import { ratioAuthError } from "./errors.js";

/**
 * `AbortSignal.prototype`'s own getter `name` applied to `value`. A Proxy of a signal passes
 * `instanceof` but its plain `aborted` may lie or throw, and own properties may shadow the real
 * getters; the getter's brand check throws for anything that is not a real AbortSignal.
 */
function intrinsic(value, name) {
  const getter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, name)?.get;
  if (typeof getter !== "function") throw new TypeError("no AbortSignal here");
  return Reflect.apply(getter, value, []);
}

/** `value` when it really is an AbortSignal, else null. */
export function callerSignal(value) {
  try {
    return typeof intrinsic(value, "aborted") === "boolean" ? value : null;
  } catch {
    return null;
  }
}

export function signalAborted(signal) {
  try {
    return intrinsic(signal, "aborted") === true;
  } catch {
    return false;
  }
}

/** `signal.reason` through the real getter; undefined when it cannot be read. */
export function signalReason(signal) {
  try {
    return intrinsic(signal, "reason");
  } catch {
    return undefined;
  }
}

/** Calls `onAbort` once when `signal` aborts (at once if it has); returns the function that stops listening. */
export function onAbort(signal, onAbort) {
  if (signalAborted(signal)) {
    onAbort();
    return () => {};
  }
  const listener = () => onAbort();
  try {
    EventTarget.prototype.addEventListener.call(signal, "abort", listener, { once: true });
  } catch {
    return () => {};
  }
  return () => {
    try {
      EventTarget.prototype.removeEventListener.call(signal, "abort", listener);
    } catch {
      // nothing to undo
    }
  };
}

/** The `aborted` error; the caller's reason (when there is one) as `cause`. */
export function abortedError(reason) {
  return ratioAuthError("aborted", "the operation was aborted", reason === undefined ? {} : { cause: reason });
}

export const TIMED_OUT = Symbol("timedOut");
export const ABORTED = Symbol("aborted");

// setTimeout's delay is a 32-bit signed integer: a longer one fires at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Settles as `promise` does, unless `timeoutMs` passes first (rejects with TIMED_OUT) or `signal`
 * aborts (rejects with ABORTED). A `promise` that is not one is awaited as a value.
 */
export function race(promise, { timeoutMs, signal } = {}) {
  if (signal && signalAborted(signal)) return Promise.reject(ABORTED);
  return new Promise((resolve, reject) => {
    let timer = null;
    let stopListening = () => {};
    const finish = (settle, value) => {
      if (timer !== null) clearTimeout(timer);
      stopListening();
      settle(value);
    };
    if (timeoutMs !== undefined && timeoutMs !== null) {
      timer = setTimeout(() => finish(reject, TIMED_OUT), Math.min(Math.max(0, timeoutMs), MAX_TIMER_MS));
    }
    if (signal) stopListening = onAbort(signal, () => finish(reject, ABORTED));
    Promise.resolve(promise).then(
      (value) => finish(resolve, value),
      (error) => finish(reject, error),
    );
  });
}

/** Resolves at unix time `untilMs`; rejects with ABORTED when `signal` aborts first. */
export async function sleepUntil(untilMs, signal) {
  for (;;) {
    const left = untilMs - Date.now();
    if (left <= 0) return;
    try {
      await race(new Promise(() => {}), { timeoutMs: Math.min(left, MAX_TIMER_MS), signal });
    } catch (reason) {
      if (reason !== TIMED_OUT) throw reason;
    }
  }
}

const ACCOUNTS_CHANGED = "the wallet switched accounts during sign-in";

function accountsChangedError() {
  return ratioAuthError("wallet", ACCOUNTS_CHANGED, { reason: "accountsChanged" });
}

/**
 * One AbortSignal for a whole sign-in: aborted by the caller's signal, or by the driver when the
 * wallet switches accounts. Every fetch, wallet prompt, app prompt and sleep of the flow takes
 * `signal`; when one of them ends as aborted, `error()` says why.
 */
export class FlowAbort {
  #controller = new AbortController();
  #cause = null; // { caller: reason } | { accountsChanged: true }
  #unlink = () => {};

  /** `caller`: the checked `signal` of signIn (see callerSignal), or null. */
  constructor(caller) {
    if (caller) this.#unlink = onAbort(caller, () => this.#abortOnce({ caller: signalReason(caller) }));
  }

  get signal() {
    return this.#controller.signal;
  }

  isAborted() {
    return this.#controller.signal.aborted;
  }

  /** Whether the caller's signal (not the wallet switching accounts) stopped the flow. */
  abortedByCaller() {
    return this.#cause !== null && "caller" in this.#cause;
  }

  /** Aborts the flow because the wallet's accounts changed away from the signing account. */
  accountsChanged() {
    this.#abortOnce({ accountsChanged: true });
  }

  /** The error for an operation that ended because this flow aborted. */
  error() {
    if (this.#cause === null) return abortedError(undefined);
    if ("caller" in this.#cause) return abortedError(this.#cause.caller);
    return accountsChangedError();
  }

  /** Stops listening to the caller's signal (the flow is over). */
  dispose() {
    this.#unlink();
  }

  #abortOnce(cause) {
    if (this.#cause !== null) return;
    this.#cause = cause;
    this.#controller.abort("caller" in cause ? cause.caller : accountsChangedError());
  }
}

/** 64 random bits as a 16-digit hex string, for the engine's back-off jitter (spread, not secrecy). */
export function randomSeed() {
  const words = new Uint32Array(2);
  try {
    crypto.getRandomValues(words);
  } catch {
    words[0] = Math.random() * 2 ** 32;
    words[1] = Math.random() * 2 ** 32;
  }
  return Array.from(words, (w) => w.toString(16).padStart(8, "0")).join("");
}
