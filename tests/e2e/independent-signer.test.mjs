// The same scenarios with an independent signer: an ethers v6 Wallet (other code than ours)
// wrapped as an EIP-1193 provider, injected into the page and announced through EIP-6963, then
// chosen in the page's wallet picker. Every signature the SDK sends must be one ethers made.

import { before, after, test } from "node:test";
import assert from "node:assert/strict";
import { Wallet, getBytes, verifyMessage, toUtf8String } from "ethers";
import { launchBrowser, nextStep, openDemo, screenshot, startSandbox } from "./harness.mjs";
import { defineScenarios } from "./scenarios.mjs";

const SIGNER_NAME = "Ethers Test Signer";

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

/** Runs in the page before its scripts: an EIP-1193 provider whose signing happens in Node. */
function injectProvider({ address, uuid, name, rejectCode }) {
  const listeners = new Map();
  const provider = {
    async request({ method, params } = {}) {
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return [address];
        case "eth_chainId":
          return "0x1";
        case "personal_sign": {
          const [message, account] = params ?? [];
          if (rejectCode !== undefined && rejectCode !== null) {
            const text = rejectCode === -32603 ? "MetaMask Message Signature: User denied message signature." : "User rejected the request.";
            throw Object.assign(new Error(text), { code: rejectCode });
          }
          if (String(account).toLowerCase() !== address.toLowerCase()) {
            throw Object.assign(new Error("unknown account"), { code: 4100 });
          }
          return window.__ethersPersonalSign(message);
        }
        default:
          throw Object.assign(new Error(`unsupported method ${method}`), { code: 4200 });
      }
    },
    on(event, fn) { (listeners.get(event) ?? listeners.set(event, new Set()).get(event)).add(fn); return provider; },
    removeListener(event, fn) { listeners.get(event)?.delete(fn); return provider; },
  };
  const info = Object.freeze({
    uuid,
    name,
    rdns: "org.ethers.test-signer",
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='6' fill='%232535a0'/%3E%3Ctext x='16' y='22' font-size='16' text-anchor='middle' fill='white' font-family='sans-serif'%3EE%3C/text%3E%3C/svg%3E",
  });
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
}

/** A page with a fresh ethers wallet injected; records what ethers signed and what the SDK sent. */
async function openWithEthers({ rejectCode } = {}) {
  const wallet = Wallet.createRandom();
  const signed = [];
  const sent = [];
  const opened = await openDemo(browser, sandbox.url, {
    expose: {
      __ethersPersonalSign: async (hexMessage) => {
        const signature = await wallet.signMessage(getBytes(hexMessage));
        signed.push({ message: toUtf8String(getBytes(hexMessage)), signature });
        return signature;
      },
    },
    initScripts: [[injectProvider, { address: wallet.address, uuid: crypto.randomUUID(), name: SIGNER_NAME, rejectCode }]],
  });
  opened.page.on("request", (request) => {
    if (request.url().endsWith("/v1/auth/cryptoWallet:authenticate")) sent.push(JSON.parse(request.postData()));
  });
  await opened.page.getByRole("radio", { name: new RegExp(SIGNER_NAME) }).waitFor();
  opened.after = async (result) => {
    assert.equal(result.wallet, wallet.address, "the page signed in with the ethers wallet (EIP-55)");
    assert.ok(signed.length >= 1, "ethers signed at least one challenge");
    assert.ok(sent.length >= 1, "the SDK sent at least one wallet authenticate");
    for (const body of sent) {
      assert.ok(signed.some((s) => s.signature === body.signature), "every signature sent is one ethers made");
      assert.equal(body.walletAddress.toLowerCase(), wallet.address.toLowerCase());
    }
    for (const s of signed) {
      assert.match(s.message, /^Signing in with Ratio: /, "ethers was asked to sign the challenge text");
      assert.equal(verifyMessage(s.message, s.signature), wallet.address);
    }
  };
  return opened;
}

defineScenarios({
  label: "ethers signer",
  slug: "ethers-signer",
  walletName: SIGNER_NAME,
  base: () => sandbox.url,
  open: () => openWithEthers(),
});

for (const [code, why] of [[4001, "EIP-1193 4001"], [-32603, "the -32603 'User denied' quirk"]]) {
  test(`ethers signer: the wallet declines (${why}) — the page explains it, no session`, async () => {
    const { page, context, problems } = await openWithEthers({ rejectCode: code });
    try {
      await page.getByRole("radio", { name: new RegExp(SIGNER_NAME) }).check();
      await page.locator('button.scenario[data-scenario="returning"]').click();
      const step = await nextStep(page);
      assert.equal(step.kind, "error");
      assert.equal(step.title, "You declined in your wallet");
      assert.match(step.meta, /kind: userRejected/);
      assert.equal(await page.evaluate(() => document.activeElement?.id), "error", "focus moves to the message");
      if (code === 4001) await screenshot(page, "ethers-signer-user-rejected");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
}
