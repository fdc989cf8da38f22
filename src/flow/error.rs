//! The one error type a flow ends with.
//!
//! [`ErrorKind`] is the JS `kind` of issue 4. How HTTP outcomes map to kinds:
//! - 429 after the retry budget → `RateLimited` (with when Ratio said to retry);
//! - 5xx after the retry budget → `Server`; transport errors → `Network` / `Timeout`;
//! - 2xx with an unexpected body, an unreadable session JWT, 1xx/3xx → `BadResponse`;
//! - 401 `INVALID_OTP` past `max_otp_attempts` → `InvalidOtp`;
//! - 403 `MFA_REQUIRED`, or a session that is not two-factor where one is needed → `MfaRequired`;
//! - 409 (and a declined link) → `Conflict`;
//! - 400 `INVALID_SIGNATURE`, or a local signature check that fails → `SignatureMismatch`;
//! - a 400/401 refusal of a smart-contract wallet's signature → `ContractWalletRefused` (the
//!   server does not accept EIP-1271/ERC-6492 signatures, or not this one);
//! - other 400s, 401 `INVALID_CLIENT_SECRET`, other 403s, and invalid settings or answers →
//!   `Config` (the request built from the integrator's settings or the user's input was refused);
//! - any other 4xx (e.g. `EXPIRED_JWT` again after one restart, 404) → `Server`.
//!
//! `message` is written by the SDK and never holds a JWT, OTP, secret or personal data; Ratio's
//! own message is kept apart in `server_message`.

use crate::prelude::*;

use crate::api::{Endpoint, ErrorCode};
use crate::eip191::Address;
use crate::json::{Map, ToJson, Value};

use super::state::FlowState;

/// What kind of failure ended the flow. Serialises as `{"kind": "rateLimited", "retryAt": …}`
/// (the same name as the thrown `RatioAuthError`'s field).
// drop the derive once src/web calls `ToJson::to_json` instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The user refused in the wallet.
    UserRejected,
    /// Ratio kept answering 429. `retry_at_ms`: when its last `Retry-After` pointed to (unix
    /// ms), serialised as `retryAt`.
    RateLimited {
        retry_at_ms: Option<u64>,
    },
    /// The phone, email or wallet belongs to another user (or the user declined the link).
    Conflict,
    /// Too many wrong codes.
    InvalidOtp,
    /// A two-factor session was needed and not had.
    MfaRequired,
    /// The signature is not the expected account's. `signed_by` is the account that did sign
    /// (when known); `signed_hex_text` is the wallet quirk of signing the hex text of the
    /// challenge instead of its bytes.
    SignatureMismatch {
        signed_by: Option<Address>,
        signed_hex_text: bool,
    },
    /// Ratio refused a smart-contract wallet's signature (EIP-1271 / ERC-6492), which only it
    /// can check: the server does not accept contract-wallet signatures, or not this one.
    ContractWalletRefused,
    Network,
    Timeout,
    /// Cancelled by the application or the user.
    Aborted,
    Server,
    BadResponse,
    Config,
    /// The wallet failed (not a rejection); `wallet_code` is its EIP-1193 code if any.
    Wallet {
        wallet_code: Option<i64>,
    },
}

impl ErrorKind {
    /// The JS `kind` string.
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorKind::UserRejected => "userRejected",
            ErrorKind::RateLimited { .. } => "rateLimited",
            ErrorKind::Conflict => "conflict",
            ErrorKind::InvalidOtp => "invalidOtp",
            ErrorKind::MfaRequired => "mfaRequired",
            ErrorKind::SignatureMismatch { .. } => "signatureMismatch",
            ErrorKind::ContractWalletRefused => "contractWalletRefused",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Aborted => "aborted",
            ErrorKind::Server => "server",
            ErrorKind::BadResponse => "badResponse",
            ErrorKind::Config => "config",
            ErrorKind::Wallet { .. } => "wallet",
        }
    }
}

impl ErrorKind {
    /// Adds `kind` and the variant's fields to `map` (how [`FlowError`] embeds them, flat).
    fn insert_into(&self, map: &mut Map) {
        map.insert("kind".to_owned(), Value::from(self.as_str()));
        match self {
            ErrorKind::RateLimited { retry_at_ms } => {
                map.insert("retryAt".to_owned(), Value::from(*retry_at_ms));
            }
            ErrorKind::SignatureMismatch {
                signed_by,
                signed_hex_text,
            } => {
                map.insert(
                    "signedBy".to_owned(),
                    Value::from(signed_by.as_ref().map(Address::to_checksum)),
                );
                map.insert("signedHexText".to_owned(), Value::from(*signed_hex_text));
            }
            ErrorKind::Wallet { wallet_code } => {
                map.insert("walletCode".to_owned(), Value::from(*wallet_code));
            }
            ErrorKind::UserRejected
            | ErrorKind::Conflict
            | ErrorKind::InvalidOtp
            | ErrorKind::MfaRequired
            | ErrorKind::ContractWalletRefused
            | ErrorKind::Network
            | ErrorKind::Timeout
            | ErrorKind::Aborted
            | ErrorKind::Server
            | ErrorKind::BadResponse
            | ErrorKind::Config => {}
        }
    }
}

impl ToJson for ErrorKind {
    /// `{"kind": "rateLimited", "retryAt": …}`.
    fn to_json(&self) -> Value {
        let mut map = Map::new();
        self.insert_into(&mut map);
        Value::Object(map)
    }
}

impl Piece for ErrorKind {
    fn push_to(&self, out: &mut String) {
        out.push_str(self.as_str())
    }
}

crate::text::display_by_piece!(ErrorKind);

