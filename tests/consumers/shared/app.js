// The dapp every consumer test builds (Vite, webpack, a plain page): a returning user signs in
// once with the sandbox's burner wallet, found through EIP-6963 discovery. It never names the
// package: each consumer's entry imports "ratio-auth" (as that consumer resolves it) and hands the
// exports in, with the burner wallet module. No `await init()`: the wasm loads at the first call.
//
// Before any click it shows what the plain-JS parts of the package did without the wasm
// (discoverWallets, isRatioAuthError on a constructor's config error, RatioAuthErrorKinds); the
// test checks in the network log that the .wasm was not fetched by then.

const WALLET_UUID = "5c7e0d1e-8f1b-4c55-9e0b-6d2f3a1b7c01";

async function sandbox(method, path, body) {
  const response = await fetch(location.origin + path, {
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
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Announces the burner wallet as an EIP-6963 wallet (now, and whenever a dapp asks). */
function announce(provider) {
  const detail = Object.freeze({
    info: Object.freeze({ uuid: WALLET_UUID, name: "Sandbox burner", rdns: "me.ratio.sandbox-burner", icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E" }),
    provider,
  });
  const send = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail }));
  window.addEventListener("eip6963:requestProvider", send);
  send();
}

export function startApp(ratio, walletModule, consumer) {
  const { RatioAuth, discoverWallets, isRatioAuthError, RatioAuthErrorKinds } = ratio;
  const out = document.getElementById("out");
  const button = document.getElementById("sign-in");
  const burner = walletModule.createSandboxWallet();
  announce(burner.provider);

  async function boot() {
    let constructorError = null;
    try {
      new RatioAuth({ baseUrl: location.origin, storage: "localStorage" });
    } catch (error) {
      constructorError = error;
    }
    const wallets = await discoverWallets(100);
    const before = {
      consumer,
      wallets: wallets.map((w) => ({ uuid: w.info.uuid, name: w.info.name, sameProvider: w.provider === burner.provider })),
      plainErrorIsOurs: isRatioAuthError(new Error("not ours")),
      constructorErrorIsOurs: isRatioAuthError(constructorError),
      constructorErrorKind: constructorError?.kind ?? null,
      constructorErrorName: constructorError?.name ?? null,
      kinds: RatioAuthErrorKinds.length,
    };
    out.textContent = JSON.stringify({ ready: true, before });
    button.disabled = false;
    document.body.dataset.ready = "true";
    return wallets;
  }

  async function signIn(wallets) {
    button.disabled = true;
    const phone = walletModule.randomUsPhone();
    const email = `${consumer}-${Date.now()}@example.com`;
    const { id } = await sandbox("POST", "/sandbox/users", { phoneNumber: phone, emailAddress: email, walletAddress: burner.address });
    const auth = new RatioAuth({ baseUrl: location.origin, clientId: "sandbox", clientSecret: "sandbox-secret" });
    const events = [];
    try {
      const result = await auth.signIn({
        provider: wallets[0].provider,
        prompts: {
          phoneNumber: async () => phone,
          email: async () => email,
          otp: async (ctx) => newestCode(ctx.channel === "sms" ? phone : email),
        },
        onEvent: (event) => events.push(event.type),
      });
      const session = await auth.session();
      out.textContent = JSON.stringify({
        ok: true,
        userId: id,
        path: result.path,
        factors: result.factors,
        walletAddress: result.walletAddress,
        expected: burner.address,
        walletVerified: result.walletVerified,
        storedJwtIsResult: session?.sessionJwt === result.sessionJwt,
        events,
      });
    } catch (error) {
      out.textContent = JSON.stringify({ ok: false, isRatioAuthError: isRatioAuthError(error), kind: error?.kind, message: String(error?.message) });
    }
  }

  boot().then(
    (wallets) => button.addEventListener("click", () => signIn(wallets)),
    (error) => {
      out.textContent = JSON.stringify({ ready: false, message: String(error?.message ?? error) });
      document.body.dataset.ready = "true";
    },
  );
}
