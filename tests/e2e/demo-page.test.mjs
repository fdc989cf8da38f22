// The demo page with its built-in sandbox wallet (a burner key signing with @noble in the page).
import { before, after, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, openDemo, runScenarioLikeAPerson, sandboxJson, screenshot, startSandbox, timeline } from "./harness.mjs";
import { defineScenarios } from "./scenarios.mjs";

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

defineScenarios({
  label: "sandbox wallet",
  slug: "sandbox-wallet",
  walletName: "Sandbox wallet",
  base: () => sandbox.url,
  open: () => openDemo(browser, sandbox.url),
});

// The smart wallet is always the burner's contract wallet (the sandbox must know its owner).
test("smart wallet: eth_getCode says contract, Ratio checks the owner's signature", async () => {
  const { page, context, problems } = await openDemo(browser, sandbox.url);
  try {
    const { result } = await runScenarioLikeAPerson(page, "smart");
    assert.equal(result.path, "new");
    assert.match(result.wallet, /\(smart-contract wallet\)$/);
    const events = await timeline(page);
    assert.ok(events.some((e) => e.kind === "signatureLeftToServer"), JSON.stringify(events));
    assert.ok(!events.some((e) => e.kind === "signatureChecked"), "no local check for a contract wallet");
    await screenshot(page, "sandbox-wallet-smart-wallet");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("smart wallet on a server without EIP-1271: the page says contract wallets are not accepted", async () => {
  await sandboxJson(sandbox.url, "POST", "/sandbox/contract-wallets/support", { accept: false });
  const { page, context } = await openDemo(browser, sandbox.url);
  try {
    await page.locator('button.scenario[data-scenario="smart"]').click();
    await page.locator("#error").waitFor({ state: "visible" });
    assert.match(await page.locator("#error").textContent(), /not accepted/);
  } finally {
    await sandboxJson(sandbox.url, "POST", "/sandbox/contract-wallets/support", { accept: true });
    await context.close();
  }
});
