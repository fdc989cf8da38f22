// The app's side of a flow: the `signIn` / `resumeSignIn` options, the `prompts` functions
// (`phoneNumber`, `email`, `otp`, `confirmLink`) and the `onEvent` callback. A port of
// src/web/prompts.rs and `SignInOptions::from_js` of src/web/auth.rs.
//
// A prompt waits for a person, so it has no timeout; only the flow's signal ends it early.
// What a prompt throws or rejects with is the app cancelling: the flow ends as `aborted`, with
// the app's value as `cause`. Every value from the app is read inside try, and an answer is
// followed through a fresh promise, so a hostile answer becomes a typed error, never a TypeError.

import { ABORTED, TIMED_OUT, abortedError, callerSignal, race, signalAborted } from "./abort.js";
import { ratioAuthError } from "./errors.js";
import { configError, quote } from "./config.js";
import { isObject, ownKeys, property, rustTrim, wellFormed } from "./values.js";

export const SIGN_IN_KEYS = Object.freeze(["provider", "account", "firstFactor", "prompts", "onEvent", "signal"]);
/** `resumeSignIn` takes the account and the first factor from the saved flow. */
export const RESUME_KEYS = Object.freeze(["provider", "prompts", "onEvent", "signal"]);

/** The prompts every `signIn` needs; `confirmLink` is optional (default: yes). */
export const REQUIRED_PROMPTS = Object.freeze(["phoneNumber", "email", "otp"]);

const absent = (value) => value === undefined || value === null;

/**
 * Reads and checks the options of `signIn` (`known`: SIGN_IN_KEYS) or `resumeSignIn`
 * (RESUME_KEYS). Throws a `config` RatioAuthError.
 */
export function checkSignInOptions(options, known) {
  if (!isObject(options)) throw configError("signIn needs an options object: { provider, prompts, ... }");
  const keys = ownKeys(options);
  if (keys === null) throw configError("signIn: the options could not be read (listing their keys threw)");
  for (const key of keys) {
    if (!known.includes(key)) throw configError(`unknown option ${quote(key)}; known: ${known.join(", ")}`);
  }
  // A getter that throws is an error, not an absent option: a `signal` or `onEvent` the app
  // meant to give must not be silently dropped.
  const read = (key) => {
    try {
      return options[key];
    } catch {
      throw configError(`signIn: reading ${key} threw`);
    }
  };
  let account = read("account");
  if (typeof account === "string") account = wellFormed(account);
  else if (absent(account)) account = null;
  else throw configError("signIn: account must be a string");

  let firstFactor = read("firstFactor");
  if (absent(firstFactor)) firstFactor = "wallet";
  else if (firstFactor !== "wallet" && firstFactor !== "sms" && firstFactor !== "email") {
    throw configError('signIn: firstFactor must be "wallet", "sms" or "email"');
  }

  let onEvent = read("onEvent");
  if (absent(onEvent)) onEvent = null;
  else if (typeof onEvent !== "function") throw configError("signIn: onEvent must be a function");

  let signal = read("signal");
  if (absent(signal)) signal = null;
  else {
    signal = callerSignal(signal);
    if (signal === null) throw configError("signIn: signal must be an AbortSignal");
  }

  const provider = read("provider");
  if (typeof property(provider, "request") !== "function") {
    throw configError("signIn: provider must be an EIP-1193 provider (an object with request())");
  }
  const prompts = checkPrompts(read("prompts"));
  return { provider, account, firstFactor, prompts, onEvent, signal };
}

/** How asking the app failed: `cancelled` (it threw or rejected), `badAnswer`, or `aborted` (the flow's signal). */
export class PromptError extends Error {
  constructor(promptError, { prompt, reason, expected } = {}) {
    super(promptError === "aborted" ? "the prompt was aborted" : `prompt ${prompt}: ${promptError}`);
    this.name = "PromptError";
    this.promptError = promptError;
    this.prompt = prompt;
    this.reason = reason;
    this.expected = expected;
  }
}

const cancelled = (prompt, reason) => new PromptError("cancelled", { prompt, reason });
const badAnswer = (prompt, expected) => new PromptError("badAnswer", { prompt, expected });
const aborted = () => new PromptError("aborted");

