// The demo page with its built-in sandbox wallet (a burner key signing with @noble in the page).
import { before, after } from "node:test";
import { launchBrowser, openDemo, startSandbox } from "./harness.mjs";
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
