// Uses the whole public API of the package as a TypeScript dapp would; `tsc --noEmit` must accept
// it against the index.d.ts of the INSTALLED tarball (node_modules/ratio-auth, found through the
// package's exports map: no `paths`), in strict mode. Never run: type-checked only. Each
// `@ts-expect-error` is a check that the types are real (an `any` would make it unused, an error).
import {
  RatioAuth,
  RatioAuthErrorKinds,
  discoverWallets,
  init,
  isRatioAuthError,
  watchWallets,
  type EIP1193Provider,
  type EIP6963ProviderDetail,
  type RatioApi,
  type RatioAuthConfigReason,
  type RatioAuthError,
  type RatioAuthErrorKind,
  type RatioAuthEvent,
  type RatioAuthFactor,
  type RatioAuthOptions,
  type RatioAuthOtpAnswer,
  type RatioAuthOtpPromptContext,
  type RatioAuthPath,
  type RatioAuthPendingSignIn,
  type RatioAuthPrompts,
  type RatioAuthResumeReason,
  type RatioAuthSession,
  type RatioAuthSessionChange,
  type RatioAuthSignInResult,
  type RatioAuthStorageAdapter,
  type RatioAuthTokenFactor,
  type RatioAuthWalletReason,
  type RatioUserMask,
} from "ratio-auth";

declare const injected: EIP1193Provider | undefined;

const ERROR_TEXT: Record<RatioAuthErrorKind, string> = {
  userRejected: "declined in the wallet",
  rateLimited: "too many attempts",
  conflict: "already in use",
  invalidOtp: "wrong code",
  mfaRequired: "second factor needed",
  signatureMismatch: "signed by another account",
  contractWalletRefused: "smart wallets not accepted",
  network: "offline",
  timeout: "too slow",
  aborted: "stopped",
  server: "server error",
  badResponse: "not Ratio's answer",
  config: "misconfigured",
  wallet: "wallet failed",
  resume: "cannot resume",
};
const kinds: readonly RatioAuthErrorKind[] = RatioAuthErrorKinds;

function describe(event: RatioAuthEvent): string {
  switch (event.type) {
    case "stateChanged":
      return `${event.state} (${event.purpose})`;
    case "pathChosen":
      return event.path;
    case "requestSent":
      return `${event.endpoint} #${event.attempt}${event.token ? ` with token ${event.token.id}` : ""}`;
    case "responseReceived":
      return `${event.endpoint}: ${event.status} ${event.code ?? ""}`;
    case "otpSent":
      return `${event.channel} to ${event.destinationMask}`;
    case "otpRejected":
      return `${event.attemptsLeft} left`;
    case "backingOff": {
      const seconds: number = (event.untilMs - Date.now()) / 1000;
      return `${event.reason}: retry ${event.endpoint} in ${seconds.toFixed(1)} s`;
    }
    case "tokenIssued":
      return event.factors.join("+");
    case "walletLinked":
      return `${event.address} verified=${event.verified}`;
    case "resumed":
      return `resumed at ${event.state} (${event.purpose})`;
    case "finished":
      return `${event.path} walletVerified=${event.walletVerified} walletKind=${event.walletKind}`;
    case "signatureLeftToServer":
      return `${event.address} is a ${event.walletKind} wallet (${event.evidence})`;
    case "failed": {
      const retryAt: number | undefined = event.error.retryAt;
      return `${event.error.kind}: ${event.error.message} ${retryAt ?? ""}`;
    }
    default:
      return event.type;
  }
}

/** What a dapp shows for an error: the union narrows on `kind` to each kind's own fields. */
function explain(error: unknown): string {
  if (!isRatioAuthError(error)) return String(error);
  const e: RatioAuthError = error;
  const common = `${ERROR_TEXT[e.kind]} ${e.shortMessage} ${e.details ?? ""} ${e.code ?? ""} ${e.status ?? ""} ${e.stack ?? ""}`;
  if (e.kind === "rateLimited") {
    const retryAt: number | undefined = e.retryAt;
    return retryAt === undefined ? common : `${common} try again at ${new Date(retryAt).toISOString()}`;
  }
  if (e.kind === "config") {
    // @ts-expect-error retryAt is a rateLimited error's field, not a config error's
    void e.retryAt;
    const reason: RatioAuthConfigReason | undefined = e.reason;
    return reason === "unsupportedEnvironment" ? "call me from the browser" : common;
  }
  switch (e.kind) {
    case "wallet": {
      const reason: RatioAuthWalletReason = e.reason;
      const code: number | undefined = e.walletCode;
      return `${reason} ${code ?? ""}`;
    }
    case "userRejected":
      return `${e.walletCode ?? 4001}`;
    case "signatureMismatch":
      return e.signedBy ?? common;
    case "resume": {
      const why: RatioAuthResumeReason = e.reason;
      return why === "otherWallet" ? "switch back to the saved account" : "start again";
    }
    case "network":
      return e.reason === "wasmLoad" ? "the module could not load (CSP?)" : common;
    default: {
      // @ts-expect-error only wallet and resume errors carry a reason among these kinds
      void e.reason;
      return common;
    }
  }
}