/** The RatioAuthError of a PromptError (From<PromptError> for RatioAuthError). */
export function promptErrorToJs(error) {
  switch (error.promptError) {
    case "cancelled": {
      const out = ratioAuthError("aborted", `the ${error.prompt} prompt was cancelled`, { cause: error.reason });
      // The wasm sets `cause` even when the prompt threw `undefined`.
      if (!("cause" in out)) out.cause = error.reason;
      return out;
    }
    case "badAnswer":
      return configError(`prompts.${error.prompt} must resolve to ${error.expected}`);
    default:
      return abortedError(undefined);
  }
}

/** The `prompts` object, its functions read once (Prompts::from_js). Throws a `config` RatioAuthError. */
export function checkPrompts(value) {
  if (!isObject(value)) throw configError("signIn needs prompts: { phoneNumber, email, otp }");
  // Read once, when signIn starts: a getter read again at each prompt could answer differently,
  // or throw, and a missing `confirmLink` means "yes".
  const read = (name) => {
    try {
      return value[name];
    } catch {
      throw configError(`prompts: reading ${name} threw`);
    }
  };
  const functions = new Map();
  for (const name of REQUIRED_PROMPTS) {
    const fn = read(name);
    if (typeof fn !== "function") throw configError(`prompts.${name} must be a function`);
    functions.set(name, fn);
  }
  const confirmLink = read("confirmLink");
  if (!absent(confirmLink)) {
    if (typeof confirmLink !== "function") throw configError("prompts.confirmLink must be a function when given");
    functions.set("confirmLink", confirmLink);
  }
  return Object.freeze({ object: value, functions });
}

/**
 * A fresh promise that follows `value` (a promise, any thenable or a plain value). Not `await
 * value`: for a real promise that reads `constructor` and skips the promise's own `then`; here
 * the resolve function reads `then`, and a throw there rejects instead.
 */
function follow(value) {
  return new Promise((resolve) => resolve(value));
}

async function call(prompts, name, context, signal) {
  if (signal && signalAborted(signal)) throw aborted();
  const fn = prompts.functions.get(name);
  if (fn === undefined) throw badAnswer(name, "a function");
  let returned;
  try {
    returned = Reflect.apply(fn, prompts.object, [context]);
  } catch (reason) {
    throw cancelled(name, reason);
  }
  try {
    return await race(follow(returned), { signal: signal ?? undefined });
  } catch (reason) {
    if (reason === ABORTED || reason === TIMED_OUT) throw aborted();
    throw cancelled(name, reason);
  }
}

/** `prompts[name](context)`, waiting for a non-empty string (trimmed). Rejects with a PromptError. */
export async function askText(prompts, name, context, signal) {
  const answer = await call(prompts, name, context, signal);
  const text = typeof answer === "string" ? rustTrim(wellFormed(answer)) : "";
  if (text === "") throw badAnswer(name, "a non-empty string");
  return text;
}

/**
 * `prompts[name](context)`, waiting for a string, passed on as written (even empty): judging a
 * phone number or an email address is the engine's job, and it asks again.
 */
export async function askString(prompts, name, context, signal) {
  const answer = await call(prompts, name, context, signal);
  if (typeof answer !== "string") throw badAnswer(name, "a string");
  return wellFormed(answer);
}

/**
 * `prompts.otp(context)`: `{ code }` for any string (the engine judges it: "resend" included is
 * asked again as notSixDigits), `{ resend: true }` only for the object `{ resend: true }`.
 */
export async function askOtp(prompts, context, signal) {
  const answer = await call(prompts, "otp", context, signal);
  if (typeof answer === "string") return { code: wellFormed(answer) };
  if (property(answer, "resend") === true) return { resend: true };
  throw badAnswer("otp", "a code string or { resend: true }");
}

/** `prompts[name](context)` for a yes/no; `defaultAnswer` when the app has no such prompt. */
export async function askYesNo(prompts, name, context, signal, defaultAnswer) {
  if (!prompts.functions.has(name)) return defaultAnswer;
  const answer = await call(prompts, name, context, signal);
  if (typeof answer !== "boolean") throw badAnswer(name, "a boolean");
  return answer;
}

/**
 * Calls the app's `onEvent(event)`. A throwing callback is the app's bug, not a reason to stop
 * signing in: its exception goes to `reportError` (like an event listener's) and is ignored here.
 */
export function emitEvent(onEvent, event) {
  if (!onEvent) return;
  try {
    Reflect.apply(onEvent, undefined, [event]);
  } catch (thrown) {
    try {
      globalThis.reportError?.(thrown);
    } catch {
      // Where reporting fails too, the exception is dropped.
    }
  }
}
