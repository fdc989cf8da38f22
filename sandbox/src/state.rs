//! The state every handler shares.

use std::sync::Arc;
use std::time::SystemTime;

use parking_lot::Mutex;

use crate::StartError;
use crate::clock::Clock;
use crate::config::{Config, SeedUser};
use crate::contract::ContractWallets;
use crate::error::ApiError;
use crate::faults::Faults;
use crate::jwt::JwtKeys;
use crate::session::Session;
use crate::store::{Rules, Store};

/// Shared by all handlers. The store is one mutex, held only for one synchronous operation
/// (never across an `.await`), so every rule is applied atomically.
pub struct AppState {
    pub(crate) config: Config,
    pub(crate) clock: Clock,
    pub(crate) jwt: JwtKeys,
    pub(crate) store: Mutex<Store>,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) contract_wallets: Mutex<ContractWallets>,
}

impl AppState {
    /// Checks the configuration, makes a fresh JWT key, and creates the seed users.
    pub fn new(config: Config) -> Result<Arc<AppState>, StartError> {
        if let Some(code) = &config.fixed_otp {
            if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(StartError::Config(format!(
                    "fixed OTP must be 6 digits, got {code:?}"
                )));
            }
        }
        if config.client_id.is_empty() || config.client_secret.is_empty() {
            return Err(StartError::Config(
                "client id and secret must not be empty".into(),
            ));
        }
        if let Some(dir) = &config.static_dir {
            if !dir.is_dir() {
                return Err(StartError::Config(format!(
                    "static directory {} does not exist",
                    dir.display()
                )));
            }
        }
        if !config.addr.ip().is_loopback() && config.admin_token.is_none() {
            return Err(StartError::Config(format!(
                "{} is not a loopback address: pass --admin-token TOKEN so /sandbox/* is not open to the network",
                config.addr
            )));
        }
        if config.admin_token.as_deref() == Some("") {
            return Err(StartError::Config(
                "the admin token must not be empty".into(),
            ));
        }
        let key = crate::random::key().map_err(|e| StartError::Config(e.message))?;
        let limits = config.limits.clone();
        let mut jwt = JwtKeys::new(&key, &config.issuer, limits.jwt_ttl, limits.session_idle);
        jwt.without_factors_claim = config.variants.tokens_without_factors;
        let store = Store::new(Rules {
            limits,
            conflict_cooldown: config.conflict_cooldown,
            conflict_at_authenticate: config.variants.conflict_at_authenticate,
            caps: config.caps.clone(),
        });
        let state = AppState {
            clock: Clock::new(),
            jwt,
            store: Mutex::new(store),
            faults: Mutex::new(Faults::default()),
            contract_wallets: Mutex::new(ContractWallets::new(
                !config.variants.no_contract_wallets,
                config.caps.users,
            )),
            config,
        };
        let mut seeds: Vec<SeedUser> = Vec::new();
        if let Some(path) = &state.config.seed {
            let text = std::fs::read_to_string(path)
                .map_err(|e| StartError::Seed(format!("cannot read {}: {e}", path.display())))?;
            let users: Vec<SeedUser> = serde_json::from_str(&text).map_err(|e| {
                StartError::Seed(format!(
                    "{} is not a JSON list of users: {e}",
                    path.display()
                ))
            })?;
            seeds.extend(users);
        }
        seeds.extend(state.config.seed_users.iter().cloned());
        for (i, seed) in seeds.iter().enumerate() {
            state.create_user(seed).map_err(|e| {
                StartError::Seed(format!(
                    "seed user #{i} ({}): {}",
                    seed.phone_number, e.message
                ))
            })?;
        }
        Ok(Arc::new(state))
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The sandbox clock; tests move it forward to reach expiries.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// Creates an existing user (verified phone and email), as `POST /sandbox/users` does.
    pub fn create_user(&self, seed: &SeedUser) -> Result<String, ApiError> {
        let id = crate::random::uuid()?;
        let now = self.now();
        let mut store = self.store.lock();
        Ok(store.create_seed_user(&id, seed, now)?.id.clone())
    }

    /// Clears users, sessions, codes, limits, the outbox, client sessions, faults and contract
    /// wallets (whose support goes back to the start setting).
    pub fn reset(&self) {
        self.store.lock().reset();
        self.faults.lock().clear();
        self.contract_wallets.lock().reset();
    }

    pub(crate) fn mint(&self, session: &Session) -> Result<String, ApiError> {
        self.jwt.mint(session, self.now())
    }

    /// A fresh token of session `id` as it is now, if it still exists.
    pub(crate) fn mint_for(&self, id: &str) -> Option<String> {
        let session = self.store.lock().session(id)?;
        self.mint(&session).ok()
    }
}
