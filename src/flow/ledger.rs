//! The token ledger: every session JWT of a flow, keyed by the factor that produced it and the
//! [`Purpose`] of the step that produced it, and the **one** place that decides which JWT a
//! request may carry ([`Ledger::authorize`]). The engine never picks a token itself.
//!
//! Rules (from `ratio-api.md`), all enforced in `authorize`:
//! 1. Each purpose has a fixed token source ([`Purpose::token_rule`]): first factors
//!    (`walletSignIn`, `linkFirstFactor`, `firstFactor`) carry **no** JWT, whatever the ledger
//!    holds, so the link path's first `sms:send`/`sms:authenticate` are always token-less; a
//!    second factor carries the current token of the step before it.
//! 2. Only `current` tokens are ever handed out: a superseded (refreshed, re-issued) or revoked
//!    token never is. After the phone conflict (409 `ALREADY_EXISTS_PHONE`) the new-user wallet
//!    JWT is revoked and the `walletSignIn` source is closed for the rest of the flow.
//! 3. `addToUser` (and the optional re-sign that verifies the wallet) carry only a two-factor
//!    token, and `addToUser` only for the address that signed in this flow (recorded when its
//!    authenticate succeeded). A token's factors are what its claims
//!    ([`crate::jwt::read_claims`]) list when they list any; claims are advisory, so a token
//!    whose claims list none has the factors the ledger saw produce it (the step's factor plus
//!    the factors of the token that request carried). Claims that list factors are believed,
//!    so a one-factor claim where two are needed still stops the flow.
//! 4. Each endpoint is allowed only for the purposes that use it (e.g. `addToUser` only for
//!    [`Purpose::AddToUser`], the link path's first factor only on SMS endpoints).
//!
//! A `ratio-authentication-refresh` header replaces exactly the token that was sent
//! ([`Ledger::refresh`]); the outcome's JWT is the latest current two-factor one
//! ([`Ledger::final_session`]).

use crate::prelude::*;

use crate::api::Endpoint;
use crate::eip191::Address;
use crate::json::{ToJson, Value};
use crate::jwt::{self, FactorKind, JwtReadError, SessionClaims};
use crate::secret::Secret;

/// Why a factor step (and the requests in it) is made. Together with the factor kind, it keys
/// the tokens in the ledger.
// drop the derive once src/web calls `ToJson::to_json` instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Purpose {
    /// Wallet as first factor (flows 1–3, step 1).
    WalletSignIn,
    /// OTP after the wallet, with the wallet JWT (flows 1–2).
    SecondFactor,
    /// Link path, SMS as a first factor: no JWT.
    LinkFirstFactor,
    /// Link path, email with the link SMS JWT.
    LinkSecondFactor,
    /// Flow 4: OTP first, no JWT.
    FirstFactor,
    /// Flow 4: the wallet, with the first-factor JWT.
    WalletAfterFactor,
    /// Link path: `addToUser` with the two-factor JWT.
    AddToUser,
    /// Link path, optional: re-sign the wallet with the two-factor JWT to verify it.
    VerifyWallet,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::WalletSignIn => "walletSignIn",
            Purpose::SecondFactor => "secondFactor",
            Purpose::LinkFirstFactor => "linkFirstFactor",
            Purpose::LinkSecondFactor => "linkSecondFactor",
            Purpose::FirstFactor => "firstFactor",
            Purpose::WalletAfterFactor => "walletAfterFactor",
            Purpose::AddToUser => "addToUser",
            Purpose::VerifyWallet => "verifyWallet",
        }
    }

    /// Which token requests of this purpose carry.
    pub fn token_rule(self) -> TokenRule {
        match self {
            Purpose::WalletSignIn | Purpose::LinkFirstFactor | Purpose::FirstFactor => {
                TokenRule::None
            }
            Purpose::SecondFactor => TokenRule::CurrentOf(Purpose::WalletSignIn),
            Purpose::LinkSecondFactor => TokenRule::CurrentOf(Purpose::LinkFirstFactor),
            Purpose::WalletAfterFactor => TokenRule::CurrentOf(Purpose::FirstFactor),
            Purpose::AddToUser | Purpose::VerifyWallet => {
                TokenRule::TwoFactorOf(Purpose::LinkSecondFactor)
            }
        }
    }

    /// Whether requests to `endpoint` belong to this purpose at all.
    pub fn allows(self, endpoint: Endpoint) -> bool {
        use Purpose as P;
        match endpoint {
            Endpoint::WalletStart | Endpoint::WalletAuthenticate => {
                matches!(
                    self,
                    P::WalletSignIn | P::WalletAfterFactor | P::VerifyWallet
                )
            }
            Endpoint::WalletAddToUser => self == P::AddToUser,
            Endpoint::SmsSend | Endpoint::SmsAuthenticate => {
                matches!(self, P::SecondFactor | P::LinkFirstFactor | P::FirstFactor)
            }
            Endpoint::EmailSend | Endpoint::EmailAuthenticate => {
                matches!(self, P::SecondFactor | P::LinkSecondFactor | P::FirstFactor)
            }
            Endpoint::CreateUser
            | Endpoint::GetUser
            | Endpoint::CreateClientSession
            | Endpoint::GetClientSession => false,
        }
    }
}

