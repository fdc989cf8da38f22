//! Request and response bodies on the wire (the OpenAPI schemas of `ratio-api.md`).
//!
//! Request fields the sandbox needs are plain `String`s, so a missing one is reported by name
//! (`MISSING_WALLET_ADDRESS`); unknown fields are ignored.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::contact::Channel;
use crate::error::rfc3339;
use crate::store::{ClientSession, OutboxMessage, User};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletRequest {
    pub wallet_address: String,
    pub wallet_type: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletAuthenticateRequest {
    pub wallet_address: String,
    pub wallet_type: String,
    pub signature: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsSendRequest {
    pub phone_number: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailSendRequest {
    pub email_address: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsAuthenticateRequest {
    pub phone_id: String,
    pub otp: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailAuthenticateRequest {
    pub email_id: String,
    pub otp: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateUserRequest {
    pub first_name: String,
    #[serde(default)]
    pub middle_name: Option<String>,
    pub last_name: String,
    pub email: String,
    pub country: String,
    pub phone: String,
    pub accepted_terms: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateClientSessionRequest {
    pub signing_address: String,
    pub signing_type: String,
    #[serde(default)]
    pub deposit_address: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ChallengeResponse {
    pub challenge: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthResponse {
    pub session_jwt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_mask: Option<UserMask>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserBody>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsSendResponse {
    pub phone_id: String,
    pub phone_mask: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailSendResponse {
    pub email_id: String,
    pub email_mask: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserMask {
    pub id: String,
    pub create_time: String,
    pub update_time: String,
    pub phone_mask: String,
    pub email_mask: String,
}

impl From<&User> for UserMask {
    fn from(u: &User) -> Self {
        UserMask {
            id: u.id.clone(),
            create_time: rfc3339(u.created),
            update_time: rfc3339(u.updated),
            phone_mask: Channel::Sms.mask(&u.phone),
            email_mask: Channel::Email.mask(&u.email),
        }
    }
}

/// The OpenAPI `User`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserBody {
    pub id: String,
    pub create_time: String,
    pub update_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    pub email: String,
    pub phone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    pub connected_bank_accounts: Vec<Value>,
    pub flags: Vec<String>,
}

impl From<&User> for UserBody {
    fn from(u: &User) -> Self {
        UserBody {
            id: u.id.clone(),
            create_time: rfc3339(u.created),
            update_time: rfc3339(u.updated),
            first_name: u.first_name.clone(),
            middle_name: u.middle_name.clone(),
            last_name: u.last_name.clone(),
            email: u.email.clone(),
            phone: u.phone.clone(),
            country: u.country.clone(),
            connected_bank_accounts: Vec::new(),
            flags: Vec::new(),
        }
    }
}

/// The OpenAPI `ClientSession`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientSessionBody {
    pub id: String,
    pub create_time: String,
    pub update_time: String,
    pub signing_address: String,
    pub signing_type: &'static str,
    pub deposit_address: String,
    pub deposit_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_mask: Option<UserMask>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_jwt: Option<String>,
}

impl ClientSessionBody {
    pub fn new(c: &ClientSession, user: Option<&User>) -> Self {
        ClientSessionBody {
            id: c.id.clone(),
            create_time: rfc3339(c.created),
            update_time: rfc3339(c.updated),
            signing_address: c.signing_address.to_checksum(),
            signing_type: "EVM",
            deposit_address: c.deposit_address.to_checksum(),
            deposit_type: "EVM",
            user_mask: user.map(UserMask::from),
            session_jwt: c.session_jwt.clone(),
        }
    }
}

// ---- sandbox-only bodies ----

#[derive(Debug, Serialize)]
pub struct CreatedId {
    pub id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxUser {
    pub id: String,
    pub phone_number: String,
    pub email_address: String,
    pub wallets: Vec<SandboxWallet>,
}

#[derive(Debug, Serialize)]
pub struct SandboxWallet {
    pub address: String,
    pub verified: bool,
}

impl From<&User> for SandboxUser {
    fn from(u: &User) -> Self {
        SandboxUser {
            id: u.id.clone(),
            phone_number: u.phone.clone(),
            email_address: u.email.clone(),
            wallets: u
                .wallets
                .iter()
                .map(|w| SandboxWallet {
                    address: w.address.to_checksum(),
                    verified: w.verified,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    pub channel: &'static str,
    pub to: String,
    pub otp: String,
    pub sent_at: String,
}

impl From<&OutboxMessage> for OutboxEntry {
    fn from(m: &OutboxMessage) -> Self {
        OutboxEntry {
            channel: m.channel.name(),
            to: m.to.clone(),
            otp: m.otp.clone(),
            sent_at: rfc3339(m.sent_at),
        }
    }
}
