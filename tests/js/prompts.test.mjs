// npm/prompts.js: the signIn options, the prompts and onEvent, ported from the prompt tests of
// tests/web_units.rs and, at the module level, hostile_sign_in_options_give_typed_errors and
// hostile_prompt_answers_give_typed_errors of tests/web_hostile.rs.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  PromptError,
  RESUME_KEYS,
  SIGN_IN_KEYS,
  askOtp,
  askString,
  askText,
  askYesNo,
  checkPrompts,
  checkSignInOptions,
  emitEvent,
  promptErrorToJs,
} from "../../npm/prompts.js";
import { FlowAbort, callerSignal, signalAborted } from "../../npm/abort.js";
import { isRatioAuthError } from "../../npm/errors.js";
import { OTP_ANSWERS, PHONE_NUMBER_ANSWERS, hostileAnswer, hostileSignInOptions } from "./hostile-values.mjs";

/** What `promise` rejects with. */
async function rejection(promise, label) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail(`${label}: resolved`);
}

function typedError(thunk, label) {
  try {
    thunk();
  } catch (error) {
    assert.ok(isRatioAuthError(error), `${label}: not a RatioAuthError: ${error}`);
    return error;
  }
  assert.fail(`${label}: accepted`);
}

function testPrompts() {
  return {
    seen: [],
    phoneNumber(ctx) {
      this.seen.push(["phoneNumber", ctx.attempt]);
      return "  +12025550143 ";
    },
    email: async function (ctx) {
      this.seen.push(["email", ctx.attempt]);
      return 42;
    },
    otp: () => new Promise(() => {}),
    confirmLink: async (ctx) => {
      if (ctx.walletAddress === "no") throw new Error("user closed the dialog");
      return false;
    },
  };
}

test("prompts_are_called_checked_and_cancellable", async () => {
  const object = testPrompts();
  const prompts = checkPrompts(object);
  const ctx = { attempt: 1, walletAddress: "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23" };

  // A plain (non-async) function works, `this` is the prompts object, answers are trimmed.
  assert.equal(await askText(prompts, "phoneNumber", ctx, null), "+12025550143");
  assert.equal(object.seen.length, 1);
  // askString passes the string on as written.
  assert.equal(await askString(prompts, "phoneNumber", ctx, null), "  +12025550143 ");
  // A number where a string is due is the app's bug: a config error.
  const bad = await rejection(askText(prompts, "email", ctx, null), "email");
  assert.ok(bad instanceof PromptError);
  assert.deepEqual([bad.promptError, bad.prompt, bad.expected], ["badAnswer", "email", "a non-empty string"]);
  const badJs = promptErrorToJs(bad);
  assert.equal(badJs.kind, "config");
  assert.equal(badJs.message, "prompts.email must resolve to a non-empty string");
  const badString = await rejection(askString(prompts, "email", ctx, null), "email");
  assert.equal(promptErrorToJs(badString).message, "prompts.email must resolve to a string");

  // A prompt that never answers ends with the flow's signal, and only then.
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 30);
  const stopped = await rejection(askText(prompts, "otp", ctx, controller.signal), "otp");
  assert.equal(stopped.promptError, "aborted");
  const stoppedJs = promptErrorToJs(stopped);
  assert.equal(stoppedJs.kind, "aborted");
  assert.equal(stoppedJs.message, "the operation was aborted");
  assert.equal("cause" in stoppedJs, false);
  // An already aborted signal: the prompt is not even called.
  const before = object.seen.length;
  assert.equal((await rejection(askText(prompts, "phoneNumber", ctx, controller.signal), "pre-aborted")).promptError, "aborted");
  assert.equal(object.seen.length, before);

  // A rejection is the app cancelling: `aborted`, with its reason as `cause`.
  assert.equal(await askYesNo(prompts, "confirmLink", ctx, null, true), false);
  const cancelled = await rejection(askYesNo(prompts, "confirmLink", { walletAddress: "no" }, null, true), "confirmLink");
  assert.equal(cancelled.promptError, "cancelled");
  const js = promptErrorToJs(cancelled);
  assert.equal(js.kind, "aborted");
  assert.equal(js.message, "the confirmLink prompt was cancelled");
  assert.equal(js.cause.message, "user closed the dialog");
  // No confirmLink: the default.
  const without = { ...object };
  delete without.confirmLink;
  assert.equal(await askYesNo(checkPrompts(without), "confirmLink", ctx, null, true), true);
  // A yes/no prompt must give a boolean.
  const notBool = await rejection(askYesNo(checkPrompts({ ...object, confirmLink: () => "yes" }), "confirmLink", ctx, null, true), "yes");
  assert.equal(promptErrorToJs(notBool).message, "prompts.confirmLink must resolve to a boolean");
  // A prompt that throws synchronously (even `undefined`) is cancelling too; the cause is kept.
  const threw = await rejection(
    askString(
      checkPrompts({
        ...object,
        phoneNumber() {
          throw undefined;
        },
      }),
      "phoneNumber",
      ctx,
      null,
    ),
    "throws undefined",
  );
  const threwJs = promptErrorToJs(threw);
  assert.equal(threwJs.kind, "aborted");
  assert.ok(Object.hasOwn(threwJs, "cause") && threwJs.cause === undefined);
});