impl ToJson for Purpose {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
}

impl Piece for Purpose {
    fn push_to(&self, out: &mut String) {
        out.push_str(self.as_str())
    }
}

crate::text::display_by_piece!(Purpose);

/// The token a purpose's requests carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenRule {
    /// No `Authorization` header.
    None,
    /// The current token produced by that purpose's step.
    CurrentOf(Purpose),
    /// The current token produced by that purpose's step, which must be two-factor.
    TwoFactorOf(Purpose),
}

/// A token as events and audits see it: no JWT, just which one.
// drop the derive once src/web calls `ToJson::to_json` instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TokenRef {
    /// Unique in the flow, increasing in issue order (a refresh gets a new id).
    pub id: u32,
    /// The factor whose authentication produced it.
    pub factor: FactorKind,
    /// The purpose of the step that produced it.
    pub purpose: Purpose,
}

/// Why a token was revoked.
// drop the derive once src/web calls `ToJson::to_json` instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RevokeReason {
    /// The new-user wallet JWT after 409 `ALREADY_EXISTS_PHONE`.
    PhoneBelongsToAnotherUser,
    /// Ratio answered `EXPIRED_JWT` / `INVALID_JWT` to it.
    RejectedByServer,
}

impl ToJson for TokenRef {
    /// `{"id": 1, "factor": "sms", "purpose": "secondFactor"}`.
    fn to_json(&self) -> Value {
        Value::object([
            ("id", Value::from(self.id)),
            ("factor", Value::from(self.factor.as_str())),
            ("purpose", Value::from(self.purpose.as_str())),
        ])
    }
}

impl RevokeReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RevokeReason::PhoneBelongsToAnotherUser => "phoneBelongsToAnotherUser",
            RevokeReason::RejectedByServer => "rejectedByServer",
        }
    }
}

impl ToJson for RevokeReason {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
}

/// JSON ([`ToJson`]): tagged by `status`, `{"status": "superseded", "by": 3}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenStatus {
    /// May be sent (subject to the purpose rules).
    Current,
    /// Replaced by a refresh or by a newer token of the same key.
    Superseded {
        by: u32,
    },
    Revoked {
        reason: RevokeReason,
    },
}

impl ToJson for TokenStatus {
    /// Tagged by `status`: `{"status": "superseded", "by": 3}`.
    fn to_json(&self) -> Value {
        match self {
            TokenStatus::Current => Value::object([("status", Value::from("current"))]),
            TokenStatus::Superseded { by } => Value::object([
                ("status", Value::from("superseded")),
                ("by", Value::from(*by)),
            ]),
            TokenStatus::Revoked { reason } => Value::object([
                ("status", Value::from("revoked")),
                ("reason", Value::from(reason.as_str())),
            ]),
        }
    }
}

