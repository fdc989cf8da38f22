//! The errors JS callers catch.
//!
//! Modelled on viem's error classes: a real JS `Error` (so `instanceof Error`, `stack` and
//! devtools all work) with `name = "RatioAuthError"`, three texts:
//! - `message`: the whole message (the short one, then the detail);
//! - `shortMessage`: one line written by the SDK, without the detail;
//! - `details`: the detail from outside, sanitised (Ratio's `message`, the wallet's error
//!   message, the browser's reason a request failed), or `undefined`;
//!
//! and fields to branch on:
//! - `kind`: what went wrong, one of [`ErrorKind`]'s strings;
//! - `code`: Ratio's error code (`"TOO_MANY_REQUESTS"`, …) when the server sent one, else `undefined`;
//! - `status`: the HTTP status when there was a response, else `undefined`;
//! - details only where they mean something: `retryAt` (unix ms, `rateLimited`), `signedBy`
//!   (`signatureMismatch`), `walletCode` (the EIP-1193 / JSON-RPC code) and `reason` (a finer
//!   cause inside `wallet` and `aborted`, e.g. `"accountsChanged"`), and `cause` (the original
//!   JS value: what the wallet's request threw or rejected with, `fetch`'s rejection for a
//!   `network` error, the signal's `reason` for `aborted`, what a prompt rejected with).
//!   A `timeout` has no `cause`: the only JS value there is the SDK's own abort of the request.
//!
//! Messages never carry a JWT, an OTP or a credential: the driver writes its own messages, and
//! text from outside (a server's or a wallet's message) goes through [`sanitize_external_text`].
//! JWT-shaped tokens are also masked in every message as a last line of defence.

use std::fmt;

use wasm_bindgen::prelude::*;

use super::js::{property, set_property, string_property};

