// Types of the `ratio-auth` package (its entry, index.js). Written by hand: the wasm underneath
// is internal, and nothing of its generated glue (its init output, `free()`) is part of the API.

/** What went wrong; branch on this rather than on `message`. */
export type RatioAuthErrorKind =
  | "userRejected"
  | "rateLimited"
  | "conflict"
  | "invalidOtp"
  | "mfaRequired"
  | "signatureMismatch"
  | "contractWalletRefused"
  | "network"
  | "timeout"
  | "aborted"
  | "server"
  | "badResponse"
  | "config"
  | "wallet"
  | "resume";

/** A finer cause of a `wallet` error. */
export type RatioAuthWalletReason =
  | "notAProvider"
  | "unauthorized"
  | "unsupportedMethod"
  | "disconnected"
  | "chainDisconnected"
  | "requestPending"
  | "noAccounts"
  | "accountNotAvailable"
  | "badResponse"
  | "accountsChanged"
  | "other";

/** A finer cause of a `resume` error. */
export type RatioAuthResumeReason =
  /** Nothing saved (or `flowStorage` is `"none"`). */
  | "noPendingSignIn"
  /** Older than its 10 minutes (cleared). */
  | "expired"
  /** Written by another SDK version, or damaged (cleared). */
  | "unreadable"
  /** The provider's account is not the saved `walletAddress` (the saved sign-in is kept). */
  | "otherWallet";

/** A finer cause of a `config` error. */
export type RatioAuthConfigReason =
  /** Called under Node or server-side rendering: the SDK runs in a browser page or worker. */
  | "unsupportedEnvironment"
  /** The session storage (sessionStorage or the adapter) failed; the session stayed in memory. */
  | "storage"
  /** An `api` call that needs a session JWT found none stored and none passed. */
  | "noSession";

/** A finer cause of a `network` error. */
export type RatioAuthNetworkReason =
  /** The `.wasm` could not be fetched or compiled (offline, a CSP without `'wasm-unsafe-eval'`). */
  "wasmLoad";

/**
 * What every RatioAuthError has: a real `Error` (`stack` is set) with `name === "RatioAuthError"`.
 * Messages never contain a JWT, an OTP or a secret. `isRatioAuthError(e)` narrows an unknown
 * `catch` value; then branch on `kind`, which narrows to the kind's own fields.
 */
export interface RatioAuthErrorBase<K extends RatioAuthErrorKind = RatioAuthErrorKind> extends Error {
  readonly name: "RatioAuthError";
  readonly kind: K;
  /** One line, for a toast: `message` without the details. */
  readonly shortMessage: string;
  /** What else is known (a server's or wallet's message, sanitised), or undefined. */
  readonly details: string | undefined;
  /** Ratio's error code (`"TOO_MANY_REQUESTS"`, `"ALREADY_EXISTS_PHONE"`, ...) when the server sent one. */
  readonly code: string | undefined;
  /** The HTTP status when there was a response. */
  readonly status: number | undefined;
  /** The original error: a wallet's error object, a fetch `TypeError`, an abort reason. */
  readonly cause?: unknown;
}

export interface RatioAuthRateLimitedError extends RatioAuthErrorBase<"rateLimited"> {
  /** When (unix ms) a new attempt may succeed; absent when Ratio did not say. */
  readonly retryAt?: number;
}

export interface RatioAuthSignatureMismatchError extends RatioAuthErrorBase<"signatureMismatch"> {
  /** The account (EIP-55) that actually signed, when it could be recovered. */
  readonly signedBy?: string;
}

export interface RatioAuthWalletError extends RatioAuthErrorBase<"wallet"> {
  readonly reason: RatioAuthWalletReason;
  /** The EIP-1193 or JSON-RPC error code the wallet gave. */
  readonly walletCode?: number;
}

export interface RatioAuthUserRejectedError extends RatioAuthErrorBase<"userRejected"> {
  /** 4001, or the code of the wallet's "user denied" quirk. */
  readonly walletCode?: number;
}

export interface RatioAuthResumeError extends RatioAuthErrorBase<"resume"> {
  readonly reason: RatioAuthResumeReason;
}