/// A ledger entry without its JWT. JSON ([`ToJson`]): camelCase fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    pub token: TokenRef,
    pub status: TokenStatus,
    /// Distinct factor kinds its claims list, in token order.
    pub factors: Vec<FactorKind>,
    pub subject: Option<String>,
    pub expires_at: Option<i64>,
    /// The id of the token this one refreshed.
    pub refreshed_from: Option<u32>,
}

impl ToJson for TokenInfo {
    fn to_json(&self) -> Value {
        Value::object([
            ("token", self.token.to_json()),
            ("status", self.status.to_json()),
            (
                "factors",
                Value::Array(
                    self.factors
                        .iter()
                        .map(|kind| Value::from(kind.as_str()))
                        .collect(),
                ),
            ),
            ("subject", Value::from(self.subject.as_deref())),
            ("expiresAt", Value::from(self.expires_at)),
            ("refreshedFrom", Value::from(self.refreshed_from)),
        ])
    }
}

/// Why the ledger refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LedgerError {
    /// The endpoint does not belong to that purpose.
    WrongEndpoint {
        endpoint: Endpoint,
        purpose: Purpose,
    },
    /// A wallet request for another address than the flow's.
    WrongWallet,
    /// No current token of the source purpose (never issued, or revoked/superseded).
    NoToken { purpose: Purpose, source: Purpose },
    /// The source token is not two-factor (by its claims).
    NotTwoFactor { token: TokenRef },
    /// `addToUser` before the wallet signed in this flow.
    WalletNotSigned,
    /// A session JWT whose claims cannot be read.
    Unreadable(JwtReadError),
}

impl Piece for LedgerError {
    fn push_to(&self, out: &mut String) {
        match self {
            LedgerError::WrongEndpoint { endpoint, purpose } => out.push_str(&text!(
                endpoint.as_str(),
                " is not a request of the ",
                purpose,
                " step"
            )),
            LedgerError::WrongWallet => {
                out.push_str("a wallet request for another address than the flow's")
            }
            LedgerError::NoToken { purpose, source } => out.push_str(&text!(
                "the ",
                purpose,
                " step needs the current ",
                source,
                " session token and there is none"
            )),
            LedgerError::NotTwoFactor { token } => out.push_str(&text!(
                "the session token from the ",
                token.purpose,
                " step is not two-factor"
            )),
            LedgerError::WalletNotSigned => out.push_str("the wallet has not signed in this flow"),
            LedgerError::Unreadable(e) => out.push_str(&text!(e)),
        }
    }
}

crate::text::display_by_piece!(LedgerError);

impl core::error::Error for LedgerError {}

#[derive(Clone, Debug)]
struct Entry {
    token: TokenRef,
    jwt: Secret,
    claims: SessionClaims,
    /// Distinct factor kinds: the claims' when they list any, else the ledger's own account.
    factors: Vec<FactorKind>,
    status: TokenStatus,
    refreshed_from: Option<u32>,
}

impl Entry {
    fn is_two_factor(&self) -> bool {
        self.factors.len() >= 2
    }
}

/// A token handed out for a request.
#[derive(Clone, Copy, Debug)]
pub struct Bearer<'a> {
    pub token: TokenRef,
    pub jwt: &'a Secret,
}

/// The flow's final session: the latest current two-factor token.
#[derive(Clone, Copy, Debug)]
pub struct FinalSession<'a> {
    pub token: TokenRef,
    pub jwt: &'a Secret,
    pub claims: &'a SessionClaims,
    /// Distinct factor kinds (see the [module docs](self) for where they come from).
    pub factors: &'a [FactorKind],
}