/// The `kind` of a [`RatioAuthError`]; `as_str` gives the JS string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The user said no in the wallet (EIP-1193 4001, or the `-32603` "User denied" quirk).
    UserRejected,
    /// Ratio answered 429 and the retry budget is spent; `retryAt` says when a retry may work.
    RateLimited,
    /// 409: a phone, email or wallet belongs to another user.
    Conflict,
    /// 401 `INVALID_OTP`: the code was wrong or burnt.
    InvalidOtp,
    /// 403 `MFA_REQUIRED`: the call needs a two-factor session.
    MfaRequired,
    /// The wallet signed with another account than the one signing in (or signed other bytes).
    SignatureMismatch,
    /// Ratio refused a smart-contract wallet's signature (EIP-1271 / ERC-6492): the server
    /// does not accept contract-wallet signatures, or not this one.
    ContractWalletRefused,
    /// The request never got a response (offline, DNS, CORS, dropped connection).
    Network,
    /// An HTTP request or a wallet prompt took longer than `timeoutMs`.
    Timeout,
    /// The caller's `AbortSignal` fired.
    Aborted,
    /// Ratio (or the proxy) answered with an error this SDK has no better kind for.
    Server,
    /// A response that is not what the API promises (malformed JSON, an HTML error page, …).
    BadResponse,
    /// The options given to the SDK are wrong or unsafe.
    Config,
    /// The wallet failed or misbehaved (see `reason` and `walletCode`).
    Wallet,
    /// `resumeSignIn` found nothing to resume, or a saved sign-in it cannot continue (see
    /// `reason`: `"noPendingSignIn"`, `"expired"`, `"unreadable"`, `"otherWallet"`).
    Resume,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 15] = [
        ErrorKind::UserRejected,
        ErrorKind::RateLimited,
        ErrorKind::Conflict,
        ErrorKind::InvalidOtp,
        ErrorKind::MfaRequired,
        ErrorKind::SignatureMismatch,
        ErrorKind::ContractWalletRefused,
        ErrorKind::Network,
        ErrorKind::Timeout,
        ErrorKind::Aborted,
        ErrorKind::Server,
        ErrorKind::BadResponse,
        ErrorKind::Config,
        ErrorKind::Wallet,
        ErrorKind::Resume,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::UserRejected => "userRejected",
            ErrorKind::RateLimited => "rateLimited",
            ErrorKind::Conflict => "conflict",
            ErrorKind::InvalidOtp => "invalidOtp",
            ErrorKind::MfaRequired => "mfaRequired",
            ErrorKind::SignatureMismatch => "signatureMismatch",
            ErrorKind::ContractWalletRefused => "contractWalletRefused",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Aborted => "aborted",
            ErrorKind::Server => "server",
            ErrorKind::BadResponse => "badResponse",
            ErrorKind::Config => "config",
            ErrorKind::Wallet => "wallet",
            ErrorKind::Resume => "resume",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JS `name` of every error this SDK throws.
pub const ERROR_NAME: &str = "RatioAuthError";

/// An error on its way to JS. Build it with [`RatioAuthError::new`] and the `with_*` methods,
/// turn it into the JS object with [`RatioAuthError::into_js`] (or `JsValue::from`).
#[derive(Clone, Debug)]
pub struct RatioAuthError {
    kind: ErrorKind,
    message: String,
    /// `shortMessage` when it differs from `message` (an error with `details`).
    short_message: Option<String>,
    details: Option<String>,
    code: Option<String>,
    status: Option<u16>,
    retry_at_ms: Option<u64>,
    signed_by: Option<String>,
    wallet_code: Option<i64>,
    reason: Option<&'static str>,
    cause: Option<JsValue>,
}

impl RatioAuthError {
    /// `message` is the driver's own text; JWT-shaped tokens in it are masked anyway.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        RatioAuthError {
            kind,
            message: mask_jwts(&message.into()),
            short_message: None,
            details: None,
            code: None,
            status: None,
            retry_at_ms: None,
            signed_by: None,
            wallet_code: None,
            reason: None,
            cause: None,
        }
    }

    pub fn config(message: impl Into<String>) -> Self {
        RatioAuthError::new(ErrorKind::Config, message)
    }

    /// The caller's signal fired; `reason` is the signal's `reason`, kept as `cause`.
    pub fn aborted(reason: Option<JsValue>) -> Self {
        let error = RatioAuthError::new(ErrorKind::Aborted, "the operation was aborted");
        match reason {
            Some(reason) if !reason.is_undefined() => error.with_cause(reason),
            _ => error,
        }
    }

    /// An error whose text has a part from outside: `short` is the SDK's own line, `detail` the
    /// outside text (sanitised here, see [`sanitize_external_text`]). `message` becomes
    /// `short` + `: ` + detail, or `short` + ` (Ratio: ` + detail + `)` with `ratio`; an empty
    /// detail is none.
    pub fn detailed(kind: ErrorKind, short: impl Into<String>, detail: &str, ratio: bool) -> Self {
        let short = short.into();
        let detail = sanitize_external_text(detail);
        if detail.trim().is_empty() {
            return RatioAuthError::new(kind, short);
        }
        let message = if ratio {
            format!("{short} (Ratio: {detail})")
        } else {
            format!("{short}: {detail}")
        };
        let mut error = RatioAuthError::new(kind, message);
        error.short_message = Some(mask_jwts(&short));
        error.details = Some(detail);
        error
    }

    /// Sets `shortMessage` and `details` of an error whose `message` already holds both (as
    /// the engine writes some); `detail` is sanitised here. `message` is left as it is.
    pub fn with_details(mut self, short: impl Into<String>, detail: &str) -> Self {
        let detail = sanitize_external_text(detail);
        if !detail.trim().is_empty() {
            self.short_message = Some(mask_jwts(&short.into()));
            self.details = Some(detail);
        }
        self
    }

    /// Ratio's error code (`TOO_MANY_REQUESTS`, `INVALID_OTP`, …).
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// When a retry may work (unix ms); for `rateLimited`.
    pub fn with_retry_at(mut self, unix_ms: u64) -> Self {
        self.retry_at_ms = Some(unix_ms);
        self
    }

    /// The account that really signed (EIP-55); for `signatureMismatch`.
    pub fn with_signed_by(mut self, address: impl Into<String>) -> Self {
        self.signed_by = Some(address.into());
        self
    }

    /// The EIP-1193 / JSON-RPC error code the wallet gave.
    pub fn with_wallet_code(mut self, code: i64) -> Self {
        self.wallet_code = Some(code);
        self
    }

    /// A finer cause inside the kind, e.g. `"accountsChanged"` for `wallet`.
    pub fn with_reason(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }

    /// The original JS error (a wallet's error object, fetch's `TypeError`, an abort reason).
    pub fn with_cause(mut self, cause: JsValue) -> Self {
        self.cause = Some(cause);
        self
    }

    /// [`with_cause`](Self::with_cause) when there is one; an error that has one keeps it.
    pub fn or_cause(mut self, cause: Option<JsValue>) -> Self {
        if self.cause.is_none() {
            self.cause = cause;
        }
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// `shortMessage`: the SDK's own line, without [`details`](Self::details).
    pub fn short_message(&self) -> &str {
        self.short_message.as_deref().unwrap_or(&self.message)
    }

    /// `details`: the sanitised text from outside, if any.
    pub fn details(&self) -> Option<&str> {
        self.details.as_deref()
    }

    pub fn cause(&self) -> Option<&JsValue> {
        self.cause.as_ref()
    }

    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    pub fn status(&self) -> Option<u16> {
        self.status
    }

    pub fn retry_at_ms(&self) -> Option<u64> {
        self.retry_at_ms
    }

    pub fn signed_by(&self) -> Option<&str> {
        self.signed_by.as_deref()
    }

    pub fn wallet_code(&self) -> Option<i64> {
        self.wallet_code
    }

    pub fn reason(&self) -> Option<&'static str> {
        self.reason
    }

    /// The JS `Error`: `kind`, `shortMessage`, `details`, `code` and `status` are always own
    /// properties (`undefined` when absent) so every error has the same shape; the kind's
    /// fields are set only when present.
    pub fn into_js(self) -> JsValue {
        let error = js_sys::Error::new(&self.message);
        error.set_name(ERROR_NAME);
        let target: &JsValue = error.as_ref();
        set_property(target, "kind", &JsValue::from_str(self.kind.as_str()));
        set_property(
            target,
            "shortMessage",
            &JsValue::from_str(self.short_message()),
        );
        set_property(
            target,
            "details",
            &self
                .details
                .as_deref()
                .map_or(JsValue::UNDEFINED, JsValue::from_str),
        );
        set_property(
            target,
            "code",
            &self
                .code
                .as_deref()
                .map_or(JsValue::UNDEFINED, JsValue::from_str),
        );
        set_property(
            target,
            "status",
            &self.status.map_or(JsValue::UNDEFINED, JsValue::from),
        );
        if let Some(retry_at) = self.retry_at_ms {
            // Unix ms fit a JS number exactly until the year 287396; a server's absurd
            // `Retry-After` must still give an exact integer, never a rounded float.
            set_property(
                target,
                "retryAt",
                &JsValue::from_f64(super::js::safe_integer(retry_at)),
            );
        }
        if let Some(signed_by) = &self.signed_by {
            set_property(target, "signedBy", &JsValue::from_str(signed_by));
        }
        if let Some(code) = self.wallet_code {
            set_property(target, "walletCode", &JsValue::from_f64(code as f64));
        }
        if let Some(reason) = self.reason {
            set_property(target, "reason", &JsValue::from_str(reason));
        }
        if let Some(cause) = &self.cause {
            error.set_cause(cause);
        }
        error.into()
    }
}

