//! # ratio-auth
//!
//! Sign users in to the [Ratio](https://ratio.me) on-ramp API from a web dapp: wallet signing
//! through any EIP-1193 provider, SMS and email OTP, each step's session JWT chained into the
//! next, and the *new wallet for an existing user* path (409 on the phone, then SMS-first,
//! email, and `cryptoWallet:addToUser`) taken on its own.
//!
//! The crate is split the way the work is split:
//! - [`eip191`]: `personal_sign` hashing, signer recovery, EIP-55 addresses.
//! - [`secp256k1`]: public-key recovery from a signature (the wasm's only curve code).
//! - [`json`]: a small JSON tree, parser and writer (no serde in the shipped code).
//! - [`jwt`]: read-only session JWT decoding (factors, expiry); no verification.
//! - [`backoff`]: exponential back-off with full jitter, `Retry-After` honoured; sans-IO.
//! - [`secret`]: [`secret::Secret`], a string whose `Debug`/`Display` never show it.
//! - [`api`]: the Ratio API as data: endpoints, request/response bodies, error codes, the exact
//!   HTTP requests (headers included); tolerant reading, strict writing.
//! - [`flow`]: the sans-IO sign-in engine running the four flows, with its token ledger.
//! - [`wire`]: the engine as JSON text in and out, for the package's JS driver (`npm/`), which
//!   does the browser's part (fetch, the EIP-1193 wallet bridge, prompts, timers, storage); on
//!   `wasm32` its functions are the module's exports (`src/wasm.rs`).
//!
//! Nothing in here performs IO: the browser driver is the JS shell's.

#![forbid(unsafe_code)]
// No `std` on wasm: the package's module (feature `js-module`) brings its own panic handler and
// allocator (src/wasm.rs), which keeps std's panic machinery and its formatting out of the
// `.wasm`; without that feature, std is linked as usual (a Rust frontend, the bench crate).
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;
#[cfg(all(target_arch = "wasm32", not(feature = "js-module")))]
extern crate std;

/// What std's prelude gives and `no_std` does not: every module imports it.
mod prelude {
    pub(crate) use crate::text::{Piece, text};
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

pub mod api;
pub mod backoff;
pub mod eip191;
pub mod flow;
pub mod json;
pub mod jwt;
pub mod secp256k1;
pub mod secret;
mod text;
#[cfg(target_arch = "wasm32")]
mod wasm;
pub mod wire;
