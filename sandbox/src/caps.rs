//! Caps on every in-memory table and on connections, so a hostile page or a long load run
//! cannot grow the sandbox without end. The defaults are listed in `sandbox/README.md`.

use std::time::Duration;

use axum::http::StatusCode;

use crate::error::ApiError;

/// Error code of a 503 when a table is full of live entries.
pub const SANDBOX_FULL: &str = "SANDBOX_FULL";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caps {
    /// Fault rules queued at once (each rule may have any `count`).
    pub fault_rules: usize,
    /// Bytes of text one fault rule may store (path, body, code, message, content type).
    pub fault_rule_bytes: usize,
    /// Wallets with pending challenges (each holds at most `Limits::max_pending_challenges`).
    pub challenge_wallets: usize,
    /// Bad signatures that burn all pending challenges of a wallet.
    pub bad_signatures_per_wallet: u32,
    /// Phone numbers and email addresses with a `phoneId`/`emailId`.
    pub contacts: usize,
    /// Destinations tracked by the send limit, and contacts cooling down after a 409 (each).
    pub rate_limit_keys: usize,
    /// Sign-in sessions (JWT sessions) alive at once.
    pub sessions: usize,
    /// Client sessions alive at once.
    pub client_sessions: usize,
    /// A client session is a credential for this long after its creation.
    pub client_session_ttl: Duration,
    /// Users (seeded, `POST /sandbox/users`, `POST /v1/users`).
    pub users: usize,
    /// Open TCP connections; more wait in the listen backlog.
    pub connections: usize,
    /// A connection must send a whole request head within this time, also while idle between
    /// keep-alive requests; otherwise it is closed (slowloris, idle keep-alive).
    pub header_read_timeout: Duration,
    /// How often expired entries are swept out of every table.
    pub sweep_interval: Duration,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            fault_rules: 1_000,
            fault_rule_bytes: 16 * 1024,
            challenge_wallets: 20_000,
            bad_signatures_per_wallet: 3,
            contacts: 20_000,
            rate_limit_keys: 20_000,
            sessions: 20_000,
            client_sessions: 10_000,
            client_session_ttl: Duration::from_secs(10 * 60),
            users: 10_000,
            connections: 512,
            header_read_timeout: Duration::from_secs(10),
            sweep_interval: Duration::from_secs(5),
        }
    }
}

/// The 503 for a table that is full of live entries.
pub fn full(what: &str, cap: usize) -> ApiError {
    ApiError {
        retry_after: Some(5),
        ..ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            SANDBOX_FULL,
            format!(
                "the sandbox holds its cap of {cap} {what}; wait for them to expire or POST /sandbox/reset"
            ),
        )
    }
}