impl fmt::Display for RatioAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.kind)
    }
}

impl std::error::Error for RatioAuthError {}

impl From<RatioAuthError> for JsValue {
    fn from(error: RatioAuthError) -> JsValue {
        error.into_js()
    }
}

/// Whether `value` is an error this SDK threw: a JS `Error` named `RatioAuthError` with a known
/// `kind`. For Rust frontends; not exported to JS, whose guard is the package's own
/// `isRatioAuthError` (npm/errors.js, usable before the wasm loads).
pub fn is_ratio_auth_error(value: &JsValue) -> bool {
    value.is_instance_of::<js_sys::Error>()
        && string_property(&value, "name").as_deref() == Some(ERROR_NAME)
        && property(&value, "kind")
            .as_string()
            .is_some_and(|kind| ErrorKind::ALL.iter().any(|known| known.as_str() == kind))
}

/// Text that comes from outside (a server's error `message`, a wallet's error message), made safe
/// to show: JWT-shaped tokens and standalone runs of 6 to 8 digits (one-time codes; Ratio's have
/// 6) are masked, and the length is capped so a whole HTML page never becomes an error message.
pub fn sanitize_external_text(text: &str) -> String {
    const MAX_CHARS: usize = 200;
    let masked = mask_tokens(text, true);
    let mut out: String = masked.chars().take(MAX_CHARS).collect();
    if masked.chars().nth(MAX_CHARS).is_some() {
        out.push('…');
    }
    out
}

fn mask_jwts(text: &str) -> String {
    mask_tokens(text, false)
}

/// Splits `text` into runs of token characters (base64url and `.`) and masks the runs that look
/// like a JWT (`eyJ…` with two dots), or, when `digits` is set, like a one-time code.
fn mask_tokens(text: &str, digits: bool) -> String {
    let is_token_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(is_token_char) {
        out.push_str(&rest[..start]);
        let token_and_rest = &rest[start..];
        let end = token_and_rest
            .find(|c: char| !is_token_char(c))
            .unwrap_or(token_and_rest.len());
        let token = &token_and_rest[..end];
        let trimmed = token.trim_end_matches('.');
        let looks_like_jwt = trimmed.starts_with("eyJ") && trimmed.matches('.').count() >= 2;
        let looks_like_code = digits
            && (6..=8).contains(&trimmed.len())
            && trimmed.bytes().all(|b| b.is_ascii_digit());
        if looks_like_jwt || looks_like_code {
            out.push_str("***");
            out.push_str(&token[trimmed.len()..]);
        } else {
            out.push_str(token);
        }
        rest = &token_and_rest[end..];
    }
    out.push_str(rest);
    out
}

