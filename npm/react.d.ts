// Types of `ratio-auth/react` (react.js). Written by hand.

import type {
  EIP1193Provider,
  RatioAuth,
  RatioAuthConfirmLinkContext,
  RatioAuthEmailPromptContext,
  RatioAuthError,
  RatioAuthEvent,
  RatioAuthFactor,
  RatioAuthOtpAnswer,
  RatioAuthOtpPromptContext,
  RatioAuthPhonePromptContext,
  RatioAuthSession,
  RatioAuthSignInResult,
} from "./index.js";

/** Where the hook's sign-in is. */
export type RatioSignInStatus = "idle" | "running" | "prompt" | "done" | "failed";

/** The question the sign-in waits on, narrowed by `kind`; render it as a form. */
export type RatioPendingPrompt =
  | Readonly<RatioAuthPhonePromptContext>
  | Readonly<RatioAuthEmailPromptContext>
  | Readonly<RatioAuthOtpPromptContext>
  | Readonly<RatioAuthConfirmLinkContext>;

/** What `answer` takes for each prompt: a phone number, an email, a code (or `{resend:true}`), a yes/no. */
export type RatioPromptAnswer = string | RatioAuthOtpAnswer | boolean;

/** `signIn` of the hook: `auth.signIn`'s options without `prompts`, `onEvent` and `signal` (the hook's). */
export interface RatioHookSignInOptions {
  provider: EIP1193Provider;
  account?: string;
  firstFactor?: RatioAuthFactor;
}

/** `resumeSignIn` of the hook: the account and first factor come from the saved sign-in. */
export interface RatioHookResumeOptions {
  provider: EIP1193Provider;
}

export interface RatioSignInState {
  status: RatioSignInStatus;
  /** Set while `status` is `"prompt"`; null otherwise. */
  pendingPrompt: RatioPendingPrompt | null;
  /** The events of the current (or last) sign-in, oldest first. */
  events: readonly RatioAuthEvent[];
  /** Set when `status` is `"done"`. */
  result: RatioAuthSignInResult | null;
  /** Set when `status` is `"failed"` (a cancel ends as an `aborted` error). */
  error: RatioAuthError | null;
  /**
   * Starts a sign-in (a running one is cancelled first, without touching the state). Settles as
   * `auth.signIn`: also rejects when it fails, with the error `error` shows.
   */
  signIn(options: RatioHookSignInOptions): Promise<RatioAuthSignInResult>;
  /** Continues the sign-in saved by `flowStorage: "sessionStorage"`; settles as `auth.resumeSignIn`. */
  resumeSignIn(options: RatioHookResumeOptions): Promise<RatioAuthSignInResult>;
  /** Answers `pendingPrompt`; without one, does nothing. */
  answer(value: RatioPromptAnswer): void;
  /** Answers the `otp` prompt with `{ resend: true }`; otherwise does nothing. */
  resend(): void;
  /** Aborts the running sign-in (its pending prompt rejects); it ends `"failed"` with an `aborted` error. */
  cancel(): void;
  /** Abandons any running sign-in and goes back to `"idle"`. */
  reset(): void;
}

/**
 * Each prompt of a sign-in as state. An unmount aborts the running sign-in; no state is set
 * after it. `auth` may be null until the app has one (then `signIn` rejects with a `config` error).
 */
export declare function useRatioSignIn(auth: RatioAuth | null | undefined): RatioSignInState;

/**
 * The stored session, kept current with `auth.onSessionChange`: `undefined` until `auth.session()`
 * has answered, then the session or null (null too when `auth` is null).
 */
export declare function useRatioSession(auth: RatioAuth | null | undefined): RatioAuthSession | null | undefined;