/// Why a flow failed. Serialises flat: `{"kind", …kind fields, "code", "status", "message", …}`.
// drop the derive once src/web calls `ToJson::to_json` instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowError {
    pub kind: ErrorKind,
    /// Ratio's error code, when the failure came from one.
    pub code: Option<ErrorCode>,
    /// The HTTP status, when the failure came from a response.
    pub status: Option<u16>,
    /// SDK-written, safe to show and log.
    pub message: String,
    /// The endpoint whose response ended the flow, if one did.
    pub endpoint: Option<Endpoint>,
    /// The state the flow was in when it failed.
    pub state: FlowState,
    /// Ratio's `message`, verbatim (server-controlled text). Never serialised: events (and so
    /// the UI's timeline) carry no server text; the JS error appends it only sanitised.
    pub server_message: Option<String>,
}

impl FlowError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        FlowError {
            kind,
            code: None,
            status: None,
            message: message.into(),
            endpoint: None,
            state: FlowState::Failed,
            server_message: None,
        }
    }

    pub(crate) fn with_code(mut self, code: Option<ErrorCode>) -> Self {
        self.code = code;
        self
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub(crate) fn with_endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = Some(endpoint);
        self
    }

    pub(crate) fn with_server_message(mut self, message: Option<String>) -> Self {
        self.server_message = message.filter(|m| !m.is_empty());
        self
    }
}

impl ToJson for FlowError {
    /// Flat: `{"kind", …kind fields, "code", "status", "message", "endpoint", "state"}`; never
    /// `server_message`.
    fn to_json(&self) -> Value {
        let mut map = Map::new();
        self.kind.insert_into(&mut map);
        map.insert(
            "code".to_owned(),
            Value::from(self.code.as_ref().map(ErrorCode::as_str)),
        );
        map.insert("status".to_owned(), Value::from(self.status));
        map.insert("message".to_owned(), Value::from(&self.message));
        map.insert(
            "endpoint".to_owned(),
            Value::from(self.endpoint.map(Endpoint::as_str)),
        );
        map.insert("state".to_owned(), Value::from(self.state.as_str()));
        Value::Object(map)
    }
}

impl Piece for FlowError {
    fn push_to(&self, out: &mut String) {
        out.push_str(&text!(self.kind, ": ", self.message));
        if let Some(code) = &self.code {
            out.push_str(&text!(" (", code, ")"));
        }
    }
}

crate::text::display_by_piece!(FlowError);

impl core::error::Error for FlowError {}

/// The kind for a non-2xx status that the engine does not handle itself (see the module docs).
pub fn kind_for_status(status: u16, code: Option<&ErrorCode>) -> ErrorKind {
    match (status, code) {
        (429, _) => ErrorKind::RateLimited { retry_at_ms: None },
        (500..=599, _) => ErrorKind::Server,
        (400, Some(ErrorCode::InvalidSignature)) => ErrorKind::SignatureMismatch {
            signed_by: None,
            signed_hex_text: false,
        },
        (401, Some(ErrorCode::InvalidOtp)) => ErrorKind::InvalidOtp,
        (401, Some(ErrorCode::InvalidClientSecret)) => ErrorKind::Config,
        (403, Some(ErrorCode::MfaRequired)) => ErrorKind::MfaRequired,
        (409, _) => ErrorKind::Conflict,
        (400 | 403, _) => ErrorKind::Config,
        (400..=499, _) => ErrorKind::Server,
        _ => ErrorKind::BadResponse,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_flat_for_js() {
        let error = FlowError::new(
            ErrorKind::RateLimited {
                retry_at_ms: Some(5),
            },
            "slow down",
        )
        .with_code(Some(ErrorCode::TooManyRequests))
        .with_status(429)
        .with_endpoint(Endpoint::SmsSend)
        .with_server_message(Some("server text 123456".into()));
        let expected = serde_json::json!({
            "kind": "rateLimited", "retryAt": 5, "code": "TOO_MANY_REQUESTS", "status": 429,
            "message": "slow down", "endpoint": "smsSend", "state": "failed"
        });
        let ours = serde_json::from_str::<serde_json::Value>(&error.to_json().to_json_string());
        assert_eq!(ours.ok(), Some(expected));
        let text = error.to_json().to_json_string();
        assert!(!text.contains("server text"), "{text}");
        assert_eq!(
            error.to_string(),
            "rateLimited: slow down (TOO_MANY_REQUESTS)"
        );
    }

    #[test]
    fn status_mapping() {
        assert_eq!(kind_for_status(502, None), ErrorKind::Server);
        assert_eq!(
            kind_for_status(409, Some(&ErrorCode::AlreadyExistsEmail)),
            ErrorKind::Conflict
        );
        assert_eq!(
            kind_for_status(403, Some(&ErrorCode::MfaRequired)),
            ErrorKind::MfaRequired
        );
        assert_eq!(
            kind_for_status(401, Some(&ErrorCode::InvalidClientSecret)),
            ErrorKind::Config
        );
        assert_eq!(
            kind_for_status(401, Some(&ErrorCode::ExpiredJwt)),
            ErrorKind::Server
        );
        assert_eq!(
            kind_for_status(400, Some(&ErrorCode::InvalidBody)),
            ErrorKind::Config
        );
        assert_eq!(kind_for_status(404, None), ErrorKind::Server);
        assert_eq!(kind_for_status(302, None), ErrorKind::BadResponse);
        assert_eq!(
            kind_for_status(400, Some(&ErrorCode::InvalidSignature)),
            ErrorKind::SignatureMismatch {
                signed_by: None,
                signed_hex_text: false
            }
        );
    }
}