test("prompts_object_is_checked_up_front", () => {
  assert.equal(typedError(() => checkPrompts(undefined), "undefined").kind, "config");
  assert.equal(typedError(() => checkPrompts(undefined), "undefined").message, "signIn needs prompts: { phoneNumber, email, otp }");
  const missingOtp = typedError(() => checkPrompts({ phoneNumber: 1, email: 2 }), "missing otp");
  assert.ok(missingOtp.message.includes("prompts.phoneNumber"), missingOtp.message);
  assert.equal(missingOtp.kind, "config");
  const f = () => {};
  assert.equal(typedError(() => checkPrompts({ phoneNumber: f, email: f }), "otp").message, "prompts.otp must be a function");
  assert.equal(
    typedError(() => checkPrompts({ phoneNumber: f, email: f, otp: f, confirmLink: true }), "confirmLink").message,
    "prompts.confirmLink must be a function when given",
  );
  // null is absent; a function is not an object.
  assert.ok(checkPrompts({ phoneNumber: f, email: f, otp: f, confirmLink: null }));
  assert.equal(typedError(() => checkPrompts(f), "function").kind, "config");
});

test("a_throwing_on_event_does_not_stop_the_flow", () => {
  const calls = [];
  const callback = (event) => {
    calls.push(event.type);
    if (event.type === "boom") throw new Error("app bug");
  };
  const reported = [];
  const saved = Object.getOwnPropertyDescriptor(globalThis, "reportError");
  globalThis.reportError = (error) => reported.push(error.message);
  try {
    emitEvent(callback, { type: "walletSigned" });
    emitEvent(callback, { type: "boom" });
    emitEvent(callback, { type: "otpSent" });
    emitEvent(null, { type: "nobody listens" });
  } finally {
    if (saved) Object.defineProperty(globalThis, "reportError", saved);
    else delete globalThis.reportError;
  }
  assert.equal(calls.join(","), "walletSigned,boom,otpSent");
  // The exception is reported, like an event listener's.
  assert.deepEqual(reported, ["app bug"]);
  // Without reportError (as in Node), or with one that throws, it is dropped.
  emitEvent(callback, { type: "boom" });
  globalThis.reportError = () => {
    throw new Error("no");
  };
  try {
    emitEvent(callback, { type: "boom" });
  } finally {
    delete globalThis.reportError;
  }
  // `this` is undefined, as in the wasm's call.
  let seenThis = "unset";
  emitEvent(
    function () {
      "use strict";
      seenThis = this;
    },
    {},
  );
  assert.equal(seenThis, undefined);
});

test("only_the_resend_object_asks_for_a_new_code", async () => {
  const answers = ["resend", " resend ", { resend: true }, "123456", { resend: false }];
  const prompts = checkPrompts({ phoneNumber: () => "", email: () => "", otp: () => answers.shift() });
  const ctx = { kind: "otp", attempt: 1 };
  for (const expected of ["resend", " resend "]) {
    assert.deepEqual(await askOtp(prompts, ctx, null), { code: expected }, `the string ${JSON.stringify(expected)} is a code`);
  }
  assert.deepEqual(await askOtp(prompts, ctx, null), { resend: true });
  assert.deepEqual(await askOtp(prompts, ctx, null), { code: "123456" });
  const error = await rejection(askOtp(prompts, ctx, null), "resend false");
  assert.deepEqual([error.promptError, error.prompt, error.expected], ["badAnswer", "otp", "a code string or { resend: true }"]);
  assert.equal(promptErrorToJs(error).kind, "config");
});

