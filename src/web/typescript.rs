//! The TypeScript types of the JS API (issue 4), emitted into the package's `.d.ts`.
//!
//! Exported functions point at these names through `unchecked_param_type` /
//! `unchecked_return_type`. `RatioAuth` itself is declared by wasm-bindgen when the class is
//! exported; its options, prompts, events and result are sketched here already, following the
//! engine's serialised `Prompt` (to be checked against it when the engine is wired).

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
  | "network"
  | "timeout"
  | "aborted"
  | "server"
  | "badResponse"
  | "config"
  | "wallet";

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

/**
 * Every error the SDK throws or rejects with: a real `Error` (`instanceof Error` holds, `stack`
 * is set) with `name === "RatioAuthError"`. Messages never contain a JWT, an OTP or a secret.
 * Use `isRatioAuthError(e)` to narrow an unknown `catch` value.
 */
export interface RatioAuthError extends Error {
  readonly name: "RatioAuthError";
  readonly kind: RatioAuthErrorKind;
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
  /** `wallet`: what exactly failed. */
  readonly reason?: RatioAuthWalletReason;
  /** The original error (a wallet's error object, a fetch `TypeError`, an abort reason). */
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
  /** Ratio's API, your backend proxy, or the sandbox: an absolute http(s) URL. */
  baseUrl: string;
  clientId?: string;
  /**
   * Refused unless `baseUrl` is loopback (`localhost`, `127.0.0.1`, `[::1]`) or
   * `dangerouslyAllowClientSecretInBrowser` is set: a secret in a web page is public.
   */
  clientSecret?: string;
  /** A client session minted by your backend (`POST /v1/client/sessions`): the browser-safe credential. */
  clientSessionId?: string;
  dangerouslyAllowClientSecretInBrowser?: boolean;
  /** Base64 of a JSON object such as `{"ip":"...","userAgent":"..."}`, sent as `ratio-device-fingerprint`. */
  deviceFingerprint?: string;
  retry?: RatioAuthRetryOptions;
  /** Per HTTP request and per wallet prompt: 100 to 600 000 ms (defaults 15 000 and 120 000). */
  timeoutMs?: number;
  /** Where the final session JWT is kept; default `"memory"`. Never `localStorage`. */
  storage?: "memory" | "sessionStorage";
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
  | "walletAfterFactor";

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

/** The questions only the user can answer. Each may reject (or the signal abort) to stop. */
export interface RatioAuthPrompts {
  phoneNumber(ctx: RatioAuthPhonePromptContext): Promise<string>;
  email(ctx: RatioAuthEmailPromptContext): Promise<string>;
  otp(ctx: RatioAuthOtpPromptContext): Promise<string>;
  /** Default: yes. */
  confirmLink?(ctx: RatioAuthConfirmLinkContext): Promise<boolean>;
}

/** Which way the sign-in went. */
export type RatioAuthPath = "returning" | "new" | "linked" | "factorFirst";

/** A state change of the flow, for progress UIs and logs. Never carries a JWT or an OTP. */
export interface RatioAuthEvent {
  /** What happened, e.g. `"walletSigned"`, `"otpSent"`, `"rateLimited"`, `"linkStarted"`. */
  type: string;
  /** The path, once known. */
  path?: RatioAuthPath;
  /** Unix ms when the event was emitted. */
  at: number;
  /** For waits: unix ms when the next attempt happens. */
  retryAt?: number;
}

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

/** What `auth.signIn(...)` resolves to. */
export interface RatioAuthSignInResult {
  /** The two-factor session JWT (also kept per `storage`). */
  sessionJwt: string;
  path: RatioAuthPath;
  /** EIP-55. */
  walletAddress: string;
  /** `false` after the link path: the wallet is attached but verifies at its next sign-in. */
  walletVerified: boolean;
  factors: RatioAuthFactor[];
  userMask?: {
    id: string;
    createTime: string;
    updateTime: string;
    phoneMask?: string;
    emailMask?: string;
  };
}
"#;
