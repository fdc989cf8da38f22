//! # ratio-sandbox
//!
//! A local stand-in for Ratio's auth API that enforces Ratio's rules (see `ratio-api.md`):
//! wallet challenges and EIP-191 signatures, SMS and email OTPs, session JWTs, the
//! new-wallet-for-an-existing-user path (409, cool-down 429, `addToUser`), client sessions, and
//! sandbox-only endpoints for tests (users, OTP outbox, faults, reset, clock).
//!
//! ```no_run
//! # async fn demo() -> Result<(), ratio_sandbox::StartError> {
//! let sandbox = ratio_sandbox::Sandbox::start(ratio_sandbox::Config::default()).await?;
//! println!("{}", sandbox.url()); // http://127.0.0.1:PORT
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod api;
mod auth;
pub mod caps;
pub mod clock;
mod config;
mod contact;
pub mod contract;
mod cors;
pub mod error;
mod extract;
mod faults;
mod guard;
mod jwt;
mod random;
mod ratelimit;
mod refresh;
mod routes;
mod sandbox_api;
mod server;
mod session;
mod state;
mod store;
pub mod variants;

pub use clock::Clock;
pub use config::{Caps, Config, Limits, SeedUser, SeedWallet};
pub use faults::FaultSpec;
pub use routes::router;
pub use server::{Sandbox, StartError};
pub use state::AppState;
pub use variants::{AddToUserBody, ErrorCodes, Variants};

/// Header names clients and tests use.
pub mod headers {
    pub use crate::auth::{CLIENT_ID, CLIENT_SECRET, CLIENT_SESSION_ID};
    /// `ratio-authentication-refresh`.
    pub const AUTHENTICATION_REFRESH: &str = "ratio-authentication-refresh";
}

/// The text before the random token in every wallet challenge.
pub const CHALLENGE_PREFIX: &str = "Signing in with Ratio: ";
