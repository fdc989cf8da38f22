//! The browser driver: everything that touches the web platform, and nothing that decides which
//! path a sign-in takes (that is the flow engine's job).
//!
//! - [`auth`]: `RatioAuth` (`signIn`, `session`, `signOut`): the driver loop over the engine.
//! - [`calls`]: `auth.api`, one typed call per endpoint.
//! - [`http`]: `fetch` with a per-request timeout and the caller's `AbortSignal`.
//! - [`wallet`]: the EIP-1193 bridge (accounts, `personal_sign`, error mapping, `accountsChanged`).
//! - [`prompts`]: the app's `prompts` functions and `onEvent` callback.
//! - [`errors`]: the `RatioAuthError` objects JS callers catch.
//! - [`config`]: the `new RatioAuth({...})` options, parsed and checked.
//! - [`storage`]: where the final session JWT is kept (memory, `sessionStorage`, or nowhere when
//!   the package's JS shell keeps it).
//! - [`time`]: clock, cancellable sleeps, timeouts and randomness from the browser.
//! - [`abort`]: abort-signal plumbing, including one signal for a whole flow.
//!
//! The package's JS shell (`npm/`) wraps these exports: it loads the module, keeps the session,
//! discovers wallets (EIP-6963) and holds the public TypeScript types (`npm/index.d.ts`).
//!
//! Nothing here panics on a value that comes from JS or the network: a panic in wasm kills the
//! module for the whole page, so every dynamic value is checked and turned into a typed error.

pub mod abort;
pub mod auth;
pub mod calls;
pub mod config;
pub mod errors;
pub mod http;
pub mod prompts;
pub mod storage;
pub mod time;
pub mod wallet;

mod js;
