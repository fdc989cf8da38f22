// The smallest dapp: a returning user signs in with a burner wallet. The prompts answer from the
// sandbox (the account's phone, the code from /sandbox/outbox), so one click runs the whole flow.
import { RatioAuth, discoverWallets, isRatioAuthError } from "ratio-auth";
import { createSandboxWallet, randomUsPhone } from "../../../www/sandbox-wallet.js";

const out = document.getElementById("out");
const button = document.getElementById("sign-in");
const base = location.origin;

async function sandbox(method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
  return response.json();
}

async function newestCode(to) {
  for (;;) {
    const messages = await sandbox("GET", `/sandbox/outbox?to=${encodeURIComponent(to)}`);
    if (messages.length) return messages[0].otp;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function signIn() {
  button.disabled = true;
  const wallet = createSandboxWallet();
  const phone = randomUsPhone();
  const email = `vite-${Date.now()}@example.com`;
  const { id } = await sandbox("POST", "/sandbox/users", { phoneNumber: phone, emailAddress: email, walletAddress: wallet.address });
  const auth = new RatioAuth({ baseUrl: base, clientId: "sandbox", clientSecret: "sandbox-secret" });
  const events = [];
  try {
    const result = await auth.signIn({
      provider: wallet.provider,
      prompts: {
        phoneNumber: async () => phone,
        email: async () => email,
        otp: async (ctx) => newestCode(ctx.channel === "sms" ? phone : email),
      },
      onEvent: (event) => events.push(event.type),
    });
    out.textContent = JSON.stringify({
      ok: true, userId: id, path: result.path, factors: result.factors,
      walletAddress: result.walletAddress, expected: wallet.address, walletVerified: result.walletVerified,
      events: events.length,
    });
  } catch (error) {
    out.textContent = JSON.stringify({ ok: false, isRatioAuthError: isRatioAuthError(error), kind: error?.kind, message: String(error?.message) });
  }
}

discoverWallets(50).then((found) => {
  out.textContent = `ready (${found.length} EIP-6963 wallets)`;
  button.disabled = false;
  document.body.dataset.ready = "true";
});
button.addEventListener("click", signIn);
