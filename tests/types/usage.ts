// Uses the whole public API of the package as a TypeScript dapp would; `tsc --noEmit` must accept
// it against pkg/ratio_auth.d.ts (strict mode, no `any`). Never run: type-checked only.
import init, {
  RatioAuth,
  RatioApi,
  discoverWallets,
  isRatioAuthError,
  sessionInfo,
  type RatioAuthSessionInfo,
  type RatioAuthOtpAnswer,
  type EIP1193Provider,
  type EIP6963ProviderDetail,
  type RatioAuthError,
  type RatioAuthErrorKind,
  type RatioAuthEvent,
  type RatioAuthOptions,
  type RatioAuthPrompts,
  type RatioAuthSignInResult,
  type RatioAuthSession,
  type RatioAuthPath,
  type RatioAuthFactor,
  type RatioAuthTokenFactor,
  type RatioAuthOtpPromptContext,
  type RatioAuthPendingSignIn,
  type RatioAuthResumeReason,
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
    case "failed":
      return `${event.error.kind}: ${event.error.message}`;
    default:
      return event.type;
  }
}

async function main(): Promise<void> {
  await init();
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
  const proxied = new RatioAuth({ baseUrl: "https://dapp.example/ratio", clientSessionId: "cs_123" });
  proxied.free();

  const wallets: EIP6963ProviderDetail[] = await discoverWallets(300);
  const first = wallets[0];
  const provider: EIP1193Provider | undefined = first?.provider ?? injected;
  if (!provider) return;
  const names: string[] = wallets.map((w) => `${w.info.name} ${w.info.rdns} ${w.info.uuid} ${w.info.icon}`);
  console.log(names);

  const prompts: RatioAuthPrompts = {
    phoneNumber: async (ctx) => (ctx.phoneMask ? `+1555000${ctx.phoneMask}` : "+14155550123"),
    email: async (ctx) => `${ctx.purpose}@example.com`,
    otp: async (ctx: RatioAuthOtpPromptContext) =>
      ctx.attempt > ctx.maxAttempts ? { resend: true } : "123456",
    confirmLink: async (ctx) => ctx.walletAddress.startsWith("0x"),
  };

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
    const verified: boolean = result.walletVerified;
    const kind: "eoa" | "contract" = result.walletKind;
    const userId: string | undefined = result.userMask?.id;
    console.log(path, factors, firstFactor, jwt.length, verified, kind, userId, result.walletAddress, result.userMask?.phoneMask);

    const pending: RatioAuthPendingSignIn | null = auth.pendingSignIn();
    if (pending && pending.step === "otp" && pending.expiresAt > Date.now()) {
      const resumed: RatioAuthSignInResult = await auth.resumeSignIn({ provider, prompts, onEvent: (event) => console.log(describe(event)) });
      console.log(resumed.path, pending.walletAddress, pending.phoneMask, pending.path);
    }
    auth.discardPendingSignIn();

    const session: RatioAuthSession | undefined = auth.session();
    if (session && !session.expired) console.log(session.expiresAt, session.factors);
    // storage "none": the caller keeps the JWT and reads it with sessionInfo (any value: never throws).
    const keeper = new RatioAuth({ baseUrl: "http://127.0.0.1:8080", storage: "none", flowStorage: "sessionStorage" });
    const info: RatioAuthSessionInfo = sessionInfo(result.sessionJwt);
    const nothing: RatioAuthSessionInfo = sessionInfo(undefined);
    console.log(info.factors, info.expiresAt, info.expired, nothing, keeper.session());
    keeper.free();

    const api: RatioApi = auth.api;
    const apiController = new AbortController();
    const { challenge } = await api.walletStart({ walletAddress: result.walletAddress }, apiController.signal);
    const signature = (await provider.request({ method: "personal_sign", params: [challenge, result.walletAddress] })) as string;
    const authenticated = await api.walletAuthenticate({ walletAddress: result.walletAddress, signature }, jwt);
    const next = authenticated.refreshJwt ?? authenticated.sessionJwt;
    const sms = await api.smsSend({ phoneNumber: "+14155550123" }, next);
    const smsAuth = await api.smsAuthenticate({ phoneId: sms.phoneId, otp: "123456" }, next);
    const mail = await api.emailSend({ emailAddress: "a@example.com" }, smsAuth.sessionJwt);
    const mailAuth = await api.emailAuthenticate({ emailId: mail.emailId, otp: "123456" }, smsAuth.sessionJwt);
    await api.walletAddToUser({ walletAddress: result.walletAddress }, mailAuth.sessionJwt);
    const user = await api.createUser(
      { firstName: "Ada", lastName: "Lovelace", email: "a@example.com", country: "US", phone: "+14155550123", acceptedTerms: true },
      mailAuth.sessionJwt,
    );
    if (user.id) console.log((await api.getUser(user.id, mailAuth.sessionJwt, AbortSignal.timeout(5000))).firstName);
    await api.smsSend({ phoneNumber: "+14155550123" }, null, null);
    auth.signOut();
  } catch (error: unknown) {
    if (isRatioAuthError(error)) {
      const e: RatioAuthError = error;
      const retryAt: number | undefined = e.retryAt;
      console.log(ERROR_TEXT[e.kind], e.code, e.status, retryAt, e.signedBy, e.walletCode, e.reason, e.cause, e.stack);
      const short: string = e.shortMessage;
      const details: string | undefined = e.details;
      console.log(short, details, e.message);
      if (e.kind === "resume") {
        const why = e.reason as RatioAuthResumeReason;
        console.log(why === "otherWallet" ? "switch back to the saved account" : "start again");
      }
    } else {
      throw error;
    }
  } finally {
    auth.free();
  }
}

void main();

// The types are real (no `any`): these must be refused.
// @ts-expect-error storage is "memory" | "sessionStorage" | "none", never localStorage
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
// @ts-expect-error a resend is asked for with { resend: true } only
const notAResend: RatioAuthOtpAnswer = { resend: "yes" };
// @ts-expect-error the signal of an api call is an AbortSignal
void ((api: RatioApi) => api.walletStart({ walletAddress: "0x01" }, "stop"));