export interface RatioAuthConfigError extends RatioAuthErrorBase<"config"> {
  readonly reason?: RatioAuthConfigReason;
}

export interface RatioAuthNetworkError extends RatioAuthErrorBase<"network"> {
  readonly reason?: RatioAuthNetworkReason;
}

/** Every error the SDK throws or rejects with, keyed on `kind`. */
export type RatioAuthError =
  | RatioAuthRateLimitedError
  | RatioAuthSignatureMismatchError
  | RatioAuthWalletError
  | RatioAuthUserRejectedError
  | RatioAuthResumeError
  | RatioAuthConfigError
  | RatioAuthNetworkError
  | RatioAuthErrorBase<
      "conflict" | "invalidOtp" | "mfaRequired" | "contractWalletRefused" | "timeout" | "aborted" | "server" | "badResponse"
    >;

/** Every `kind`, as a frozen array (plain JS: usable before the wasm loads). */
export declare const RatioAuthErrorKinds: readonly RatioAuthErrorKind[];

/** True for the errors this package throws or rejects with (plain JS: no wasm needed). */
export declare function isRatioAuthError(value: unknown): value is RatioAuthError;

/** EIP-1193 `request` arguments. */
export interface EIP1193RequestArguments {
  readonly method: string;
  /**
   * `| undefined`: providers typed method by method (viem's, wagmi's) declare `params?: undefined`
   * for methods without parameters, which `exactOptionalPropertyTypes` would otherwise refuse.
   */
  readonly params?: readonly unknown[] | object | undefined;
}

/** Any EIP-1193 provider: `window.ethereum`, an EIP-6963 provider, wagmi's, a test double. */
export interface EIP1193Provider {
  request(args: EIP1193RequestArguments): Promise<unknown>;
  on?(event: "accountsChanged", listener: (accounts: string[]) => void): unknown;
  removeListener?(event: "accountsChanged", listener: (accounts: string[]) => void): unknown;
}

/** EIP-6963 wallet metadata. `icon` is a `data:image/...` URI, or `""` when the wallet sent anything else. */
export interface EIP6963ProviderInfo {
  readonly uuid: string;
  readonly name: string;
  readonly icon: string;
  readonly rdns: string;
}

/** One wallet found by `discoverWallets`. */
export interface EIP6963ProviderDetail {
  readonly info: EIP6963ProviderInfo;
  readonly provider: EIP1193Provider;
}

/** Back-off of retried requests (429s and transient failures). All bounded; see the README. */
export interface RatioAuthRetryOptions {
  /** Total tries, the first included: 1 to 10, default 5. */
  maxAttempts?: number;
  /** Ceiling of the first retry's delay: 0 to 60 000 ms, default 500. */
  baseDelayMs?: number;
  /** Ceiling of any retry's delay (a `Retry-After` may exceed it): 0 to 600 000 ms, default 30 000. */
  maxDelayMs?: number;
  /** No retry later than this after the first failure: 0 to 3 600 000 ms, default 120 000. */
  maxTotalMs?: number;
}

/**
 * The app's own session storage. Each method may return a promise. A method that throws or
 * rejects leaves the session in memory (the failure goes to `reportError`).
 */
export interface RatioAuthStorageAdapter {
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  set(key: string, value: string): void | Promise<void>;
  remove(key: string): void | Promise<void>;
  /**
   * True when the app's other tabs see the same storage (IndexedDB, a cookie...): sign-in and
   * sign-out are then announced to them (a `BroadcastChannel` carrying the event name only).
   */
  shared?: boolean;
}

/**
 * Options of `new RatioAuth(...)`. Unknown keys are refused (a `config` error, at `ready()` or
 * at the first call).
 */