/// A ledger as a saved flow holds it (see [`super::FlowSnapshot`], which writes it out): the
/// JWTs and what the ledger knows about each; the claims are read again when it is loaded.
#[derive(Clone)]
pub(crate) struct SavedLedger {
    pub(crate) next_id: u32,
    pub(crate) signed_wallet: Option<String>,
    pub(crate) phone_conflict: bool,
    pub(crate) entries: Vec<SavedEntry>,
}

#[derive(Clone)]
pub(crate) struct SavedEntry {
    pub(crate) id: u32,
    pub(crate) factor: FactorKind,
    pub(crate) purpose: Purpose,
    pub(crate) jwt: Secret,
    pub(crate) factors: Vec<FactorKind>,
    pub(crate) status: TokenStatus,
    pub(crate) refreshed_from: Option<u32>,
}

/// See the [module docs](self).
#[derive(Clone, Debug)]
pub struct Ledger {
    wallet: Address,
    entries: Vec<Entry>,
    next_id: u32,
    signed_wallet: Option<Address>,
    phone_conflict: bool,
}

impl Ledger {
    /// A ledger for a flow about `wallet`.
    pub fn new(wallet: Address) -> Self {
        Ledger {
            wallet,
            entries: Vec::new(),
            next_id: 1,
            signed_wallet: None,
            phone_conflict: false,
        }
    }

    pub(crate) fn save(&self) -> SavedLedger {
        SavedLedger {
            next_id: self.next_id,
            signed_wallet: self.signed_wallet.map(|address| address.to_checksum()),
            phone_conflict: self.phone_conflict,
            entries: self
                .entries
                .iter()
                .map(|entry| SavedEntry {
                    id: entry.token.id,
                    factor: entry.token.factor,
                    purpose: entry.token.purpose,
                    jwt: entry.jwt.clone(),
                    factors: entry.factors.clone(),
                    status: entry.status,
                    refreshed_from: entry.refreshed_from,
                })
                .collect(),
        }
    }

