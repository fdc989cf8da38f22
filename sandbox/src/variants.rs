//! Ways the real Ratio may differ from this sandbox's reading of its docs, each behind a switch,
//! so tests can prove that clients do not depend on what the docs leave open.
//!
//! The default ([`Variants::default`]) is the sandbox's usual reading; every switch plays one
//! other reading that the contract allows.

use std::str::FromStr;
use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

use crate::error::codes;
use crate::state::AppState;

/// Every switch; all off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variants {
    /// The new user's `sms:send` to another user's phone succeeds (a code is sent), and the
    /// conflict (409) comes at `sms:authenticate` instead.
    pub conflict_at_authenticate: bool,
    /// Session JWTs carry no `https://stytch.com/session` claim (so no factors a client can
    /// read); the sandbox keeps what it needs in a private claim.
    pub tokens_without_factors: bool,
    /// How error bodies spell their `code`.
    pub error_codes: ErrorCodes,
    /// Error bodies say `"message": null`.
    pub null_messages: bool,
    /// What a successful `cryptoWallet:addToUser` answers.
    pub add_to_user_body: AddToUserBody,
    /// A server without EIP-1271 support: signatures of registered contract wallets are
    /// refused (401 `INVALID_SIGNATURE`). Also switched at run time through
    /// `POST /sandbox/contract-wallets/support`.
    pub no_contract_wallets: bool,
}

/// The `code` of error bodies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ErrorCodes {
    /// As `ratio-api.md` spells them.
    #[default]
    Ratio,
    /// Other spellings of the codes a flow could branch on (`PHONE_ALREADY_EXISTS`,
    /// `OTP_INVALID`, ...). The token codes (`EXPIRED_JWT`, `INVALID_JWT`) stay as they are:
    /// the docs name them for re-authentication.
    Renamed,
    /// No `code` field at all.
    Absent,
    /// Not JSON: a `text/plain` body with the message only.
    PlainText,
}

impl FromStr for ErrorCodes {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "ratio" => Ok(ErrorCodes::Ratio),
            "renamed" => Ok(ErrorCodes::Renamed),
            "absent" => Ok(ErrorCodes::Absent),
            "plain-text" => Ok(ErrorCodes::PlainText),
            other => Err(format!(
                "{other:?} is not one of ratio, renamed, absent, plain-text"
            )),
        }
    }
}

/// The 200 body of `cryptoWallet:addToUser` (the OpenAPI spec defines none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AddToUserBody {
    /// `{}`.
    #[default]
    EmptyObject,
    /// `null`.
    Null,
    /// No body at all.
    Nothing,
}

impl FromStr for AddToUserBody {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "object" => Ok(AddToUserBody::EmptyObject),
            "null" => Ok(AddToUserBody::Null),
            "nothing" => Ok(AddToUserBody::Nothing),
            other => Err(format!("{other:?} is not one of object, null, nothing")),
        }
    }
}

/// The other spelling of a code under [`ErrorCodes::Renamed`].
fn renamed(code: &str) -> String {
    match code {
        codes::EXPIRED_JWT | codes::INVALID_JWT => code.to_owned(),
        codes::ALREADY_EXISTS_PHONE => "PHONE_ALREADY_EXISTS".to_owned(),
        codes::ALREADY_EXISTS_EMAIL => "EMAIL_ALREADY_EXISTS".to_owned(),
        codes::ALREADY_EXISTS_WALLET_ADDRESS => "WALLET_ADDRESS_ALREADY_EXISTS".to_owned(),
        codes::INVALID_OTP => "OTP_INVALID".to_owned(),
        codes::TOO_MANY_REQUESTS => "RATE_LIMITED".to_owned(),
        // Lower case is what a different error framework would most likely do.
        other => other.to_ascii_lowercase(),
    }
}

/// Error bodies are small; anything bigger is passed through untouched.
const MAX_REWRITTEN_BODY: usize = 64 * 1024;

/// Layer: rewrites the handlers' error bodies as the variants say. It sits inside the fault
/// layer, so injected faults answer exactly what their rule says.
pub async fn errors_layer(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    let variants = &state.config.variants;
    let status = response.status();
    let untouched = variants.error_codes == ErrorCodes::Ratio && !variants.null_messages;
    if untouched || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_REWRITTEN_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    if variants.error_codes == ErrorCodes::PlainText {
        let message = fields
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("error")
            .to_owned();
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        return Response::from_parts(parts, Body::from(message));
    }
    match variants.error_codes {
        ErrorCodes::Renamed => {
            if let Some(Value::String(code)) = fields.get("code") {
                let code = renamed(code);
                fields.insert("code".into(), Value::String(code));
            }
        }
        ErrorCodes::Absent => {
            fields.remove("code");
        }
        ErrorCodes::Ratio | ErrorCodes::PlainText => {}
    }
    if variants.null_messages {
        fields.insert("message".into(), Value::Null);
    }
    let body = serde_json::to_vec(&Value::Object(fields)).unwrap_or_else(|_| bytes.to_vec());
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse() {
        assert_eq!("renamed".parse(), Ok(ErrorCodes::Renamed));
        assert_eq!("plain-text".parse(), Ok(ErrorCodes::PlainText));
        assert!("Renamed".parse::<ErrorCodes>().is_err());
        assert_eq!("null".parse(), Ok(AddToUserBody::Null));
        assert!("".parse::<AddToUserBody>().is_err());
    }

    #[test]
    fn renamed_codes_keep_the_token_codes() {
        assert_eq!(renamed("ALREADY_EXISTS_PHONE"), "PHONE_ALREADY_EXISTS");
        assert_eq!(renamed("INVALID_OTP"), "OTP_INVALID");
        assert_eq!(renamed("EXPIRED_JWT"), "EXPIRED_JWT");
        assert_eq!(renamed("INVALID_BODY"), "invalid_body");
    }
}