export interface RatioAuthOptions {
  /**
   * Ratio's API, your backend proxy, or the sandbox: an absolute http(s) URL. A trailing `/` or
   * `/v1` is ignored. `http:` is refused for hosts other than loopback (`localhost`,
   * `127.0.0.0/8`, `[::1]`) unless `dangerouslyAllowInsecureHttp` is set.
   */
  baseUrl: string;
  clientId?: string;
  /**
   * Refused unless `baseUrl` is loopback (`localhost`, `127.0.0.0/8`, `[::1]`) or
   * `dangerouslyAllowClientSecretInBrowser` is set: a secret in a web page is public.
   */
  clientSecret?: string;
  /** A client session minted by your backend (`POST /v1/client/sessions`): the browser-safe credential. */
  clientSessionId?: string;
  dangerouslyAllowClientSecretInBrowser?: boolean;
  /** Allows cleartext `http:` to a non-loopback `baseUrl` (a test device on a LAN); never in production. */
  dangerouslyAllowInsecureHttp?: boolean;
  /** Base64 of a JSON object such as `{"ip":"...","userAgent":"..."}`, sent as `ratio-device-fingerprint`. */
  deviceFingerprint?: string;
  retry?: RatioAuthRetryOptions;
  /** Per HTTP request and per wallet prompt: 100 to 600 000 ms (defaults 15 000 and 120 000). */
  timeoutMs?: number;
  /**
   * Where the session JWT is kept between sign-ins; default `"memory"`. `"sessionStorage"`
   * survives reloads of the tab. An adapter keeps it in the app's own storage. Never
   * `localStorage` by default: it outlives the tab and every tab of the origin shares it.
   */
  storage?: "memory" | "sessionStorage" | RatioAuthStorageAdapter;
  /**
   * `"sessionStorage"` saves an unfinished sign-in whenever it waits for the user or a back-off,
   * so that it survives a reload of the tab (`pendingSignIn()`, `resumeSignIn()`); cleared when
   * it ends. Needs `storage: "sessionStorage"` or an adapter: the saved flow holds its steps' session JWTs
   * (never a code, a signature or a credential). Default `"none"`.
   */
  flowStorage?: "none" | "sessionStorage";
}

export type RatioAuthFactor = "wallet" | "sms" | "email";
export type RatioAuthOtpChannel = "sms" | "email";

/** Why a contact or a code is asked for (the engine's step of the flow). */
export type RatioAuthPurpose =
  | "walletSignIn"
  | "secondFactor"
  | "linkFirstFactor"
  | "linkSecondFactor"
  | "firstFactor"
  | "walletAfterFactor"
  | "addToUser";

/** Why the previous answer was not accepted, when a prompt asks again. */
export type RatioAuthInputProblem =
  | "notE164Phone"
  | "notAnEmail"
  | "notSixDigits"
  | "rejectedByServer"
  | "wrongCode"
  | "resendUnavailable";

/** Context of the `phoneNumber` prompt. */
export interface RatioAuthPhonePromptContext {
  kind: "phoneNumber";
  purpose: RatioAuthPurpose;
  /** Last 4 digits of the number Ratio knows for this user, as a hint. */
  phoneMask?: string;
  problem?: RatioAuthInputProblem;
}

/** Context of the `email` prompt. */
export interface RatioAuthEmailPromptContext {
  kind: "email";
  purpose: RatioAuthPurpose;
  /** The masked address Ratio knows for this user (`"rat...@example.com"`), as a hint. */
  emailMask?: string;
  problem?: RatioAuthInputProblem;
}

/** Context of the `otp` prompt. */
export interface RatioAuthOtpPromptContext {
  kind: "otp";
  channel: RatioAuthOtpChannel;
  /** `"...1234"` for SMS, `"rat...@example.com"` for email. */
  destinationMask: string;
  /** 1 for the first code, 2+ after a wrong one or a resend. */
  attempt: number;
  maxAttempts: number;
  /** Unix ms from which a new code may be sent; absent when no more resends are allowed. */
  resendAvailableAt?: number;
  problem?: RatioAuthInputProblem;
}

/** Context of the `confirmLink` prompt (a new wallet for an existing user). */
export interface RatioAuthConfirmLinkContext {
  kind: "confirmLink";
  /** EIP-55. */
  walletAddress: string;
  phoneMask?: string;
}

/** What `prompts.otp` resolves to: the code, or `{ resend: true }` for a new one. */
export type RatioAuthOtpAnswer = string | { resend: true };

