// A sign-in that survives a page reload (flowStorage: "sessionStorage"): the demo page is really
// reloaded at the link path's code prompt and during its 429 back-off, then "Resume" finishes it
// with the wallet linked and no SMS beyond the one the flow needed.
import { before, after, test } from "node:test";
import assert from "node:assert/strict";
import {
  answer, launchBrowser, nextStep, openDemo, otpFromInbox, readResult, sandboxJson, screenshot,
  startScenario, startSandbox, timeline,
} from "./harness.mjs";

let sandbox;
let browser;

before(async () => {
  sandbox = await startSandbox();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await sandbox?.stop();
});

async function smsSentTo(phone) {
  const { status, body } = await sandboxJson(sandbox.url, "GET", `/sandbox/outbox?to=${encodeURIComponent(phone)}`);
  assert.equal(status, 200);
  return body.filter((message) => message.channel === "sms").length;
}

/** Reloads the page like a discarded tab coming back, and waits for the SDK to be ready. */
async function reload(page) {
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready === "true", null, { timeout: 30_000 });
}

/** After "Resume": the SMS code (if `smsFirst`), the email, the email code; returns the result. */
async function finishLink(page, who, { smsFirst }) {
  let seq = 0;
  if (smsFirst) {
    const step = await nextStep(page, seq);
    assert.match(step.title, /SMS/, JSON.stringify(step));
    seq = step.seq;
    await answer(page, step, await otpFromInbox(page, who.phone));
  }
  let step = await nextStep(page, seq);
  assert.match(step.title, /^your email/i, JSON.stringify(step));
  seq = step.seq;
  await answer(page, step, who.email);
  step = await nextStep(page, seq);
  assert.match(step.title, /code/i, JSON.stringify(step));
  seq = step.seq;
  await answer(page, step, await otpFromInbox(page, who.email));
  step = await nextStep(page, seq);
  assert.equal(step.kind, "result", JSON.stringify(step));
  return readResult(page);
}

async function walletsOf(userId) {
  const { status, body } = await sandboxJson(sandbox.url, "GET", `/sandbox/users/${encodeURIComponent(userId)}`);
  assert.equal(status, 200);
  return body.wallets.map((w) => [w.address.toLowerCase(), w.verified]);
}

test("a reload at the link path's SMS code prompt, then Resume, links the wallet", async () => {
  const { page, context, problems } = await openDemo(browser, sandbox.url);
  try {
    const who = await startScenario(page, "link", "Sandbox wallet");
    let step = await nextStep(page, 0);
    assert.match(step.title, /phone/i);
    await answer(page, step, who.phone);
    step = await nextStep(page, step.seq);
    assert.equal(step.kind, "confirm");
    await page.keyboard.press("Enter");
    step = await nextStep(page, step.seq);
    assert.match(step.title, /SMS/, JSON.stringify(step));
    assert.equal(await smsSentTo(who.phone), 1);

    await reload(page);
    await page.locator("#pending").waitFor({ state: "visible" });
    const text = await page.locator("#pending-text").textContent();
    assert.match(text, /waited for a code/);
    assert.match(text, /New wallet|link/i);
    await page.locator("#pending-resume").click();
    const result = await finishLink(page, who, { smsFirst: true });

    assert.equal(result.path, "linked");
    assert.equal(result.verified, false);
    assert.equal(await smsSentTo(who.phone), 1, "resuming sent another SMS");
    const lines = (await timeline(page)).map((entry) => entry.text);
    assert.ok(lines.some((line) => /^Resuming the saved sign-in/.test(line)), lines.join("\n"));
    assert.ok(lines.some((line) => /^Resumed the saved sign-in/.test(line)), lines.join("\n"));
    assert.ok(!lines.some((line) => /Your phone number|Is this your account/.test(line)));
    const wallets = await walletsOf(who.userId);
    assert.ok(wallets.some(([address, verified]) => address === result.wallet.toLowerCase() && verified === false), JSON.stringify(wallets));
    assert.equal(await page.locator("#pending").isHidden(), true);
    await screenshot(page, "resume-after-reload-at-code");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("a reload during the link path's 429 back-off, then Resume, waits it out and links", async () => {
  const { page, context, problems } = await openDemo(browser, sandbox.url);
  try {
    const who = await startScenario(page, "storm", "Sandbox wallet");
    let step = await nextStep(page, 0);
    await answer(page, step, who.phone);
    step = await nextStep(page, step.seq);
    assert.equal(step.kind, "confirm");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => [...document.querySelectorAll("#timeline li")].some((li) => li.dataset.kind === "backingOff"), null, { timeout: 20_000, polling: 20 });
    await reload(page);
    await page.locator("#pending").waitFor({ state: "visible" });
    assert.match(await page.locator("#pending-text").textContent(), /waited for (a back-off to end|a code)/);
    await page.locator("#pending-resume").click();
    const result = await finishLink(page, who, { smsFirst: true });

    assert.equal(result.path, "linked");
    assert.equal(await smsSentTo(who.phone), 1, "resuming sent another SMS");
    const wallets = await walletsOf(who.userId);
    assert.ok(wallets.some(([address]) => address === result.wallet.toLowerCase()), JSON.stringify(wallets));
    await screenshot(page, "resume-after-reload-in-back-off");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