test("signIn options: types, defaults and messages", () => {
  const f = () => {};
  const provider = { request: f };
  const prompts = { phoneNumber: f, email: f, otp: f };
  const checked = checkSignInOptions({ provider, prompts }, SIGN_IN_KEYS);
  assert.deepEqual(
    { ...checked, prompts: undefined },
    { provider, account: null, firstFactor: "wallet", prompts: undefined, onEvent: null, signal: null },
  );
  assert.equal(checked.prompts.object, prompts);
  const signal = new AbortController().signal;
  const full = checkSignInOptions({ provider, prompts, account: "0xabc", firstFactor: "sms", onEvent: f, signal }, SIGN_IN_KEYS);
  assert.deepEqual([full.account, full.firstFactor, full.onEvent, full.signal], ["0xabc", "sms", f, signal]);
  assert.equal(checkSignInOptions({ provider, prompts, firstFactor: "email", account: null, onEvent: null, signal: null }, SIGN_IN_KEYS).firstFactor, "email");

  const message = (options, known = SIGN_IN_KEYS) => {
    const error = typedError(() => checkSignInOptions(options, known), JSON.stringify(options));
    assert.equal(error.kind, "config");
    return error.message;
  };
  assert.equal(message(undefined), "signIn needs an options object: { provider, prompts, ... }");
  assert.equal(message({ provider, prompts, acount: "x" }), 'unknown option "acount"; known: provider, account, firstFactor, prompts, onEvent, signal');
  // resumeSignIn takes the account and the first factor from the saved flow.
  assert.equal(message({ provider, prompts, account: "x" }, RESUME_KEYS), 'unknown option "account"; known: provider, prompts, onEvent, signal');
  assert.equal(message({ provider, prompts, account: 1 }), "signIn: account must be a string");
  assert.equal(message({ provider, prompts, firstFactor: "Wallet" }), 'signIn: firstFactor must be "wallet", "sms" or "email"');
  assert.equal(message({ provider, prompts, onEvent: {} }), "signIn: onEvent must be a function");
  assert.equal(message({ provider, prompts, signal: {} }), "signIn: signal must be an AbortSignal");
  assert.equal(message({ provider: {}, prompts }), "signIn: provider must be an EIP-1193 provider (an object with request())");
  assert.equal(message({ prompts }), "signIn: provider must be an EIP-1193 provider (an object with request())");
  assert.equal(message({ provider }), "signIn needs prompts: { phoneNumber, email, otp }");
  // The checks run in the Rust's order: account, firstFactor, onEvent, signal, provider, prompts.
  assert.equal(message({ account: 1, firstFactor: 1, onEvent: 1, signal: 1 }), "signIn: account must be a string");
  assert.equal(message({ firstFactor: 1, onEvent: 1, signal: 1 }), 'signIn: firstFactor must be "wallet", "sms" or "email"');
  assert.equal(message({ onEvent: 1, signal: 1 }), "signIn: onEvent must be a function");
  assert.equal(message({ signal: 1 }), "signIn: signal must be an AbortSignal");
  // A function with request() is a provider too (the Rust reads properties of functions).
  assert.ok(checkSignInOptions({ provider: Object.assign(() => {}, { request: f }), prompts }, SIGN_IN_KEYS));
  // Unknown keys are refused before anything is read.
  assert.match(message({ bogus: 1, account: 1 }), /^unknown option "bogus"/);
});

// --- hostile values (tests/web_hostile.rs) ------------------------------------------------------

function goodOptions() {
  const events = [];
  return {
    provider: { request: () => new Promise(() => {}), on() {}, removeListener() {} },
    prompts: { phoneNumber: () => "+12025550143", email: () => "nobody@example.com", otp: async () => "123456" },
    onEvent(event) {
      events.push(event);
    },
  };
}

