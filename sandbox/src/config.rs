//! What a sandbox is started with.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

pub use crate::caps::Caps;
use crate::variants::Variants;

/// Everything a [`crate::Sandbox`] is started with. `Config::default()` is what the binary runs
/// with when given no flags, except that it binds an ephemeral port.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen; port 0 picks a free port ([`crate::Sandbox::url`] tells which).
    pub addr: SocketAddr,
    /// Accepted `ratio-client-id`.
    pub client_id: String,
    /// Accepted `ratio-client-secret`.
    pub client_secret: String,
    /// Every OTP is this code (6 digits) instead of a random one; for demos.
    pub fixed_otp: Option<String>,
    /// After a 409 `ALREADY_EXISTS_PHONE`/`_EMAIL`, first-factor sends to that contact get 429
    /// for this long.
    pub conflict_cooldown: Duration,
    /// A folder served at `/` (the demo page).
    pub static_dir: Option<PathBuf>,
    /// A JSON file: a list of users shaped like the `POST /sandbox/users` body.
    pub seed: Option<PathBuf>,
    /// Users created at start, in addition to those of `seed`.
    pub seed_users: Vec<SeedUser>,
    /// Extra exact CORS origins (e.g. `https://demo.example`); any-port `http://localhost`,
    /// `http://127.0.0.1` and `http://[::1]` are always allowed.
    pub allowed_origins: Vec<String>,
    /// The JWT `iss`.
    pub issuer: String,
    /// Lifetimes and limits; the defaults are Ratio's.
    pub limits: Limits,
    /// Other readings of Ratio's docs, to test clients against (all off by default).
    pub variants: Variants,
    /// Caps on tables and connections (not Ratio's rules: what keeps the sandbox bounded).
    pub caps: Caps,
    /// Extra accepted `Host` names besides loopback names and the `addr` host.
    pub allowed_hosts: Vec<String>,
    /// When set, `/sandbox/*` needs `Authorization: Bearer <token>`; required off loopback.
    pub admin_token: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            client_id: "sandbox".to_string(),
            client_secret: "sandbox-secret".to_string(),
            fixed_otp: None,
            conflict_cooldown: Duration::from_secs(2),
            static_dir: None,
            seed: None,
            seed_users: Vec::new(),
            allowed_origins: Vec::new(),
            issuer: "ratio-sandbox".to_string(),
            limits: Limits::default(),
            variants: Variants::default(),
            caps: Caps::default(),
            allowed_hosts: Vec::new(),
            admin_token: None,
        }
    }
}

/// Lifetimes and limits. The defaults are the rules of `ratio-api.md`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// A wallet challenge is valid this long (5 min).
    pub challenge_ttl: Duration,
    /// At most this many unexpired challenges per wallet; the oldest go first.
    pub max_pending_challenges: usize,
    /// An OTP is valid this long (2 min).
    pub otp_ttl: Duration,
    /// Wrong tries that burn an OTP (5).
    pub otp_max_wrong_tries: u32,
    /// Sends per phone number / email address within `send_window` (5).
    pub sends_per_window: usize,
    /// The window of `sends_per_window` (1 min).
    pub send_window: Duration,
    /// `exp - iat` of a session JWT (5 min).
    pub jwt_ttl: Duration,
    /// When a presented JWT has less than this left, the response carries a fresh one (60 s).
    pub refresh_window: Duration,
    /// A session unused this long is gone (10 min).
    pub session_idle: Duration,
    /// Largest accepted request body (64 KiB).
    pub body_limit: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            challenge_ttl: Duration::from_secs(5 * 60),
            max_pending_challenges: 8,
            otp_ttl: Duration::from_secs(2 * 60),
            otp_max_wrong_tries: 5,
            sends_per_window: 5,
            send_window: Duration::from_secs(60),
            jwt_ttl: Duration::from_secs(300),
            refresh_window: Duration::from_secs(60),
            session_idle: Duration::from_secs(10 * 60),
            body_limit: 64 * 1024,
        }
    }
}

/// A user to create: the body of `POST /sandbox/users`, and one entry of a `--seed` file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedUser {
    pub phone_number: String,
    pub email_address: String,
    /// A wallet attached and verified.
    #[serde(default)]
    pub wallet_address: Option<String>,
    /// More wallets, each verified or not (an unverified one is as if added by `addToUser`).
    #[serde(default)]
    pub wallets: Vec<SeedWallet>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeedWallet {
    pub address: String,
    #[serde(default = "yes")]
    pub verified: bool,
}

fn yes() -> bool {
    true
}