/** The questions only the user can answer. Each may reject (or the signal abort) to stop. */
export interface RatioAuthPrompts {
  phoneNumber(ctx: RatioAuthPhonePromptContext): Promise<string>;
  email(ctx: RatioAuthEmailPromptContext): Promise<string>;
  /**
   * The code; or, to have a new code sent, `{ resend: true }` (sent at once, or at
   * `resendAvailableAt` if that is later; refused with `problem: "resendUnavailable"` when no
   * resend is left).
   */
  otp(ctx: RatioAuthOtpPromptContext): Promise<RatioAuthOtpAnswer>;
  /** Default: yes. */
  confirmLink?(ctx: RatioAuthConfirmLinkContext): Promise<boolean>;
}

/** Which way the sign-in went. */
export type RatioAuthPath = "returning" | "new" | "linked" | "factorFirst";

/** What the flow is doing or waiting for. */
export type RatioAuthFlowState =
  | "walletStart"
  | "walletSign"
  | "walletAuthenticate"
  | "phonePrompt"
  | "smsSend"
  | "smsOtpPrompt"
  | "smsAuthenticate"
  | "emailPrompt"
  | "emailSend"
  | "emailOtpPrompt"
  | "emailAuthenticate"
  | "confirmLink"
  | "addToUser"
  | "backingOff"
  | "done"
  | "failed";

/** Ratio's endpoints, by name. */
export type RatioAuthEndpoint =
  | "walletStart"
  | "walletAuthenticate"
  | "walletAddToUser"
  | "smsSend"
  | "smsAuthenticate"
  | "emailSend"
  | "emailAuthenticate"
  | "createUser"
  | "getUser"
  | "createClientSession"
  | "getClientSession";

/** A factor kind as a session JWT lists it (`"other"`: OAuth, TOTP, ... which this SDK does not use). */
export type RatioAuthTokenFactor = RatioAuthFactor | "other";

/** Which session JWT of the flow an event is about; never the JWT itself. */
export interface RatioAuthTokenRef {
  /** Increasing in issue order within the flow (a refresh gets a new id). */
  id: number;
  factor: RatioAuthTokenFactor;
  purpose: RatioAuthPurpose;
}

/** The engine's error, as the `failed` event carries it. */
export interface RatioAuthFlowError {
  kind: RatioAuthErrorKind;
  code?: string;
  status?: number;
  message: string;
  endpoint?: RatioAuthEndpoint;
  state: RatioAuthFlowState;
  /** `rateLimited`: unix ms. */
  retryAt?: number;
  /** `signatureMismatch`. */
  signedBy?: string;
  /** `signatureMismatch`: the wallet signed the hex text of the challenge instead of its bytes. */
  signedHexText?: boolean;
  /** `wallet`. */
  walletCode?: number;
}

/**
 * Every state change of the flow, for progress UIs and logs, oldest first. Never carries a JWT or
 * an OTP: tokens appear as `RatioAuthTokenRef`s, destinations only masked. Times are unix ms.
 */
export type RatioAuthEvent =
  | { type: "stateChanged"; state: RatioAuthFlowState; purpose: RatioAuthPurpose }
  | { type: "pathChosen"; path: RatioAuthPath }
  | { type: "requestSent"; endpoint: RatioAuthEndpoint; purpose: RatioAuthPurpose; attempt: number; token?: RatioAuthTokenRef }
  | { type: "responseReceived"; endpoint: RatioAuthEndpoint; status: number; code?: string }
  | { type: "transportFailed"; endpoint: RatioAuthEndpoint; timeout: boolean }
  | { type: "signatureChecked"; address: string }
  | { type: "signatureLeftToServer"; address: string; walletKind: "contract"; evidence: "code" | "erc6492" }
  | { type: "codeCheckFailed"; address: string; timeout: boolean; walletCode?: number }
  | { type: "otpSent"; channel: RatioAuthOtpChannel; destinationMask: string }
  | { type: "otpRejected"; channel: RatioAuthOtpChannel; attempt: number; attemptsLeft: number }
  | { type: "answerRejected"; prompt: "phoneNumber" | "email" | "otp" | "confirmLink"; problem: RatioAuthInputProblem }
  | { type: "backingOff"; endpoint: RatioAuthEndpoint; reason: "rateLimited" | "serverError" | "timeout" | "network"; attempt: number; untilMs: number; retryAfterMs?: number }
  | { type: "resendScheduled"; channel: RatioAuthOtpChannel; atMs: number }
  | { type: "tokenIssued"; token: RatioAuthTokenRef; factors: RatioAuthTokenFactor[] }
  | { type: "tokenRefreshed"; old: RatioAuthTokenRef; new: RatioAuthTokenRef }
  | { type: "refreshIgnored"; endpoint: RatioAuthEndpoint }
  | { type: "tokenRevoked"; token: RatioAuthTokenRef; reason: "phoneBelongsToAnotherUser" | "rejectedByServer" }
  | { type: "resumed"; state: RatioAuthFlowState; purpose: RatioAuthPurpose }
  | { type: "signingAgain"; purpose: RatioAuthPurpose; reason: "serverError" | "timeout" | "network" }
  | { type: "codeResentAfterLostAnswer"; channel: RatioAuthOtpChannel }
  | { type: "stepRestarted"; purpose: RatioAuthPurpose; code: string }
  | { type: "walletLinked"; address: string; verified: boolean }
  | { type: "inputIgnored"; input: "http" | "signature" | "answer" | "timer" | "code"; state: RatioAuthFlowState }
  | { type: "finished"; path: RatioAuthPath; walletVerified: boolean; walletKind: RatioAuthWalletKind }
  | { type: "failed"; error: RatioAuthFlowError };

