// ratio-auth/react's hooks in Chromium (React 19, StrictMode) against a scripted stand-in for
// RatioAuth (tests/e2e/react-hook-page.jsx): prompts become state, answer/resend/cancel, an
// unmount aborts and sets no state, StrictMode starts nothing twice, useRatioSession follows
// the session. The real SDK through the hook: tests/e2e/examples.test.mjs.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { build as esbuild } from "esbuild";
import { ROOT, launchBrowser } from "./harness.mjs";

let browser;
let bundle;

before(async () => {
  const out = await esbuild({
    entryPoints: [path.join(ROOT, "tests/e2e/react-hook-page.jsx")],
    bundle: true,
    format: "iife",
    jsx: "automatic",
    write: false,
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"development"' },
  });
  bundle = out.outputFiles[0].text;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

async function page() {
  const p = await browser.newPage();
  const errors = [];
  p.on("pageerror", (e) => errors.push(e.message));
  await p.setContent("<!doctype html><title>hook</title><body></body>");
  await p.addScriptTag({ content: bundle });
  await p.waitForFunction(() => document.body.dataset.ready === "true");
  return { p, errors };
}

test("useRatioSignIn: each prompt is state; answer, resend, done; StrictMode starts the sign-in once", async () => {
  const { p, errors } = await page();
  const out = await p.evaluate(async () => {
    const { t } = window;
    const auth = t.fakeAuth();
    window.auth = auth;
    const steps = [];
    await t.mount(auth);
    steps.push(t.view());
    t.flow.answer("ignored"); // no prompt: nothing happens
    t.flow.resend();
    t.flow.cancel();
    await t.settle();
    steps.push(t.view());
    const promise = t.flow.signIn({ provider: {}, account: "0xabc", firstFactor: "wallet" });
    await t.settle();
    steps.push(t.view());
    t.flow.resend(); // the phone prompt is no code prompt: nothing happens
    await t.settle();
    steps.push(t.view());
    t.flow.answer("+12025550123");
    t.flow.answer("+19999999999"); // a second answer to the same prompt is dropped
    await t.settle();
    steps.push(t.view());
    t.flow.resend();
    await t.settle();
    steps.push(t.view());
    t.flow.answer("123456");
    const result = await promise;
    await t.settle();
    steps.push(t.view());
    return { steps, result: result.path, log: auth.log, runs: auth.runs, session: t.session, listeners: auth.listeners.size, problems: t.problems };
  });
  const [mounted, afterNoops, running, afterResendOnPhone, otp, otp2, done] = out.steps;
  assert.deepEqual(mounted, { status: "idle", prompt: null, events: [], path: null, error: null });
  assert.deepEqual(afterNoops, mounted, "answer/resend/cancel without a sign-in do nothing");
  assert.equal(running.status, "prompt");
  assert.deepEqual(running.prompt, { kind: "phoneNumber", purpose: "secondFactor", phoneMask: "1234" });
  assert.deepEqual(running.events, ["stateChanged"]);
  assert.deepEqual(afterResendOnPhone, running);
  assert.equal(otp.status, "prompt");
  assert.deepEqual(otp.prompt, { kind: "otp", channel: "sms", destinationMask: "...1234", attempt: 1, maxAttempts: 5, resendAvailableAt: 0 });
  assert.deepEqual(otp.events, ["stateChanged", "otpSent"]);
  assert.equal(otp2.prompt.attempt, 2, "resend() answered the code prompt with { resend: true }");
  assert.deepEqual(done, { status: "done", prompt: null, events: ["stateChanged", "otpSent"], path: "returning", error: null });
  assert.equal(out.result, "returning");
  assert.equal(out.runs, 1, "StrictMode's double effects did not start a second sign-in");
  const [first, ...rest] = out.log.filter((l) => l.call !== "session");
  assert.deepEqual(first, { run: 1, call: "signIn", account: "0xabc", firstFactor: "wallet", keys: ["account", "firstFactor", "onEvent", "prompts", "provider", "signal"] });
  assert.deepEqual(rest, [{ run: 1, phone: "+12025550123" }, { run: 1, resend: true }, { run: 1, code: "123456" }]);
  assert.deepEqual(out.session, { sessionJwt: "jwt-1", factors: ["wallet", "sms"] }, "useRatioSession saw the signedIn change");
  assert.equal(out.listeners, 1, "StrictMode's first subscription was removed");
  assert.deepEqual(out.problems, []);
  assert.deepEqual(errors, []);
  await p.close();
});

test("useRatioSignIn: cancel() aborts the sign-in and rejects its prompt; the state says aborted", async () => {
  const { p, errors } = await page();
  const out = await p.evaluate(async () => {
    const { t } = window;
    const auth = t.fakeAuth();
    await t.mount(auth);
    const promise = t.flow.signIn({ provider: {} });
    await t.settle();
    const before = t.view();
    t.flow.cancel();
    const rejected = await promise.then(() => null, (e) => e.kind);
    await t.settle();
    return { before, after: t.view(), rejected, aborted: auth.lastSignal.aborted, reason: auth.lastSignal.reason?.name, log: auth.log, problems: t.problems };
  });
  assert.equal(out.before.prompt.kind, "phoneNumber");
  assert.equal(out.rejected, "aborted");
  assert.equal(out.aborted, true);
  assert.equal(out.reason, "AbortError");
  assert.deepEqual(out.after, { status: "failed", prompt: null, events: ["stateChanged"], path: null, error: { kind: "aborted", cause: "AbortError" } });
  assert.deepEqual(out.log.at(-1), { run: 1, rejected: "aborted", cause: "AbortError" });
  assert.deepEqual(out.problems, []);
  assert.deepEqual(errors, []);
  await p.close();
});

test("useRatioSignIn: an unmount aborts the running sign-in and sets no state after it; a new signIn replaces the running one", async () => {
  const { p, errors } = await page();
  const out = await p.evaluate(async () => {
    const { t } = window;
    const auth = t.fakeAuth();
    await t.mount(auth);
    const first = t.flow.signIn({ provider: {} }).then(() => "resolved", (e) => e.kind);
    await t.settle();
    const second = t.flow.signIn({ provider: {} }).then(() => "resolved", (e) => e.kind);
    await t.settle();
    const afterSecond = { view: t.view(), first: await first, firstSignalAborted: auth.runs === 2 };
    t.flow.answer("+12025550123");
    await t.settle();
    const rendersBefore = t.renders;
    await t.unmount();
    const secondOutcome = await second;
    await t.settle();
    return { afterSecond, secondOutcome, signalAborted: auth.lastSignal.aborted, rendersAfter: t.renders - rendersBefore, log: auth.log, listeners: auth.listeners.size, problems: t.problems };
  });
  assert.equal(out.afterSecond.first, "aborted", "the replaced sign-in was aborted");
  assert.equal(out.afterSecond.view.status, "prompt");
  assert.equal(out.afterSecond.view.prompt.kind, "phoneNumber");
  assert.equal(out.secondOutcome, "aborted");
  assert.equal(out.signalAborted, true);
  assert.equal(out.rendersAfter, 0, "nothing rendered after the unmount");
  assert.equal(out.listeners, 0, "useRatioSession unsubscribed");
  assert.deepEqual(out.log.filter((l) => l.phone), [{ run: 2, phone: "+12025550123" }], "the answer went to the running sign-in only");
  assert.deepEqual(out.problems, []);
  assert.deepEqual(errors, []);
  await p.close();
});

test("useRatioSession: undefined until read, then the stored session; null without auth; useRatioSignIn(null).signIn rejects (config)", async () => {
  const { p, errors } = await page();
  const out = await p.evaluate(async () => {
    const { t } = window;
    const auth = t.fakeAuth();
    auth.setStored({ sessionJwt: "old", factors: ["sms", "email"] });
    await t.mount(null);
    const withoutAuth = t.session;
    const rejected = await t.flow.signIn({ provider: {} }).then(() => null, (e) => ({ name: e.name, kind: e.kind }));
    const first = t.rerender(auth) === undefined ? "undefined" : "defined";
    await t.settle();
    const read = t.session;
    for (const l of [...auth.listeners]) l({ event: "signedOut", session: null, fromOtherTab: true });
    await t.settle();
    return { withoutAuth, rejected, first, read, afterSignOut: t.session, reads: auth.log.filter((l) => l.call === "session").length, problems: t.problems };
  });
  assert.equal(out.withoutAuth, null);
  assert.deepEqual(out.rejected, { name: "RatioAuthError", kind: "config" });
  assert.equal(out.first, "undefined", "not read yet in the first render with an auth");
  assert.deepEqual(out.read, { sessionJwt: "old", factors: ["sms", "email"] });
  assert.equal(out.afterSignOut, null);
  assert.ok(out.reads >= 1);
  assert.deepEqual(out.problems, []);
  assert.deepEqual(errors, []);
  await p.close();
});

test("useRatioSignIn: another RatioAuth abandons the sign-in running with the previous one; signIn then uses the new one", async () => {
  const { p, errors } = await page();
  const out = await p.evaluate(async () => {
    const { t } = window;
    const a = t.fakeAuth();
    const b = t.fakeAuth();
    await t.mount(a);
    const first = t.flow.signIn({ provider: {} }).then(() => "resolved", (e) => e.kind);
    await t.settle();
    t.rerender(b);
    await t.settle();
    const afterSwap = t.view();
    const firstOutcome = await first;
    t.flow.signIn({ provider: {} }).catch(() => {});
    await t.settle();
    return { afterSwap, firstOutcome, aAborted: a.lastSignal.aborted, aRuns: a.runs, bRuns: b.runs, now: t.view().status, problems: t.problems };
  });
  assert.deepEqual(out.afterSwap, { status: "idle", prompt: null, events: [], path: null, error: null });
  assert.equal(out.firstOutcome, "aborted");
  assert.equal(out.aAborted, true);
  assert.deepEqual([out.aRuns, out.bRuns, out.now], [1, 1, "prompt"]);
  assert.deepEqual(out.problems, []);
  assert.deepEqual(errors, []);
  await p.close();
});

test("useRatioSignIn: resumeSignIn runs auth.resumeSignIn with the hook's prompts and signal (no account, no first factor)", async () => {
  const { p, errors } = await page();
  const out = await p.evaluate(async () => {
    const { t } = window;
    const auth = t.fakeAuth();
    await t.mount(auth);
    const done = t.flow.resumeSignIn({ provider: {}, account: "0xignored", firstFactor: "sms" });
    await t.settle();
    const first = t.view();
    t.flow.answer("+12025550123");
    await t.settle();
    t.flow.answer("654321");
    const result = await done;
    await t.settle();
    return { first, keys: auth.log.find((l) => l.call === "signIn").keys, path: result.path, status: t.view().status, problems: t.problems };
  });
  assert.equal(out.first.prompt.kind, "phoneNumber");
  assert.deepEqual(out.keys, ["onEvent", "prompts", "provider", "signal"]);
  assert.equal(out.path, "returning");
  assert.equal(out.status, "done");
  assert.deepEqual(out.problems, []);
  assert.deepEqual(errors, []);
  await p.close();
});

test("tsc --noEmit: tests/types/react/usage.tsx type-checks against pkg/react.d.ts and pkg/index.d.ts", async () => {
  const { execFile } = await import("node:child_process");
  const { promisify } = await import("node:util");
  try {
    await promisify(execFile)(path.join(ROOT, "node_modules/.bin/tsc"), ["--noEmit", "-p", "tests/types/react"], { cwd: ROOT });
  } catch (error) {
    assert.fail(`tsc failed:\n${error.stdout}${error.stderr}`);
  }
});