/// The JS kind of an engine error kind (the same names; the engine's carry extra data).
impl From<&crate::flow::ErrorKind> for ErrorKind {
    fn from(kind: &crate::flow::ErrorKind) -> ErrorKind {
        use crate::flow::ErrorKind as Flow;
        match kind {
            Flow::UserRejected => ErrorKind::UserRejected,
            Flow::RateLimited { .. } => ErrorKind::RateLimited,
            Flow::Conflict => ErrorKind::Conflict,
            Flow::InvalidOtp => ErrorKind::InvalidOtp,
            Flow::MfaRequired => ErrorKind::MfaRequired,
            Flow::SignatureMismatch { .. } => ErrorKind::SignatureMismatch,
            Flow::ContractWalletRefused => ErrorKind::ContractWalletRefused,
            Flow::Network => ErrorKind::Network,
            Flow::Timeout => ErrorKind::Timeout,
            Flow::Aborted => ErrorKind::Aborted,
            Flow::Server => ErrorKind::Server,
            Flow::BadResponse => ErrorKind::BadResponse,
            Flow::Config => ErrorKind::Config,
            Flow::Wallet { .. } => ErrorKind::Wallet,
        }
    }
}

/// The JS error for a flow that ended in the engine's `Fail`: same kind, Ratio's code and the
/// HTTP status, the details the kind carries, and Ratio's own message (sanitised) appended.
impl From<&crate::flow::FlowError> for RatioAuthError {
    fn from(error: &crate::flow::FlowError) -> RatioAuthError {
        use crate::flow::ErrorKind as Flow;
        let kind = ErrorKind::from(&error.kind);
        let mut out = RatioAuthError::detailed(
            kind,
            error.message.as_str(),
            error.server_message.as_deref().unwrap_or_default(),
            true,
        );
        if let Some(code) = &error.code {
            out = out.with_code(code.as_str());
        }
        if let Some(status) = error.status {
            out = out.with_status(status);
        }
        match &error.kind {
            Flow::RateLimited {
                retry_at_ms: Some(at),
            } => out.with_retry_at(*at),
            Flow::SignatureMismatch {
                signed_by: Some(address),
                ..
            } => out.with_signed_by(address.to_checksum()),
            Flow::Wallet {
                wallet_code: Some(code),
            } => out.with_wallet_code(*code),
            _ => out,
        }
    }
}

impl RatioAuthError {
    /// A `resume` error with its `reason`.
    pub fn resume(reason: &'static str, message: impl Into<String>) -> Self {
        RatioAuthError::new(ErrorKind::Resume, message).with_reason(reason)
    }

    /// The engine error that ends a flow the driver stops itself (abort, a prompt that
    /// failed, the wallet switching accounts), so that the engine still reports `failed`.
    pub fn to_flow_error(&self) -> crate::flow::FlowError {
        use crate::flow::ErrorKind as Flow;
        let kind = match self.kind {
            ErrorKind::UserRejected => Flow::UserRejected,
            ErrorKind::RateLimited => Flow::RateLimited {
                retry_at_ms: self.retry_at_ms,
            },
            ErrorKind::Conflict => Flow::Conflict,
            ErrorKind::InvalidOtp => Flow::InvalidOtp,
            ErrorKind::MfaRequired => Flow::MfaRequired,
            ErrorKind::SignatureMismatch => Flow::SignatureMismatch {
                signed_by: None,
                signed_hex_text: false,
            },
            ErrorKind::ContractWalletRefused => Flow::ContractWalletRefused,
            ErrorKind::Network => Flow::Network,
            ErrorKind::Timeout => Flow::Timeout,
            ErrorKind::Aborted => Flow::Aborted,
            ErrorKind::Server => Flow::Server,
            ErrorKind::BadResponse => Flow::BadResponse,
            ErrorKind::Config => Flow::Config,
            ErrorKind::Wallet => Flow::Wallet {
                wallet_code: self.wallet_code,
            },
            // Raised before any flow runs; never ends one.
            ErrorKind::Resume => Flow::Config,
        };
        crate::flow::FlowError::new(kind, self.message.clone())
    }
}