/** Options of `auth.signIn(...)`. */
export interface RatioAuthSignInOptions {
  provider: EIP1193Provider;
  /** Which account to use; default the wallet's first (selected) account. */
  account?: string;
  /** Default `"wallet"`; `"sms"` / `"email"` sign in with an existing factor first. */
  firstFactor?: RatioAuthFactor;
  prompts: RatioAuthPrompts;
  onEvent?(event: RatioAuthEvent): void;
  signal?: AbortSignal;
}

/** Options of `auth.resumeSignIn(...)`: the account and first factor come from the saved sign-in. */
export interface RatioAuthResumeOptions {
  provider: EIP1193Provider;
  prompts: RatioAuthPrompts;
  onEvent?(event: RatioAuthEvent): void;
  signal?: AbortSignal;
}

/** What `auth.pendingSignIn()` shows of a saved sign-in: no JWT, destinations masked. */
export interface RatioAuthPendingSignIn {
  /** `null` while the path is not known yet. */
  path: RatioAuthPath | null;
  /** What the flow waits for. */
  step: "phoneNumber" | "email" | "otp" | "confirmLink" | "backoff";
  /** EIP-55: `resumeSignIn` needs the provider on this account. */
  walletAddress: string;
  phoneMask?: string;
  emailMask?: string;
  /** Unix ms after which it can no longer be resumed. */
  expiresAt: number;
}

/**
 * `"eoa"`: the wallet signs with a key, checked by the SDK before sending. `"contract"`: a
 * smart-contract wallet (EIP-1271, or ERC-6492 before deployment) whose signature only Ratio can
 * check; a refusal of it is a `contractWalletRefused` error.
 */
export type RatioAuthWalletKind = "eoa" | "contract";

/** What every `signIn` result has. */
export interface RatioAuthSignInResultBase {
  /** The two-factor session JWT (also stored per `storage`). */
  sessionJwt: string;
  path: RatioAuthPath;
  /** EIP-55. */
  walletAddress: string;
  walletVerified: boolean;
  /** How the wallet signed (see `RatioAuthWalletKind`). */
  walletKind: RatioAuthWalletKind;
  /** The distinct factors of `sessionJwt`, in token order (read, not verified). */
  factors: RatioAuthTokenFactor[];
  /** What Ratio showed of the user. */
  userMask?: RatioUserMask;
  /** `exp` of `sessionJwt`, unix ms. */
  expiresAt?: number;
}

/**
 * What `auth.signIn(...)` resolves to, narrowed by `path`: a returning user was shown their
 * `userMask`; after the link path the wallet may be unverified (attached with `addToUser`, it
 * verifies at its next sign-in); on every other path the wallet signed and was verified.
 */