test("hostile_sign_in_options_give_typed_errors", () => {
  const cases = hostileSignInOptions(goodOptions());
  assert.ok(cases.length > 30);
  // Chromium's AbortSignal getters brand-check a Proxy of a signal and throw; Node's (written in
  // JS) read a private symbol through the Proxy and accept it. Which one applies is callerSignal's
  // (npm/abort.js) business: checkSignInOptions refuses exactly what it refuses.
  const brandChecked = callerSignal(new Proxy(new AbortController().signal, {})) === null;
  for (const [label, options, rustExpected] of cases) {
    const proxiedSignal = label === "signal proxy of an AbortSignal" || label === "signal getPrototypeOf";
    const expected = proxiedSignal && !brandChecked ? "ok" : rustExpected;
    if (proxiedSignal) assert.equal(callerSignal(options.signal) === null, expected === "config", label);
    if (expected === "config") {
      const error = typedError(() => checkSignInOptions(options, SIGN_IN_KEYS), label);
      assert.equal(error.kind, "config", `${label}: ${error.message}`);
      // resumeSignIn refuses them too (as unknown options where they name account or firstFactor).
      const resumed = typedError(() => checkSignInOptions(options, RESUME_KEYS), label);
      assert.equal(resumed.kind, "config", label);
      continue;
    }
    // The harmless variants pass the checks; what follows is the flow's.
    const checked = checkSignInOptions(options, SIGN_IN_KEYS);
    if (label.startsWith("onEvent")) {
      assert.equal(typeof checked.onEvent, "function", label);
      // Calling it throws (every trap does): the flow goes on.
      emitEvent(checked.onEvent, { type: "started" });
    } else {
      // The real getters are read, not the shadowing own ones.
      assert.equal(checked.signal, options.signal, label);
      const flow = new FlowAbort(checked.signal);
      assert.equal(signalAborted(flow.signal), expected === "aborted", label);
      if (expected === "aborted") {
        const error = flow.error();
        assert.equal(error.kind, "aborted", label);
      }
      flow.dispose();
    }
  }
  // The module still works afterwards.
  assert.equal(checkSignInOptions(goodOptions(), SIGN_IN_KEYS).firstFactor, "wallet");
});

test("hostile_prompt_answers_give_typed_errors", async () => {
  const ctx = { kind: "phoneNumber", attempt: 1 };
  const promptsAnswering = (mode) =>
    checkPrompts({
      phoneNumber: () => hostileAnswer(mode, "+12025550143"),
      email: () => "nobody@example.com",
      otp: async () => hostileAnswer(mode, ""),
    });
  // Resolving a promise reads `then`: a throwing read rejects it, which is the app cancelling
  // (`aborted`, the exception as `cause`).
  for (const [mode, kind] of PHONE_NUMBER_ANSWERS) {
    const label = `phoneNumber answers ${mode}`;
    const error = await rejection(askString(promptsAnswering(mode), "phoneNumber", ctx, new AbortController().signal), label);
    assert.ok(error instanceof PromptError, `${label}: ${error}`);
    const js = promptErrorToJs(error);
    assert.ok(isRatioAuthError(js), label);
    assert.equal(js.kind, kind, `${label}: ${js.message}`);
    if (kind === "aborted") {
      assert.equal(js.message, "the phoneNumber prompt was cancelled", label);
      // What the read of `then` threw: the trap's error, or the TypeError of a revoked Proxy.
      const expectedCause = mode === "revoked" ? TypeError : Error;
      assert.ok(js.cause instanceof expectedCause, `${label}: cause ${js.cause}`);
      if (mode !== "revoked") assert.match(js.cause.message, /^hostile /, label);
    } else {
      assert.equal(js.message, "prompts.phoneNumber must resolve to a string", label);
    }
  }
  for (const [mode, kind] of OTP_ANSWERS) {
    const label = `otp answers ${mode}`;
    const error = await rejection(askOtp(promptsAnswering(mode), { kind: "otp", attempt: 1 }, null), label);
    const js = promptErrorToJs(error);
    assert.equal(js.kind, kind, `${label}: ${js.message}`);
    if (kind === "config") assert.equal(js.message, "prompts.otp must resolve to a code string or { resend: true }", label);
  }
  // The same prompts still answer afterwards.
  assert.equal(await askString(promptsAnswering("none"), "phoneNumber", ctx, null), "+12025550143");
  assert.deepEqual(await askOtp(checkPrompts({ phoneNumber() {}, email() {}, otp: () => ({ resend: true }) }), ctx, null), { resend: true });
});
