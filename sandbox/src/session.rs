//! Auth sessions: who they belong to and which factors have authenticated in them.

use std::time::SystemTime;

use ratio_auth::eip191::Address;
use serde_json::{Value, json};

use crate::contact::Channel;

/// One authenticated factor, as it appears in the JWT's `authentication_factors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Factor {
    Wallet {
        address: Address,
    },
    Otp {
        channel: Channel,
        contact_id: String,
        contact: String,
    },
}

/// What kind of factor; a new factor replaces an old one of the same kind in a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorKind {
    Wallet,
    Sms,
    Email,
}

impl Factor {
    pub fn kind(&self) -> FactorKind {
        match self {
            Factor::Wallet { .. } => FactorKind::Wallet,
            Factor::Otp {
                channel: Channel::Sms,
                ..
            } => FactorKind::Sms,
            Factor::Otp {
                channel: Channel::Email,
                ..
            } => FactorKind::Email,
        }
    }

    /// The Stytch shape of `ratio-api.md`.
    pub fn to_claim(&self) -> Value {
        match self {
            Factor::Wallet { address } => json!({
                "type": "crypto",
                "delivery_method": "crypto_wallet",
                "crypto_wallet_factor": {
                    "crypto_wallet_address": address.to_checksum(),
                    "crypto_wallet_type": "ethereum",
                },
            }),
            Factor::Otp {
                channel: Channel::Sms,
                contact_id,
                contact,
            } => json!({
                "type": "otp",
                "delivery_method": "sms",
                "phone_number_factor": { "phone_id": contact_id, "phone_number": contact },
            }),
            Factor::Otp {
                channel: Channel::Email,
                contact_id,
                contact,
            } => json!({
                "type": "otp",
                "delivery_method": "email",
                "email_factor": { "email_id": contact_id, "email_address": contact },
            }),
        }
    }
}

impl FactorKind {
    /// Reads the kind back from a JWT factor entry (`delivery_method`).
    pub fn from_claim(entry: &Value) -> Option<FactorKind> {
        match entry.get("delivery_method")?.as_str()? {
            "crypto_wallet" => Some(FactorKind::Wallet),
            "sms" => Some(FactorKind::Sms),
            "email" => Some(FactorKind::Email),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    /// The existing user this session belongs to; `None` for a new-user session.
    pub user: Option<String>,
    /// `sub` while the session has no user.
    pub new_user_sub: String,
    pub factors: Vec<Factor>,
    /// The wallet that authenticated in this session, if any.
    pub wallet: Option<Address>,
    pub started: SystemTime,
    pub last_seen: SystemTime,
    /// The client session (`ratio-client-session-id`) it was started under, if any.
    pub client_session: Option<String>,
}

impl Session {
    pub fn new(id: String, new_user_sub: String, user: Option<String>, now: SystemTime) -> Self {
        Session {
            id,
            user,
            new_user_sub,
            factors: Vec::new(),
            wallet: None,
            started: now,
            last_seen: now,
            client_session: None,
        }
    }

    /// Adds a factor; one of the same kind is replaced, so a session holds at most one of each.
    pub fn add_factor(&mut self, factor: Factor) {
        if let Factor::Wallet { address } = &factor {
            self.wallet = Some(*address);
        }
        let kind = factor.kind();
        match self.factors.iter_mut().find(|f| f.kind() == kind) {
            Some(slot) => *slot = factor,
            None => self.factors.push(factor),
        }
    }

    pub fn sub(&self) -> &str {
        self.user.as_deref().unwrap_or(&self.new_user_sub)
    }

    pub fn otp_contact(&self, channel: Channel) -> Option<&str> {
        self.factors.iter().find_map(|f| match f {
            Factor::Otp {
                channel: c,
                contact,
                ..
            } if *c == channel => Some(contact.as_str()),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_kind_replaces() {
        let now = SystemTime::UNIX_EPOCH;
        let mut s = Session::new("s".into(), "new-user-x".into(), None, now);
        let sms = |n: &str| Factor::Otp {
            channel: Channel::Sms,
            contact_id: "p".into(),
            contact: n.into(),
        };
        s.add_factor(sms("+12025550100"));
        s.add_factor(Factor::Otp {
            channel: Channel::Email,
            contact_id: "e".into(),
            contact: "a@b.co".into(),
        });
        s.add_factor(sms("+12025550101"));
        assert_eq!(s.factors.len(), 2);
        assert_eq!(s.otp_contact(Channel::Sms), Some("+12025550101"));
        assert_eq!(s.factors[0].kind(), FactorKind::Sms);
        assert_eq!(s.sub(), "new-user-x");
    }
}