export type RatioAuthSignInResult =
  | (RatioAuthSignInResultBase & { path: "returning"; walletVerified: true; userMask: RatioUserMask })
  | (RatioAuthSignInResultBase & { path: "new"; walletVerified: true })
  | (RatioAuthSignInResultBase & { path: "factorFirst"; walletVerified: true })
  | (RatioAuthSignInResultBase & { path: "linked"; walletVerified: boolean });

/** `userMask`: what Ratio shows of a known user. Older servers send `preferredMfaMethod` instead of `emailMask`. */
export interface RatioUserMask {
  id?: string;
  createTime?: string;
  updateTime?: string;
  /** Last 4 digits. */
  phoneMask?: string;
  /** Like `"rat...@example.com"`. */
  emailMask?: string;
  preferredMfaMethod?: string;
}

/** What `auth.session()` resolves to: the stored JWT and what it says about itself (read, not verified). */
export interface RatioAuthSession {
  sessionJwt: string;
  factors?: RatioAuthTokenFactor[];
  /** Unix ms. */
  expiresAt?: number;
  expired?: boolean;
}

/** Added to any `auth.api` answer that carried `ratio-authentication-refresh`: use this JWT from then on. */
export interface RatioApiRefresh {
  refreshJwt?: string;
}

export interface RatioApiWalletRequest {
  /** `0x` + 40 hex digits; mixed case must be valid EIP-55. */
  walletAddress: string;
}

export interface RatioApiWalletAuthenticateRequest extends RatioApiWalletRequest {
  /** `personal_sign` of the challenge: `0x` + 130 hex digits. */
  signature: string;
}

export interface RatioApiWalletStartResponse extends RatioApiRefresh {
  /** Sign this whole string with `personal_sign`. */
  challenge: string;
}

export interface RatioApiUser {
  id?: string;
  createTime?: string;
  updateTime?: string;
  firstName?: string;
  middleName?: string;
  lastName?: string;
  email?: string;
  country?: string;
  phone?: string;
  nationality?: string;
  occupation?: string;
  kyc?: unknown;
  connectedBankAccounts?: unknown[];
  flags?: string[];
}

export interface RatioApiAuthResponse extends RatioApiRefresh {
  sessionJwt: string;
  /** Absent after a wallet authenticate: Ratio sees a brand-new user. */
  userMask?: RatioUserMask;
  user?: RatioApiUser;
}

export interface RatioApiEmptyResponse extends RatioApiRefresh {}

export interface RatioApiSmsSendResponse extends RatioApiRefresh {
  phoneId: string;
  phoneMask?: string;
}

export interface RatioApiEmailSendResponse extends RatioApiRefresh {
  emailId: string;
  emailMask?: string;
}

export interface RatioApiCreateUserRequest {
  firstName: string;
  middleName?: string;
  lastName: string;
  email: string;
  /** ISO 3166 alpha-2. */
  country: string;
  /** E.164. */
  phone: string;
  acceptedTerms: boolean;
}

/** The second argument of every `auth.api` call. */
export interface RatioApiCallOptions {
  /**
   * The session JWT to send. Omitted: the stored session for calls that need one
   * (`walletAddToUser`, `createUser`, `getUser`), none for the others; `null`: none.
   */
  jwt?: string | null;
  /** Aborts the request (an `aborted` error whose `cause` is the signal's reason). */
  signal?: AbortSignal;
}

/**
 * Ratio's endpoints, one call each, sent once (no retries). A 2xx resolves to the camelCase
 * body plus `refreshJwt` when Ratio sent `ratio-authentication-refresh`; when the call used the
 * stored session, the stored session becomes the refreshed JWT (a `refreshed` change).
 */
