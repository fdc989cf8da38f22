//! The TypeScript types of the JS API (issue 4), emitted into the package's `.d.ts`.
//!
//! Exported functions point at these names through `unchecked_param_type` /
//! `unchecked_return_type`. `RatioAuth` and `RatioApi` are declared by wasm-bindgen from the
//! exported classes; prompts and events follow the engine's serialised `Prompt` and `FlowEvent`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
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

/**
 * Every error the SDK throws or rejects with: a real `Error` (`instanceof Error` holds, `stack`
 * is set) with `name === "RatioAuthError"`. Messages never contain a JWT, an OTP or a secret.
 * Use `isRatioAuthError(e)` to narrow an unknown `catch` value.
 */
export interface RatioAuthError extends Error {
  readonly name: "RatioAuthError";
  readonly kind: RatioAuthErrorKind;
  /** The whole message: `shortMessage`, then `details` when there are any. */
  readonly message: string;
  /** One line written by the SDK, without `details`: what to show a user. */
  readonly shortMessage: string;
  /**
   * The text from outside, sanitised (no JWT, no code, at most 200 characters): Ratio's error
   * message, the wallet's error message, the browser's reason a request failed; else `undefined`.
   */
  readonly details: string | undefined;
  /** Ratio's error code (`"TOO_MANY_REQUESTS"`, `"ALREADY_EXISTS_PHONE"`, ...) when the server sent one. */
  readonly code: string | undefined;
  /** The HTTP status when there was a response. */
  readonly status: number | undefined;
  /** `rateLimited`: when (unix ms) a new attempt may succeed. */
  readonly retryAt?: number;
  /** `signatureMismatch`: the account (EIP-55) that actually signed. */
  readonly signedBy?: string;
  /** `wallet` / `userRejected`: the EIP-1193 or JSON-RPC error code the wallet gave. */
  readonly walletCode?: number;
  /** `wallet` / `resume`: what exactly failed. */
  readonly reason?: RatioAuthWalletReason | RatioAuthResumeReason;
  /**
   * The original JS value: what the wallet's request threw or rejected with (`wallet`,
   * `userRejected`), `fetch`'s rejection such as a `TypeError` (`network`), the signal's
   * `reason` (`aborted`), what a prompt rejected with. A `timeout` has none.
   */
  readonly cause?: unknown;
}

/** EIP-1193 `request` arguments. */
export interface EIP1193RequestArguments {
  readonly method: string;
  readonly params?: readonly unknown[] | object;
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

/** Options of `new RatioAuth(...)`. Unknown keys are refused (a `config` error). */
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
   * Where the final session JWT is kept; default `"memory"`. Never `localStorage`. `"none"`:
   * not kept at all (`session()` is always `undefined`, `signOut()` does nothing); `signIn`'s
   * result still has `sessionJwt`, and keeping it is the caller's job.
   */
  storage?: "memory" | "sessionStorage" | "none";
  /**
   * `"sessionStorage"` saves an unfinished sign-in whenever it waits for the user or a back-off,
   * so that it survives a reload of the tab (`pendingSignIn()`, `resumeSignIn()`); cleared when
   * it ends. Needs `storage: "sessionStorage"` or `"none"` (refused with `"memory"`): the saved
   * flow holds its steps' session JWTs (never a code, a signature or a credential). Default
   * `"none"`.
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

/**
 * What `prompts.otp` resolves to: the code the user typed, or `{ resend: true }` for a new one.
 * A string is always a code (`"resend"` too: not six digits, so the prompt is asked again).
 */
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
  /** `rateLimited`: when (unix ms) a new attempt may succeed (the thrown error's `retryAt`). */
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

/** What `auth.signIn(...)` resolves to. */
export interface RatioAuthSignInResult {
  /** The two-factor session JWT (also kept per `storage`). */
  sessionJwt: string;
  path: RatioAuthPath;
  /** EIP-55. */
  walletAddress: string;
  /** `false` after the link path: the wallet is attached but verifies at its next sign-in. */
  walletVerified: boolean;
  /** How the wallet signed (see `RatioAuthWalletKind`). */
  walletKind: RatioAuthWalletKind;
  /** The distinct factors of `sessionJwt`, in token order (read, not verified). */
  factors: RatioAuthTokenFactor[];
  /** What Ratio showed of the user; absent for a brand-new user. */
  userMask?: RatioUserMask;
  /** `exp` of `sessionJwt`, unix ms. */
  expiresAt?: number;
}

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

/**
 * What a session JWT says about itself (read, not verified), as `sessionInfo(jwt)` returns it:
 * `{}` when the value is not a string or not a readable JWT; `factors` when it is; `expiresAt`
 * and `expired` when it has an `exp`.
 */
export interface RatioAuthSessionInfo {
  /** The distinct factors, in token order. */
  factors?: RatioAuthTokenFactor[];
  /** `exp`, unix ms. */
  expiresAt?: number;
  /** Whether `exp` has passed (checked when read). */
  expired?: boolean;
}

/** What `auth.session()` returns: the stored JWT and `sessionInfo(sessionJwt)`. */
export interface RatioAuthSession extends RatioAuthSessionInfo {
  sessionJwt: string;
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
"#;