/** The prompts only the user can answer. */
const prompts: RatioAuthPrompts = {
  phoneNumber: async (ctx) => (ctx.phoneMask ? `+1555000${ctx.phoneMask}` : "+14155550123"),
  email: async (ctx) => `${ctx.purpose}${ctx.emailMask ?? ""}@example.com`,
  otp: async (ctx: RatioAuthOtpPromptContext): Promise<RatioAuthOtpAnswer> =>
    ctx.problem === "wrongCode" && ctx.resendAvailableAt !== undefined ? { resend: true } : `${ctx.attempt}23456`.slice(0, 6),
  confirmLink: async (ctx) => ctx.walletAddress.startsWith("0x") && ctx.kind === "confirmLink",
};

/** An app-owned session storage (async, shared between tabs). */
const adapter: RatioAuthStorageAdapter = {
  async get(key) {
    return localStorage.getItem(key);
  },
  set(key, value) {
    localStorage.setItem(key, value);
  },
  async remove(key) {
    localStorage.removeItem(key);
  },
  shared: true,
};

/** Optional: fetch the .wasm before the first sign-in (from a CDN here). */
export async function preload(): Promise<void> {
  await init();
  await init({ wasmUrl: new URL("https://cdn.example/ratio_auth_bg.wasm") });
  await init({ wasmUrl: "/assets/ratio_auth_bg.wasm" });
}

export async function main(): Promise<void> {
  const options: RatioAuthOptions = {
    baseUrl: "http://127.0.0.1:8080",
    clientId: "sandbox",
    clientSecret: "sandbox-secret",
    deviceFingerprint: btoa(JSON.stringify({ userAgent: navigator.userAgent })),
    retry: { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxTotalMs: 120_000 },
    timeoutMs: 15_000,
    storage: "sessionStorage",
    flowStorage: "sessionStorage",
  };
  const auth = new RatioAuth(options);
  const proxied = new RatioAuth({ baseUrl: "https://dapp.example/ratio", clientSessionId: "cs_123", storage: adapter });
  await proxied.ready();

  const unsubscribe: () => void = auth.onSessionChange((change: RatioAuthSessionChange) => {
    const jwt: string | undefined = change.session?.sessionJwt;
    console.log(change.event, change.fromOtherTab, jwt?.length);
  });
  const stopWatching = watchWallets((found: readonly EIP6963ProviderDetail[]) => console.log(found.length));
  stopWatching();

  const wallets: EIP6963ProviderDetail[] = await discoverWallets(300);
  await discoverWallets();
  const first = wallets[0];
  const provider: EIP1193Provider | undefined = first?.provider ?? injected;
  if (!provider) return;
  const names: string[] = wallets.map((w) => `${w.info.name} ${w.info.rdns} ${w.info.uuid} ${w.info.icon}`);
  console.log(names, kinds.length);

  const controller = new AbortController();
  try {
    const result: RatioAuthSignInResult = await auth.signIn({
      provider,
      account: "0x0000000000000000000000000000000000000001",
      firstFactor: "wallet",
      prompts,
      onEvent: (event) => console.log(describe(event)),
      signal: controller.signal,
    });
    const path: RatioAuthPath = result.path;
    const factors: RatioAuthTokenFactor[] = result.factors;
    const firstFactor: RatioAuthFactor = "sms";
    const jwt: string = result.sessionJwt;
    const kind: "eoa" | "contract" = result.walletKind;
    const expiresAt: number | undefined = result.expiresAt;
    console.log(path, factors, firstFactor, jwt.length, kind, expiresAt, result.walletAddress);

    // The result narrows on `path`.
    if (result.path === "returning") {
      const shown: RatioUserMask = result.userMask;
      const verified: true = result.walletVerified;
      console.log(shown.phoneMask, shown.emailMask, verified);
    } else if (result.path === "linked") {
      const verified: boolean = result.walletVerified;
      // @ts-expect-error after the link path the wallet may be unverified
      const surely: true = result.walletVerified;
      console.log(verified, surely);
    } else {
      const verified: true = result.walletVerified;
      // @ts-expect-error userMask is only certain for a returning user
      const shown: RatioUserMask = result.userMask;
      console.log(verified, shown);
    }

    const pending: RatioAuthPendingSignIn | null = await auth.pendingSignIn();
    if (pending && pending.step === "otp" && pending.expiresAt > Date.now()) {
      const resumed: RatioAuthSignInResult = await auth.resumeSignIn({ provider, prompts, onEvent: (event) => console.log(describe(event)) });
      console.log(resumed.path, pending.walletAddress, pending.phoneMask, pending.path);
    }
    await auth.discardPendingSignIn();

    const session: RatioAuthSession | null = await auth.session();
    if (session && !session.expired) console.log(session.sessionJwt, session.expiresAt, session.factors);

    const api: RatioApi = auth.api;
    const { challenge } = await api.walletStart({ walletAddress: result.walletAddress }, { signal: controller.signal });
    const signature = (await provider.request({ method: "personal_sign", params: [challenge, result.walletAddress] })) as string;
    const authenticated = await api.walletAuthenticate({ walletAddress: result.walletAddress, signature }, { jwt });
    const next = authenticated.refreshJwt ?? authenticated.sessionJwt;
    const sms = await api.smsSend({ phoneNumber: "+14155550123" }, { jwt: next, signal: controller.signal });
    const smsAuth = await api.smsAuthenticate({ phoneId: sms.phoneId, otp: "123456" }, { jwt: next });
    const mail = await api.emailSend({ emailAddress: "a@example.com" }, { jwt: smsAuth.sessionJwt });
    const mailAuth = await api.emailAuthenticate({ emailId: mail.emailId, otp: "123456" }, { jwt: null });
    // The calls that need a session use the stored one when no jwt is given.
    await api.walletAddToUser({ walletAddress: result.walletAddress });
    const user = await api.createUser(
      { firstName: "Ada", lastName: "Lovelace", email: "a@example.com", country: "US", phone: "+14155550123", acceptedTerms: true },
      { jwt: mailAuth.sessionJwt },
    );
    if (user.id) console.log((await api.getUser(user.id)).firstName);
    await auth.signOut();
  } catch (error: unknown) {
    console.log(explain(error));
  } finally {
    unsubscribe();
  }
}