    /// A ledger for `wallet` from a saved one. Every JWT must still be readable, ids unique and
    /// below `next_id`, and the signer (if any) must be `wallet`: a saved flow comes from
    /// storage another script of the page could have written, so nothing in it is assumed.
    pub(crate) fn load(wallet: Address, saved: SavedLedger) -> Result<Ledger, &'static str> {
        const MAX_ENTRIES: usize = 64;
        if saved.entries.len() > MAX_ENTRIES {
            return Err("too many tokens");
        }
        let signed_wallet = match saved.signed_wallet {
            None => None,
            Some(text) => match Address::parse(&text) {
                Ok(address) if address == wallet => Some(address),
                _ => return Err("the signer is not the flow's wallet"),
            },
        };
        let mut entries: Vec<Entry> = Vec::with_capacity(saved.entries.len());
        for saved_entry in saved.entries {
            if saved_entry.id == 0
                || saved_entry.id >= saved.next_id
                || entries.iter().any(|e| e.token.id == saved_entry.id)
            {
                return Err("a token id is out of order");
            }
            let claims = jwt::read_claims(saved_entry.jwt.expose())
                .map_err(|_| "a saved token is not a readable JWT")?;
            let mut factors: Vec<FactorKind> = Vec::new();
            for factor in saved_entry.factors {
                if !factors.contains(&factor) {
                    factors.push(factor);
                }
            }
            entries.push(Entry {
                token: TokenRef {
                    id: saved_entry.id,
                    factor: saved_entry.factor,
                    purpose: saved_entry.purpose,
                },
                jwt: saved_entry.jwt,
                claims,
                factors,
                status: saved_entry.status,
                refreshed_from: saved_entry.refreshed_from,
            });
        }
        Ok(Ledger {
            wallet,
            entries,
            next_id: saved.next_id,
            signed_wallet,
            phone_conflict: saved.phone_conflict,
        })
    }

    /// The token a request to `endpoint` for `purpose` must carry (`Ok(None)`: none), or why it
    /// must not be sent at all. `wallet` is the address the request is about.
    pub fn authorize(
        &self,
        endpoint: Endpoint,
        purpose: Purpose,
        wallet: &Address,
    ) -> Result<Option<Bearer<'_>>, LedgerError> {
        if !purpose.allows(endpoint) {
            return Err(LedgerError::WrongEndpoint { endpoint, purpose });
        }
        let wallet_request = matches!(
            endpoint,
            Endpoint::WalletStart | Endpoint::WalletAuthenticate | Endpoint::WalletAddToUser
        );
        if wallet_request && *wallet != self.wallet {
            return Err(LedgerError::WrongWallet);
        }
        if endpoint == Endpoint::WalletAddToUser && self.signed_wallet != Some(*wallet) {
            return Err(LedgerError::WalletNotSigned);
        }
        let (source, two_factor) = match purpose.token_rule() {
            TokenRule::None => return Ok(None),
            TokenRule::CurrentOf(source) => (source, false),
            TokenRule::TwoFactorOf(source) => (source, true),
        };
        let entry = self
            .current_entry(source)
            .filter(|_| !(source == Purpose::WalletSignIn && self.phone_conflict))
            .ok_or(LedgerError::NoToken { purpose, source })?;
        if two_factor && !entry.is_two_factor() {
            return Err(LedgerError::NotTwoFactor { token: entry.token });
        }
        Ok(Some(Bearer {
            token: entry.token,
            jwt: &entry.jwt,
        }))
    }

    /// Records the token an authenticate step returned. It must be a readable JWT. A current
    /// token of the same key (factor, purpose) is superseded. `carried` is the token the
    /// authenticate request carried, if any: its factors are in the new session too.
    pub fn record(
        &mut self,
        factor: FactorKind,
        purpose: Purpose,
        jwt: Secret,
        carried: Option<TokenRef>,
    ) -> Result<TokenInfo, LedgerError> {
        let claims = jwt::read_claims(jwt.expose()).map_err(LedgerError::Unreadable)?;
        let mut known = carried
            .and_then(|t| self.entries.iter().find(|e| e.token.id == t.id))
            .map(|e| e.factors.clone())
            .unwrap_or_default();
        if !known.contains(&factor) {
            known.push(factor);
        }
        let factors = effective_factors(&claims, known);
        let token = self.issue_ref(factor, purpose);
        for entry in &mut self.entries {
            if entry.token.factor == factor
                && entry.token.purpose == purpose
                && entry.status == TokenStatus::Current
            {
                entry.status = TokenStatus::Superseded { by: token.id };
            }
        }
        let entry = Entry {
            token,
            jwt,
            claims,
            factors,
            status: TokenStatus::Current,
            refreshed_from: None,
        };
        let info = Self::entry_info(&entry);
        self.entries.push(entry);
        Ok(info)
    }

    /// Applies `ratio-authentication-refresh` from the response to a request that carried `sent`:
    /// the refreshed JWT takes `sent`'s place (same key, new id). `Ok(None)` when `sent` is no
    /// longer current (nothing to replace).
    pub fn refresh(
        &mut self,
        sent: TokenRef,
        jwt: Secret,
    ) -> Result<Option<TokenRef>, LedgerError> {
        let claims = jwt::read_claims(jwt.expose()).map_err(LedgerError::Unreadable)?;
        let Some(index) = self
            .entries
            .iter()
            .position(|e| e.token.id == sent.id && e.status == TokenStatus::Current)
        else {
            return Ok(None);
        };
        let token = self.issue_ref(sent.factor, sent.purpose);
        let mut known = Vec::new();
        if let Some(old) = self.entries.get_mut(index) {
            old.status = TokenStatus::Superseded { by: token.id };
            known = old.factors.clone();
        }
        let factors = effective_factors(&claims, known);
        self.entries.push(Entry {
            token,
            jwt,
            claims,
            factors,
            status: TokenStatus::Current,
            refreshed_from: Some(sent.id),
        });
        Ok(Some(token))
    }

    /// Revokes one token; `false` if it was not current.
    pub fn revoke(&mut self, token: TokenRef, reason: RevokeReason) -> bool {
        match self
            .entries
            .iter_mut()
            .find(|e| e.token.id == token.id && e.status == TokenStatus::Current)
        {
            Some(entry) => {
                entry.status = TokenStatus::Revoked { reason };
                true
            }
            None => false,
        }
    }

    /// 409 `ALREADY_EXISTS_PHONE` on the new-user second factor: revokes the wallet JWT(s) and
    /// closes the `walletSignIn` source for good. Returns what was revoked.
    pub fn phone_conflict(&mut self) -> Vec<TokenRef> {
        self.phone_conflict = true;
        let mut revoked = Vec::new();
        for entry in &mut self.entries {
            if entry.token.purpose == Purpose::WalletSignIn && entry.status == TokenStatus::Current
            {
                entry.status = TokenStatus::Revoked {
                    reason: RevokeReason::PhoneBelongsToAnotherUser,
                };
                revoked.push(entry.token);
            }
        }
        revoked
    }

    /// Records that `address` signed and Ratio accepted its signature in this flow.
    pub fn record_signer(&mut self, address: Address) {
        self.signed_wallet = Some(address);
    }

    pub fn signed_wallet(&self) -> Option<Address> {
        self.signed_wallet
    }

    /// The latest current token whose claims are two-factor.
    pub fn final_session(&self) -> Option<FinalSession<'_>> {
        self.entries
            .iter()
            .filter(|e| e.status == TokenStatus::Current && e.is_two_factor())
            .max_by_key(|e| e.token.id)
            .map(|e| FinalSession {
                token: e.token,
                jwt: &e.jwt,
                claims: &e.claims,
                factors: &e.factors,
            })
    }

    /// The current token produced by a purpose's step, if any.
    pub fn current(&self, purpose: Purpose) -> Option<TokenRef> {
        self.current_entry(purpose).map(|e| e.token)
    }

    /// Every token so far, oldest first, without JWTs.
    pub fn tokens(&self) -> Vec<TokenInfo> {
        self.entries.iter().map(Self::entry_info).collect()
    }

    pub fn info(&self, id: u32) -> Option<TokenInfo> {
        self.entries
            .iter()
            .find(|e| e.token.id == id)
            .map(Self::entry_info)
    }

    /// The JWT of a token, for audits and tests (e.g. to compare with an `Authorization` header).
    pub fn jwt(&self, id: u32) -> Option<&Secret> {
        self.entries
            .iter()
            .find(|e| e.token.id == id)
            .map(|e| &e.jwt)
    }

    /// Whether the phone conflict closed the wallet sign-in token source.
    pub fn had_phone_conflict(&self) -> bool {
        self.phone_conflict
    }

    fn current_entry(&self, purpose: Purpose) -> Option<&Entry> {
        self.entries
            .iter()
            .filter(|e| e.token.purpose == purpose && e.status == TokenStatus::Current)
            .max_by_key(|e| e.token.id)
    }

    fn issue_ref(&mut self, factor: FactorKind, purpose: Purpose) -> TokenRef {
        let id = self.next_id;
        self.next_id = self.next_id.saturating_add(1);
        TokenRef {
            id,
            factor,
            purpose,
        }
    }

    fn entry_info(entry: &Entry) -> TokenInfo {
        TokenInfo {
            token: entry.token,
            status: entry.status,
            factors: entry.factors.clone(),
            subject: entry.claims.subject.clone(),
            expires_at: entry.claims.expires_at,
            refreshed_from: entry.refreshed_from,
        }
    }
}

