// The demo's five scenarios, run through the page like a person, each asserting what the page
// shows AND what the sandbox holds afterwards. Used with the page's sandbox wallet and with an
// independent (ethers) signer.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  nextStep, otpFromInbox, runScenarioLikeAPerson, sandboxJson, screenshot, timeline,
} from "./harness.mjs";

const same = (a, b) => a.toLowerCase() === b.toLowerCase();

async function sandboxUser(env, id) {
  const { status, body } = await sandboxJson(env.base(), "GET", `/sandbox/users/${encodeURIComponent(id)}`);
  assert.equal(status, 200, `GET /sandbox/users/${id}`);
  return body;
}

/**
 * `env`: { base(): string, open(): Promise<{page, context, problems, signatures?}>, walletName?, label }
 */
export function defineScenarios(env) {
  const label = env.label;

  test(`${label}: new user — wallet, phone, SMS code, then the app creates the account`, async () => {
    const { page, context, problems, after } = await env.open();
    try {
      const { who, result, steps } = await runScenarioLikeAPerson(page, "new", { walletName: env.walletName });
      assert.deepEqual(steps.filter((s) => s.kind !== "result").map((s) => s.title), ["Your phone number", "Enter the SMS code"]);
      assert.equal(result.path, "new");
      assert.deepEqual(result.factors.sort(), ["sms", "wallet"]);
      assert.equal(result.verified, true);
      assert.match(result.user, /New to Ratio/);

      // The app's next step: create the account with the two-factor session (keyboard only).
      await page.locator("#create-user-form").waitFor({ state: "visible" });
      assert.equal(await page.locator("#cu-email").inputValue(), who.email);
      await page.locator("#cu-terms").focus();
      await page.keyboard.press("Space");
      await page.locator("#cu-submit").focus();
      await page.keyboard.press("Enter");
      await page.locator("#sandbox-check").waitFor({ state: "visible" });
      const userId = await page.locator("#sandbox-check").getAttribute("data-user-id");
      assert.ok(userId, "the page shows the created user");

      const user = await sandboxUser(env, userId);
      assert.equal(user.phoneNumber, who.phone);
      assert.equal(user.emailAddress, who.email);
      assert.equal(user.wallets.length, 1, JSON.stringify(user.wallets));
      assert.ok(same(user.wallets[0].address, result.wallet));
      assert.equal(user.wallets[0].verified, true);
      await after?.(result);
      await screenshot(page, `${env.slug}-new-user`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test(`${label}: returning user — wallet, then the SMS code from the inbox`, async () => {
    const { page, context, problems, after } = await env.open();
    try {
      const { who, result, steps } = await runScenarioLikeAPerson(page, "returning", { walletName: env.walletName });
      assert.ok(who.userId, "the scenario created a sandbox user");
      assert.deepEqual(steps.filter((s) => s.kind !== "result").map((s) => s.title), ["Your phone number", "Enter the SMS code"]);
      assert.match(steps[0].detail, new RegExp(who.phone.slice(-4)), "the phone form shows the known number's last digits");
      assert.equal(result.path, "returning");
      assert.deepEqual(result.factors.sort(), ["sms", "wallet"]);
      assert.equal(result.verified, true);
      assert.match(result.user, new RegExp(who.userId));

      const user = await sandboxUser(env, who.userId);
      assert.deepEqual(user.wallets.map((w) => [w.address.toLowerCase(), w.verified]), [[result.wallet.toLowerCase(), true]]);
      await after?.(result);
      await screenshot(page, `${env.slug}-returning-user`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  for (const storm of [false, true]) {
    const name = storm ? "storm" : "link";
    test(`${label}: new wallet for an existing user${storm ? " under a 429 storm" : ""} — 409, confirm, SMS first, email, addToUser`, async () => {
      const { page, context, problems, after } = await env.open();
      try {
        const { who, result, steps } = await runScenarioLikeAPerson(page, name, { walletName: env.walletName });
        const before = await sandboxUser(env, who.userId);
        assert.deepEqual(
          steps.filter((s) => s.kind !== "result").map((s) => s.kind === "confirm" ? "confirm" : s.title),
          ["Your phone number", "confirm", "Enter the SMS code", "Your email", "Enter the email code"],
        );
        assert.equal(result.path, "linked");
        assert.ok(result.factors.includes("sms") && result.factors.includes("email"), result.factors.join());

        const wallets = before.wallets;
        assert.equal(wallets.length, 2, JSON.stringify(wallets));
        const ours = wallets.find((w) => same(w.address, result.wallet));
        const other = wallets.find((w) => !same(w.address, result.wallet));
        assert.ok(ours, "the signing wallet is attached to the existing user");
        assert.equal(ours.verified, result.verified, "the page says what the sandbox holds (verified or not)");
        assert.equal(other.verified, true, "the user's other wallet is untouched");
        if (!result.verified) assert.match(result.verifiedText, /verifies at its next sign-in/);

        const events = await timeline(page);
        assert.ok(events.some((e) => e.kind === "responseReceived" && /409 ALREADY_EXISTS_PHONE/.test(e.text)), "the 409 is in the timeline");
        assert.ok(events.some((e) => e.kind === "walletLinked"), "addToUser is in the timeline");
        if (storm) {
          const backoffs = events.filter((e) => e.kind === "backingOff" && /429/.test(e.text));
          assert.ok(backoffs.length >= 3, `three 429s backed off, saw ${backoffs.length}`);
          const sent = events.filter((e) => e.kind === "requestSent" && /otp\/sms:send/.test(e.text));
          assert.ok(sent.length >= 5, `1 send with the wallet JWT + 3 refused + 1 accepted, saw ${sent.length}`);
          const faults = await sandboxJson(env.base(), "GET", "/sandbox/faults");
          assert.deepEqual(faults.body.filter((f) => f.path === "/v1/auth/otp/sms:send"), [], "every injected 429 was consumed");
          const smsCodes = await sandboxJson(env.base(), "GET", `/sandbox/outbox?to=${encodeURIComponent(who.phone)}`);
          assert.equal(smsCodes.body.length, 1, "exactly one SMS went out: no storm of messages");
        }
        await after?.(result);
        await screenshot(page, `${env.slug}-${storm ? "link-429-storm" : "link-new-wallet"}`);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }

  test(`${label}: existing factor first — SMS code, then the wallet joins the account`, async () => {
    const { page, context, problems, after } = await env.open();
    try {
      const { who, result, steps } = await runScenarioLikeAPerson(page, "factorFirst", { walletName: env.walletName });
      assert.equal(steps[0].title, "Your phone number");
      assert.equal(result.path, "factorFirst");
      assert.ok(result.factors.includes("sms") && result.factors.includes("wallet"), result.factors.join());
      const user = await sandboxUser(env, who.userId);
      assert.deepEqual(user.wallets.map((w) => [w.address.toLowerCase(), w.verified]), [[result.wallet.toLowerCase(), result.verified]]);
      assert.equal(result.verified, true);
      await after?.(result);
      await screenshot(page, `${env.slug}-factor-first`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test(`${label}: a wrong code is refused with a message, the right one then works`, async () => {
    const { page, context, problems } = await env.open();
    try {
      const { result, steps } = await runScenarioLikeAPerson(page, "returning", { walletName: env.walletName, wrongOtpFirst: true });
      const retry = steps.find((s) => s.kind === "prompt" && s.problem);
      assert.ok(retry, "the code form came back with a problem");
      assert.match(retry.title, /code/);
      assert.match(retry.problem, /not right/);
      assert.equal(result.path, "returning");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
}

export { nextStep, otpFromInbox };
