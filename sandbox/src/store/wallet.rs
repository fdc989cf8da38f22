//! Wallet challenges, wallet authentication and `addToUser`.

use std::time::SystemTime;

use axum::http::StatusCode;
use ratio_auth::eip191::Address;

use super::{Authenticated, Challenge, Fresh, Store};
use crate::error::{ApiError, codes};
use crate::session::Factor;

impl Store {
    /// Remembers a challenge for `address`; the oldest go once a wallet has too many pending.
    pub fn add_challenge(
        &mut self,
        address: Address,
        message: String,
        now: SystemTime,
    ) -> Result<(), ApiError> {
        if !self.challenges.contains_key(&address) {
            let cap = self.rules.caps.challenge_wallets;
            self.make_room(now, "wallets with pending challenges", cap, |s| {
                s.challenges.len()
            })?;
        }
        let limits = &self.rules.limits;
        let expires = now + limits.challenge_ttl;
        let max = limits.max_pending_challenges.max(1);
        let pending = self.challenges.entry(address).or_default();
        pending.retain(|c| c.expires > now);
        while pending.len() >= max {
            pending.remove(0);
        }
        pending.push(Challenge { message, expires });
        Ok(())
    }

    /// A signature that matched none of `address`'s pending challenges. After
    /// `bad_signatures_per_wallet` of them every pending challenge is burnt, so one
    /// challenge buys a bounded amount of signature-recovery work.
    pub fn signature_failed(&mut self, address: &Address) {
        let max = self.rules.caps.bad_signatures_per_wallet.max(1);
        let tries = self.bad_signatures.entry(*address).or_insert(0);
        *tries += 1;
        if *tries >= max {
            self.bad_signatures.remove(address);
            self.challenges.remove(address);
        }
    }

    /// The unexpired challenges of `address`, newest first.
    pub fn pending_challenges(&mut self, address: &Address, now: SystemTime) -> Vec<String> {
        let Some(pending) = self.challenges.get_mut(address) else {
            return Vec::new();
        };
        pending.retain(|c| c.expires > now);
        let out = pending.iter().rev().map(|c| c.message.clone()).collect();
        if pending.is_empty() {
            self.challenges.remove(address);
            self.bad_signatures.remove(address);
        }
        out
    }

    /// Uses up `challenge` (which the caller has checked `address` signed) and lands the wallet
    /// factor: in the session of `ctx` when the request carried a JWT, else in a new session of
    /// the wallet's user, or a new-user session for an unknown wallet.
    pub fn authenticate_wallet(
        &mut self,
        address: Address,
        challenge: &str,
        ctx: Option<&str>,
        client_session: Option<&str>,
        fresh: &Fresh,
        now: SystemTime,
    ) -> Result<Authenticated, ApiError> {
        self.take_challenge(&address, challenge, now)?;
        let factor = Factor::Wallet { address };
        let session_id = match ctx {
            Some(id) => {
                let session = self.touch_session(id, now)?;
                match session.user.clone() {
                    // Existing factor first: the wallet is linked to that user, verified.
                    Some(user) => self.attach_wallet(&user, address, true, now)?,
                    None => {
                        if self.wallet_owner(&address).is_some() {
                            return Err(ApiError::conflict(
                                codes::ALREADY_EXISTS_WALLET_ADDRESS,
                                format!(
                                    "the wallet {address} belongs to an existing user; sign in with it without this JWT"
                                ),
                            ));
                        }
                    }
                }
                id.to_string()
            }
            None => {
                let owner = self
                    .wallet_owner(&address)
                    .map(|(u, verified)| (u.to_string(), verified));
                if let Some((user, false)) = &owner {
                    // Authenticating an unverified wallet verifies it for the user it is attached to.
                    self.attach_wallet(user, address, true, now)?;
                }
                self.start_session(fresh, owner.map(|(u, _)| u), client_session, now)?
                    .id
                    .clone()
            }
        };
        self.touch_session(&session_id, now)?.add_factor(factor);
        self.authenticated(&session_id)
    }

    fn take_challenge(
        &mut self,
        address: &Address,
        challenge: &str,
        now: SystemTime,
    ) -> Result<(), ApiError> {
        let pending = self.challenges.get_mut(address);
        let found = pending.and_then(|p| {
            let i = p
                .iter()
                .position(|c| c.message == challenge && c.expires > now)?;
            Some(p.remove(i))
        });
        match found {
            Some(_) => Ok(()),
            None => Err(ApiError::bad_request(
                codes::INVALID_SIGNATURE,
                "the challenge was already used or has expired; call cryptoWallet:start again",
            )),
        }
    }

    /// `addToUser`: attaches `address`, unverified, to the user of session `ctx` (whose JWT the
    /// caller has checked is two-factor).
    pub fn add_wallet_to_user(
        &mut self,
        ctx: &str,
        address: Address,
        now: SystemTime,
    ) -> Result<(), ApiError> {
        let session = self.touch_session(ctx, now)?;
        let Some(user) = session.user.clone() else {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                codes::USER_NOT_FOUND,
                "this session belongs to no user yet; create the user first (POST /v1/users)",
            ));
        };
        self.attach_wallet(&user, address, false, now)
    }
}