/// The claims' distinct factor kinds when they list any, else what the ledger saw.
fn effective_factors(claims: &SessionClaims, known: Vec<FactorKind>) -> Vec<FactorKind> {
    if claims.factors.is_empty() {
        known
    } else {
        distinct_factors(claims)
    }
}

/// Distinct factor kinds of a token, in token order.
pub fn distinct_factors(claims: &SessionClaims) -> Vec<FactorKind> {
    let mut kinds = Vec::new();
    for factor in &claims.factors {
        if !kinds.contains(&factor.kind) {
            kinds.push(factor.kind);
        }
    }
    kinds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::testkit::{jwt_with, wallet_a, wallet_b};

    fn two_factor() -> Secret {
        Secret::new(jwt_with("user-1", &["sms", "email"]))
    }

    fn one_factor(kind: &str) -> Secret {
        Secret::new(jwt_with("user-1", &[kind]))
    }

    #[test]
    fn first_factors_never_carry_a_token() {
        let mut ledger = Ledger::new(wallet_a());
        let recorded = ledger.record(
            FactorKind::Wallet,
            Purpose::WalletSignIn,
            one_factor("wallet"),
            None,
        );
        assert!(recorded.is_ok());
        assert!(
            ledger
                .record(
                    FactorKind::Sms,
                    Purpose::LinkFirstFactor,
                    one_factor("sms"),
                    None
                )
                .is_ok()
        );
        for (endpoint, purpose) in [
            (Endpoint::WalletStart, Purpose::WalletSignIn),
            (Endpoint::SmsSend, Purpose::LinkFirstFactor),
            (Endpoint::SmsAuthenticate, Purpose::LinkFirstFactor),
            (Endpoint::EmailSend, Purpose::FirstFactor),
        ] {
            assert!(
                matches!(ledger.authorize(endpoint, purpose, &wallet_a()), Ok(None)),
                "{endpoint:?}"
            );
        }
    }

    #[test]
    fn second_factor_carries_the_wallet_token_until_the_phone_conflict() {
        let mut ledger = Ledger::new(wallet_a());
        let w = match ledger.record(
            FactorKind::Wallet,
            Purpose::WalletSignIn,
            one_factor("wallet"),
            None,
        ) {
            Ok(info) => info.token,
            Err(e) => panic!("{e}"),
        };
        let bearer = ledger.authorize(Endpoint::SmsSend, Purpose::SecondFactor, &wallet_a());
        assert_eq!(bearer.map(|b| b.map(|b| b.token)), Ok(Some(w)));
        assert_eq!(ledger.phone_conflict(), vec![w]);
        assert_eq!(
            ledger
                .authorize(Endpoint::SmsSend, Purpose::SecondFactor, &wallet_a())
                .map(|_| ()),
            Err(LedgerError::NoToken {
                purpose: Purpose::SecondFactor,
                source: Purpose::WalletSignIn
            })
        );
        // Even a fresh wallet token cannot reopen the source after the conflict.
        assert!(
            ledger
                .record(
                    FactorKind::Wallet,
                    Purpose::WalletSignIn,
                    one_factor("wallet"),
                    None
                )
                .is_ok()
        );
        assert!(
            ledger
                .authorize(Endpoint::SmsSend, Purpose::SecondFactor, &wallet_a())
                .is_err()
        );
        assert_eq!(
            ledger.info(w.id).map(|i| i.status),
            Some(TokenStatus::Revoked {
                reason: RevokeReason::PhoneBelongsToAnotherUser
            })
        );
    }

    #[test]
    fn add_to_user_needs_two_factors_and_the_signed_wallet() {
        let mut ledger = Ledger::new(wallet_a());
        assert!(
            ledger
                .record(
                    FactorKind::Sms,
                    Purpose::LinkFirstFactor,
                    one_factor("sms"),
                    None
                )
                .is_ok()
        );
        // A one-factor token recorded under the two-factor purpose is still refused.
        let weak = ledger.record(
            FactorKind::Email,
            Purpose::LinkSecondFactor,
            one_factor("email"),
            None,
        );
        let weak = match weak {
            Ok(info) => info.token,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            ledger
                .authorize(Endpoint::WalletAddToUser, Purpose::AddToUser, &wallet_a())
                .map(|_| ()),
            Err(LedgerError::WalletNotSigned)
        );
        ledger.record_signer(wallet_a());
        assert_eq!(
            ledger
                .authorize(Endpoint::WalletAddToUser, Purpose::AddToUser, &wallet_a())
                .map(|_| ()),
            Err(LedgerError::NotTwoFactor { token: weak })
        );
        let strong = match ledger.record(
            FactorKind::Email,
            Purpose::LinkSecondFactor,
            two_factor(),
            None,
        ) {
            Ok(info) => info.token,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            ledger.info(weak.id).map(|i| i.status),
            Some(TokenStatus::Superseded { by: strong.id })
        );
        let bearer = ledger.authorize(Endpoint::WalletAddToUser, Purpose::AddToUser, &wallet_a());
        assert_eq!(bearer.map(|b| b.map(|b| b.token)), Ok(Some(strong)));
        assert_eq!(
            ledger
                .authorize(Endpoint::WalletAddToUser, Purpose::AddToUser, &wallet_b())
                .map(|_| ()),
            Err(LedgerError::WrongWallet)
        );
        assert!(matches!(
            ledger.authorize(
                Endpoint::WalletAddToUser,
                Purpose::LinkSecondFactor,
                &wallet_a()
            ),
            Err(LedgerError::WrongEndpoint { .. })
        ));
        assert!(matches!(
            ledger.authorize(Endpoint::EmailSend, Purpose::LinkFirstFactor, &wallet_a()),
            Err(LedgerError::WrongEndpoint { .. })
        ));
        assert_eq!(ledger.final_session().map(|s| s.token), Some(strong));
    }

    #[test]
    fn refresh_replaces_the_sent_token_only() {
        let mut ledger = Ledger::new(wallet_a());
        let a = match ledger.record(
            FactorKind::Sms,
            Purpose::LinkFirstFactor,
            one_factor("sms"),
            None,
        ) {
            Ok(info) => info.token,
            Err(e) => panic!("{e}"),
        };
        let refreshed = ledger.refresh(a, Secret::new(jwt_with("user-1", &["sms"])));
        let new = match refreshed {
            Ok(Some(t)) => t,
            other => panic!("{other:?}"),
        };
        assert_eq!((new.factor, new.purpose), (a.factor, a.purpose));
        assert_ne!(new.id, a.id);
        let bearer = ledger.authorize(Endpoint::EmailSend, Purpose::LinkSecondFactor, &wallet_a());
        assert_eq!(bearer.map(|b| b.map(|b| b.token)), Ok(Some(new)));
        assert_eq!(
            ledger.info(new.id).and_then(|i| i.refreshed_from),
            Some(a.id)
        );
        // Refreshing a token that is no longer current changes nothing.
        assert_eq!(
            ledger.refresh(a, Secret::new(jwt_with("user-1", &["sms"]))),
            Ok(None)
        );
        assert!(matches!(
            ledger.refresh(new, Secret::new("garbage")),
            Err(LedgerError::Unreadable(_))
        ));
        assert!(ledger.revoke(new, RevokeReason::RejectedByServer));
        assert!(!ledger.revoke(new, RevokeReason::RejectedByServer));
        assert!(
            ledger
                .authorize(Endpoint::EmailSend, Purpose::LinkSecondFactor, &wallet_a())
                .is_err()
        );
    }

    #[test]
    fn unreadable_tokens_are_refused() {
        let mut ledger = Ledger::new(wallet_a());
        assert!(matches!(
            ledger.record(
                FactorKind::Wallet,
                Purpose::WalletSignIn,
                Secret::new("not-a-jwt"),
                None
            ),
            Err(LedgerError::Unreadable(_))
        ));
        assert!(ledger.tokens().is_empty());
        assert!(ledger.final_session().is_none());
    }
}