export interface RatioApi {
  /** `POST /v1/auth/cryptoWallet:start`. */
  walletStart(request: RatioApiWalletRequest, options?: Pick<RatioApiCallOptions, "signal">): Promise<RatioApiWalletStartResponse>;
  /** `POST /v1/auth/cryptoWallet:authenticate`; with `jwt`, links the wallet to that session's user. */
  walletAuthenticate(request: RatioApiWalletAuthenticateRequest, options?: RatioApiCallOptions): Promise<RatioApiAuthResponse>;
  /** `POST /v1/auth/cryptoWallet:addToUser`; needs a two-factor session. */
  walletAddToUser(request: RatioApiWalletRequest, options?: RatioApiCallOptions): Promise<RatioApiEmptyResponse>;
  /** `POST /v1/auth/otp/sms:send`; with `jwt`, SMS becomes that session's next factor. */
  smsSend(request: { phoneNumber: string }, options?: RatioApiCallOptions): Promise<RatioApiSmsSendResponse>;
  /** `POST /v1/auth/otp/sms:authenticate`. */
  smsAuthenticate(request: { phoneId: string; otp: string }, options?: RatioApiCallOptions): Promise<RatioApiAuthResponse>;
  /** `POST /v1/auth/otp/email:send`; with `jwt`, email becomes that session's next factor. */
  emailSend(request: { emailAddress: string }, options?: RatioApiCallOptions): Promise<RatioApiEmailSendResponse>;
  /** `POST /v1/auth/otp/email:authenticate`. */
  emailAuthenticate(request: { emailId: string; otp: string }, options?: RatioApiCallOptions): Promise<RatioApiAuthResponse>;
  /** `POST /v1/users`; needs a session. */
  createUser(request: RatioApiCreateUserRequest, options?: RatioApiCallOptions): Promise<RatioApiUser>;
  /** `GET /v1/users/{userId}`; needs a session. */
  getUser(userId: string, options?: RatioApiCallOptions): Promise<RatioApiUser>;
}

/** What changed in the stored session. */
export type RatioAuthSessionEvent = "signedIn" | "signedOut" | "refreshed" | "expired";

/** What `onSessionChange` callbacks receive. */
export interface RatioAuthSessionChange {
  event: RatioAuthSessionEvent;
  /** The session after the change; null after `signedOut` and `expired`. */
  session: RatioAuthSession | null;
  /** True when the change was made in another tab (a `shared` storage adapter). */
  fromOtherTab: boolean;
}

/**
 * Signs users in to Ratio. The constructor checks the options' shape and `storage`; the wasm
 * (loaded on first use) checks the rest, at `ready()` or at the first call.
 */
export declare class RatioAuth {
  constructor(options: RatioAuthOptions);
  /** Loads the wasm and checks every option; rejects with the `config` error of a bad option. */
  ready(): Promise<void>;
  /** Runs a whole sign-in. Forgets the stored session first; stores the new one on success. */
  signIn(options: RatioAuthSignInOptions): Promise<RatioAuthSignInResult>;
  /** The sign-in saved by `flowStorage: "sessionStorage"` that `resumeSignIn` would continue, or null. */
  pendingSignIn(): Promise<RatioAuthPendingSignIn | null>;
  /** Continues the saved sign-in; settles as `signIn` would, or rejects with a `resume` error. */
  resumeSignIn(options: RatioAuthResumeOptions): Promise<RatioAuthSignInResult>;
  /** Forgets the saved sign-in, if any. */
  discardPendingSignIn(): Promise<void>;
  /** The stored session, or null (an expired one is forgot and reads as null). */
  session(): Promise<RatioAuthSession | null>;
  /** Forgets the stored session. The JWT itself stays valid until it expires. */
  signOut(): Promise<void>;
  /** Calls `callback` on each change of the stored session; returns the unsubscribe function. */
  onSessionChange(callback: (change: RatioAuthSessionChange) => void): () => void;
  /** The low-level calls, one per endpoint. */
  readonly api: RatioApi;
}

/**
 * Loads the WebAssembly module now instead of at the first call (which would load it itself).
 * `wasmUrl`: where to fetch the `.wasm` from, when not beside the glue (a CDN).
 */
export declare function init(options?: { wasmUrl?: string | URL }): Promise<void>;

/**
 * EIP-6963: calls `callback` with every wallet announced so far, at once for those already
 * loaded and again whenever another announces itself (also late). Returns the unsubscribe
 * function. Plain JS: renders a wallet picker before the wasm is fetched.
 */
export declare function watchWallets(callback: (wallets: readonly EIP6963ProviderDetail[]) => void): () => void;

/** EIP-6963: the wallets announced within `timeoutMs` (default 300, at most 10 000). */
export declare function discoverWallets(timeoutMs?: number | null): Promise<EIP6963ProviderDetail[]>;