// The types are real (no `any`): these must be refused.
// @ts-expect-error storage is "memory" | "sessionStorage" | an adapter, never localStorage
new RatioAuth({ baseUrl: "http://127.0.0.1:8080", storage: "localStorage" });
// @ts-expect-error baseUrl is a string
new RatioAuth({ baseUrl: 8080 });
// @ts-expect-error an unknown error kind
const notAKind: RatioAuthErrorKind = "oops";
// @ts-expect-error firstFactor is wallet | sms | email
void ({ firstFactor: "totp" } satisfies Partial<Parameters<RatioAuth["signIn"]>[0]>);
// @ts-expect-error flowStorage is "none" | "sessionStorage"
new RatioAuth({ baseUrl: "http://127.0.0.1:8080", flowStorage: "localStorage" });
// @ts-expect-error resumeSignIn takes the account from the saved sign-in
void ({ account: "0x01" } satisfies Partial<Parameters<RatioAuth["resumeSignIn"]>[0]>);
// @ts-expect-error the OTP prompt's resend answer is { resend: true } only
const resendFalse: RatioAuthOtpAnswer = { resend: false };
// @ts-expect-error api options are an object { jwt?, signal? }, not a bare JWT
void new RatioAuth({ baseUrl: "http://127.0.0.1:8080" }).api.getUser("u1", "eyJ...");
// @ts-expect-error walletStart takes no JWT (a new sign-in has none)
void new RatioAuth({ baseUrl: "http://127.0.0.1:8080" }).api.walletStart({ walletAddress: "0x01" }, { jwt: "eyJ..." });
// @ts-expect-error session() is async: a promise, not the session
const notAwaited: RatioAuthSession | null = new RatioAuth({ baseUrl: "http://127.0.0.1:8080" }).session();
// @ts-expect-error the wasm glue's free() is not part of the API
new RatioAuth({ baseUrl: "http://127.0.0.1:8080" }).free();
// @ts-expect-error an EIP-1193 provider needs request()
void ({ provider: { send() {} } } satisfies Partial<Parameters<RatioAuth["signIn"]>[0]>);
console.log(notAKind, resendFalse, notAwaited);
