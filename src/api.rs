//! The Ratio auth API as data: endpoints, request and response bodies, Ratio's error body and
//! codes, and the exact HTTP requests to send. No IO: a driver (the flow engine's, the browser's
//! low-level `auth.api.*` calls, a test) sends an [`HttpRequest`] however it likes and hands back
//! an [`HttpResponse`].
//!
//! Contract: `ratio-api.md` (and the OpenAPI schemas it points to).
//!
//! - **Tolerant reading**: unknown fields are ignored, optional fields may be missing or `null`,
//!   `walletNetwork` (`ETHEREUM`/`POLYGON`) is accepted for `walletType`, a `userMask` may carry
//!   `emailMask` or the older `preferredMfaMethod`, `phoneMask`/`emailMask` of a send response
//!   may be missing, unknown error codes become [`ErrorCode::Other`].
//! - **Strict writing**: camelCase exactly as the spec, `walletType` is always `"EVM"` (the type
//!   cannot hold anything else), addresses are written EIP-55.
//! - **No leaks**: session JWTs, OTPs and client secrets are [`Secret`]s; the types holding them
//!   have no `ToJson`, and the `Debug` of [`HttpRequest`]/[`HttpResponse`] masks the headers and
//!   body fields that carry them.
//!
//! JSON goes through [`crate::json`]: each body type implements `FromJson` and/or `ToJson` by
//! hand (no serde in this module but the temporary bridge at its end). Objects are written with
//! their keys sorted, the same JSON objects the serde derives wrote, in another key order.

use crate::prelude::*;
use core::fmt;

use crate::eip191::Address;
use crate::json::{self, Fields, FromJson, Map, ShapeError, ToJson, Value};
use crate::secret::Secret;

// ---------------------------------------------------------------------------------------------
// Header names
// ---------------------------------------------------------------------------------------------

pub const HEADER_CONTENT_TYPE: &str = "Content-Type";
pub const HEADER_ACCEPT: &str = "Accept";
pub const HEADER_AUTHORIZATION: &str = "Authorization";
pub const HEADER_CLIENT_ID: &str = "ratio-client-id";
pub const HEADER_CLIENT_SECRET: &str = "ratio-client-secret";
pub const HEADER_CLIENT_SESSION_ID: &str = "ratio-client-session-id";
pub const HEADER_DEVICE_FINGERPRINT: &str = "ratio-device-fingerprint";
/// Response header: the client must use this JWT from now on.
pub const HEADER_AUTHENTICATION_REFRESH: &str = "ratio-authentication-refresh";
/// Response header of a 429: seconds or an HTTP-date.
pub const HEADER_RETRY_AFTER: &str = "Retry-After";
pub const JSON: &str = "application/json";

/// Header names whose values are never shown by `Debug`.
const SECRET_HEADERS: [&str; 4] = [
    HEADER_AUTHORIZATION,
    HEADER_CLIENT_SECRET,
    HEADER_CLIENT_SESSION_ID,
    HEADER_AUTHENTICATION_REFRESH,
];
/// JSON body fields whose values are never shown by `Debug`.
const SECRET_FIELDS: [&str; 3] = ["otp", "sessionJwt", "clientSecret"];

// ---------------------------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------------------------

/// HTTP method of an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

impl ToJson for Method {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
}

impl FromJson for Method {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        match value.as_str() {
            Some("GET") => Ok(Method::Get),
            Some("POST") => Ok(Method::Post),
            _ => Err(ShapeError::WrongType("method")),
        }
    }
}

impl Piece for Method {
    fn push_to(&self, out: &mut String) {
        out.push_str(self.as_str())
    }
}

crate::text::display_by_piece!(Method);

/// Every endpoint of `ratio-api.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    /// `POST /v1/auth/cryptoWallet:start`
    WalletStart,
    /// `POST /v1/auth/cryptoWallet:authenticate`
    WalletAuthenticate,
    /// `POST /v1/auth/cryptoWallet:addToUser`
    WalletAddToUser,
    /// `POST /v1/auth/otp/sms:send`
    SmsSend,
    /// `POST /v1/auth/otp/sms:authenticate`
    SmsAuthenticate,
    /// `POST /v1/auth/otp/email:send`
    EmailSend,
    /// `POST /v1/auth/otp/email:authenticate`
    EmailAuthenticate,
    /// `POST /v1/users`
    CreateUser,
    /// `GET /v1/users/{userId}`
    GetUser,
    /// `POST /v1/client/sessions` (backend only: needs id/secret)
    CreateClientSession,
    /// `GET /v1/client/sessions/{sessionId}`
    GetClientSession,
}

impl Endpoint {
    pub const ALL: [Endpoint; 11] = [
        Endpoint::WalletStart,
        Endpoint::WalletAuthenticate,
        Endpoint::WalletAddToUser,
        Endpoint::SmsSend,
        Endpoint::SmsAuthenticate,
        Endpoint::EmailSend,
        Endpoint::EmailAuthenticate,
        Endpoint::CreateUser,
        Endpoint::GetUser,
        Endpoint::CreateClientSession,
        Endpoint::GetClientSession,
    ];

    /// The path, or for `GetUser`/`GetClientSession` the path template with `{userId}` /
    /// `{sessionId}` (the request types fill it in).
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::WalletStart => "/v1/auth/cryptoWallet:start",
            Endpoint::WalletAuthenticate => "/v1/auth/cryptoWallet:authenticate",
            Endpoint::WalletAddToUser => "/v1/auth/cryptoWallet:addToUser",
            Endpoint::SmsSend => "/v1/auth/otp/sms:send",
            Endpoint::SmsAuthenticate => "/v1/auth/otp/sms:authenticate",
            Endpoint::EmailSend => "/v1/auth/otp/email:send",
            Endpoint::EmailAuthenticate => "/v1/auth/otp/email:authenticate",
            Endpoint::CreateUser => "/v1/users",
            Endpoint::GetUser => "/v1/users/{userId}",
            Endpoint::CreateClientSession => "/v1/client/sessions",
            Endpoint::GetClientSession => "/v1/client/sessions/{sessionId}",
        }
    }

    pub fn method(self) -> Method {
        match self {
            Endpoint::GetUser | Endpoint::GetClientSession => Method::Get,
            _ => Method::Post,
        }
    }

    /// camelCase name, the same as the JSON form (`"walletStart"`, `"smsSend"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::WalletStart => "walletStart",
            Endpoint::WalletAuthenticate => "walletAuthenticate",
            Endpoint::WalletAddToUser => "walletAddToUser",
            Endpoint::SmsSend => "smsSend",
            Endpoint::SmsAuthenticate => "smsAuthenticate",
            Endpoint::EmailSend => "emailSend",
            Endpoint::EmailAuthenticate => "emailAuthenticate",
            Endpoint::CreateUser => "createUser",
            Endpoint::GetUser => "getUser",
            Endpoint::CreateClientSession => "createClientSession",
            Endpoint::GetClientSession => "getClientSession",
        }
    }

    /// Which endpoint a method and path (without query string) address, e.g. for a test server's
    /// router. `GetUser`/`GetClientSession` match any single non-empty path segment as the id.
    pub fn from_request(method: Method, path: &str) -> Option<Endpoint> {
        let path = path.split('?').next().unwrap_or(path);
        Endpoint::ALL.into_iter().find(|e| {
            if e.method() != method {
                return false;
            }
            match e.path().split_once('{') {
                None => e.path() == path,
                Some((prefix, _)) => path
                    .strip_prefix(prefix)
                    .is_some_and(|id| !id.is_empty() && !id.contains('/')),
            }
        })
    }
}

impl ToJson for Endpoint {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
}

impl FromJson for Endpoint {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        let name = value.as_str().ok_or(ShapeError::WrongType("endpoint"))?;
        Endpoint::ALL
            .into_iter()
            .find(|e| e.as_str() == name)
            .ok_or(ShapeError::WrongType("endpoint"))
    }
}

impl Piece for Endpoint {
    fn push_to(&self, out: &mut String) {
        out.push_str(&text!(self.method(), " ", self.path()))
    }
}

crate::text::display_by_piece!(Endpoint);

// ---------------------------------------------------------------------------------------------
// Error body and codes
// ---------------------------------------------------------------------------------------------

/// Ratio's error `code`: every code of `ratio-api.md`, and [`ErrorCode::Other`] for the rest.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidBody,
    /// Any `MISSING_*` code; holds the whole code, e.g. `"MISSING_WALLET_ADDRESS"`.
    Missing(String),
    InvalidWalletAddress,
    InvalidWalletType,
    InvalidPhone,
    InvalidEmail,
    InvalidSignature,
    InvalidOtp,
    InvalidClientSecret,
    InvalidJwt,
    ExpiredJwt,
    MfaRequired,
    AlreadyExistsPhone,
    AlreadyExistsEmail,
    AlreadyExistsWalletAddress,
    TooManyRequests,
    /// A well-formed code this SDK does not know, as sent.
    Other(String),
    /// A `code` that does not look like one (not `[A-Z0-9_]{1,64}`): server-controlled text
    /// is never passed on, so it reads as `UNKNOWN`.
    Unknown,
}

/// Longest error code kept; Ratio's are under 40 characters.
const MAX_CODE_LEN: usize = 64;

/// `[A-Z0-9_]{1,64}`: what an error code looks like.
fn looks_like_code(code: &str) -> bool {
    (1..=MAX_CODE_LEN).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

impl ErrorCode {
    /// Never fails: unknown codes become [`ErrorCode::Other`], text that is not shaped like a
    /// code becomes [`ErrorCode::Unknown`].
    pub fn parse(code: &str) -> ErrorCode {
        if !looks_like_code(code) {
            return ErrorCode::Unknown;
        }
        match code {
            "INVALID_BODY" => ErrorCode::InvalidBody,
            "INVALID_WALLET_ADDRESS" => ErrorCode::InvalidWalletAddress,
            "INVALID_WALLET_TYPE" => ErrorCode::InvalidWalletType,
            "INVALID_PHONE" => ErrorCode::InvalidPhone,
            "INVALID_EMAIL" => ErrorCode::InvalidEmail,
            "INVALID_SIGNATURE" => ErrorCode::InvalidSignature,
            "INVALID_OTP" => ErrorCode::InvalidOtp,
            "INVALID_CLIENT_SECRET" => ErrorCode::InvalidClientSecret,
            "INVALID_JWT" => ErrorCode::InvalidJwt,
            "EXPIRED_JWT" => ErrorCode::ExpiredJwt,
            "MFA_REQUIRED" => ErrorCode::MfaRequired,
            "ALREADY_EXISTS_PHONE" => ErrorCode::AlreadyExistsPhone,
            "ALREADY_EXISTS_EMAIL" => ErrorCode::AlreadyExistsEmail,
            "ALREADY_EXISTS_WALLET_ADDRESS" => ErrorCode::AlreadyExistsWalletAddress,
            "TOO_MANY_REQUESTS" => ErrorCode::TooManyRequests,
            other if other.len() > "MISSING_".len() && other.starts_with("MISSING_") => {
                ErrorCode::Missing(other.to_owned())
            }
            other => ErrorCode::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::InvalidBody => "INVALID_BODY",
            ErrorCode::Missing(code) | ErrorCode::Other(code) => code,
            ErrorCode::InvalidWalletAddress => "INVALID_WALLET_ADDRESS",
            ErrorCode::InvalidWalletType => "INVALID_WALLET_TYPE",
            ErrorCode::InvalidPhone => "INVALID_PHONE",
            ErrorCode::InvalidEmail => "INVALID_EMAIL",
            ErrorCode::InvalidSignature => "INVALID_SIGNATURE",
            ErrorCode::InvalidOtp => "INVALID_OTP",
            ErrorCode::InvalidClientSecret => "INVALID_CLIENT_SECRET",
            ErrorCode::InvalidJwt => "INVALID_JWT",
            ErrorCode::ExpiredJwt => "EXPIRED_JWT",
            ErrorCode::MfaRequired => "MFA_REQUIRED",
            ErrorCode::AlreadyExistsPhone => "ALREADY_EXISTS_PHONE",
            ErrorCode::AlreadyExistsEmail => "ALREADY_EXISTS_EMAIL",
            ErrorCode::AlreadyExistsWalletAddress => "ALREADY_EXISTS_WALLET_ADDRESS",
            ErrorCode::TooManyRequests => "TOO_MANY_REQUESTS",
            ErrorCode::Unknown => "UNKNOWN",
        }
    }

    /// `MISSING_<FIELD>` for a camelCase field name (`"walletAddress"` → `MISSING_WALLET_ADDRESS`).
    pub fn missing(field: &str) -> ErrorCode {
        let mut code = String::from("MISSING_");
        for c in field.chars() {
            if c.is_ascii_uppercase() {
                code.push('_');
            }
            code.push(c.to_ascii_uppercase());
        }
        ErrorCode::parse(&code)
    }
}

impl core::str::FromStr for ErrorCode {
    type Err = core::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(ErrorCode::parse(s))
    }
}

impl Piece for ErrorCode {
    fn push_to(&self, out: &mut String) {
        out.push_str(self.as_str())
    }
}

crate::text::display_by_piece!(ErrorCode);

impl ToJson for ErrorCode {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
}

impl FromJson for ErrorCode {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        value
            .as_str()
            .map(ErrorCode::parse)
            .ok_or(ShapeError::WrongType("code"))
    }
}

/// Ratio's error body, for every 4xx/5xx: `{createTime, message, code, data?}`.
/// Reading tolerates any missing field; writing skips absent ones.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorBody {
    pub create_time: Option<String>,
    pub message: String,
    pub code: Option<ErrorCode>,
    pub data: Option<Value>,
}

impl ErrorBody {
    /// Reads an error body; `None` when the body is not a JSON object (an HTML 502 page, …).
    /// Each field is read on its own, so a `message: null`, a numeric `createTime` or any
    /// other oddity in one field never costs the `code`.
    pub fn read(body: &str) -> Option<ErrorBody> {
        let Ok(Value::Object(mut fields)) = json::parse(body) else {
            return None;
        };
        let text = |value: Option<Value>| match value {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        Some(ErrorBody {
            create_time: text(fields.remove("createTime")),
            message: text(fields.remove("message")).unwrap_or_default(),
            code: match fields.remove("code") {
                Some(Value::String(code)) => Some(ErrorCode::parse(&code)),
                None | Some(Value::Null) => None,
                Some(_) => Some(ErrorCode::Unknown),
            },
            data: fields.remove("data"),
        })
    }
}

impl ToJson for ErrorBody {
    fn to_json(&self) -> Value {
        Value::object_without_none([
            ("createTime", self.create_time.as_ref().map(Value::from)),
            ("message", Some(Value::from(&self.message))),
            ("code", self.code.as_ref().map(ToJson::to_json)),
            ("data", self.data.clone()),
        ])
    }
}

/// The strict reader (each field must have its type); [`ErrorBody::read`] is the tolerant one.
impl FromJson for ErrorBody {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        let f = Fields::of(value)?;
        Ok(ErrorBody {
            create_time: f.opt_string("createTime")?,
            message: f.opt_string("message")?.unwrap_or_default(),
            code: field(&f, "code")?,
            data: f.get("data").cloned(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Field readers beyond `json::Fields`
// ---------------------------------------------------------------------------------------------

/// An optional field read with `T`'s reader; a value `T` refuses is the field's wrong type
/// (for values read from one string: addresses, enums, secrets).
fn field<T: FromJson>(f: &Fields<'_>, key: &'static str) -> Result<Option<T>, ShapeError> {
    match f.get(key) {
        None => Ok(None),
        Some(v) => T::from_json(v)
            .map(Some)
            .map_err(|_| ShapeError::WrongType(key)),
    }
}

/// A required field read with `T`'s reader (missing or `null` → [`ShapeError::Missing`]).
fn required<T: FromJson>(f: &Fields<'_>, key: &'static str) -> Result<T, ShapeError> {
    field(f, key)?.ok_or(ShapeError::Missing(key))
}

/// A required boolean.
fn required_bool(f: &Fields<'_>, key: &'static str) -> Result<bool, ShapeError> {
    f.opt_bool(key)?.ok_or(ShapeError::Missing(key))
}

/// An optional array, its items kept as they are.
fn opt_array(f: &Fields<'_>, key: &'static str) -> Result<Option<Vec<Value>>, ShapeError> {
    match f.get(key) {
        None => Ok(None),
        Some(Value::Array(items)) => Ok(Some(items.clone())),
        Some(_) => Err(ShapeError::WrongType(key)),
    }
}

/// An optional array of strings.
fn opt_strings(f: &Fields<'_>, key: &'static str) -> Result<Option<Vec<String>>, ShapeError> {
    match opt_array(f, key)? {
        None => Ok(None),
        Some(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                _ => Err(ShapeError::WrongType(key)),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
    }
}

/// `walletType`, or under its old name `walletNetwork` (what serde's `alias` read).
fn wallet_type(f: &Fields<'_>) -> Result<WalletType, ShapeError> {
    match field(f, "walletType")? {
        Some(t) => Ok(t),
        None => field(f, "walletNetwork")?.ok_or(ShapeError::Missing("walletType")),
    }
}

fn opt_text(value: &Option<String>) -> Option<Value> {
    value.as_ref().map(Value::from)
}

// ---------------------------------------------------------------------------------------------
// Shared body types
// ---------------------------------------------------------------------------------------------

/// `walletType`. Only `"EVM"` is ever written; `"ETHEREUM"` and `"POLYGON"` (the pre-2023
/// `walletNetwork` values) are read as EVM too.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum WalletType {
    #[default]
    Evm,
}

impl WalletType {
    pub fn as_str(self) -> &'static str {
        "EVM"
    }

    /// `EVM`, `ETHEREUM` or `POLYGON`, any case.
    pub fn parse(s: &str) -> Option<WalletType> {
        ["EVM", "ETHEREUM", "POLYGON"]
            .iter()
            .any(|known| known.eq_ignore_ascii_case(s.trim()))
            .then_some(WalletType::Evm)
    }
}

impl ToJson for WalletType {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
}

impl FromJson for WalletType {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        value
            .as_str()
            .and_then(WalletType::parse)
            .ok_or(ShapeError::WrongType("walletType"))
    }
}

/// `preferredMfaMethod` of older `userMask`s.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MfaMethod {
    OtpSms,
    Totp,
    Other(String),
}

impl MfaMethod {
    pub fn as_str(&self) -> &str {
        match self {
            MfaMethod::OtpSms => "OTP_SMS",
            MfaMethod::Totp => "TOTP",
            MfaMethod::Other(s) => s,
        }
    }
}

impl ToJson for MfaMethod {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
}

impl FromJson for MfaMethod {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        Ok(match value.as_str() {
            Some("OTP_SMS") => MfaMethod::OtpSms,
            Some("TOTP") => MfaMethod::Totp,
            Some(other) => MfaMethod::Other(other.to_owned()),
            None => return Err(ShapeError::WrongType("preferredMfaMethod")),
        })
    }
}

/// `userMask`: present in an authenticate response when Ratio knows the user. Every field is
/// optional when reading (`emailMask` and `preferredMfaMethod` are alternatives across versions).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserMask {
    pub id: Option<String>,
    pub create_time: Option<String>,
    pub update_time: Option<String>,
    /// Last 4 digits of the user's phone number.
    pub phone_mask: Option<String>,
    /// e.g. `"rat…@example.com"`.
    pub email_mask: Option<String>,
    pub preferred_mfa_method: Option<MfaMethod>,
}

/// The `User` schema, read tolerantly (everything optional; nested objects kept as JSON).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct User {
    pub id: Option<String>,
    pub create_time: Option<String>,
    pub update_time: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub country: Option<String>,
    pub phone: Option<String>,
    pub nationality: Option<String>,
    pub occupation: Option<String>,
    pub kyc: Option<Value>,
    pub connected_bank_accounts: Option<Vec<Value>>,
    pub flags: Option<Vec<String>>,
}

// ---------------------------------------------------------------------------------------------
// Requests and responses, one pair per endpoint
// ---------------------------------------------------------------------------------------------

/// `cryptoWallet:start` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletStartRequest {
    pub wallet_address: Address,
    pub wallet_type: WalletType,
}

impl WalletStartRequest {
    pub fn new(wallet_address: Address) -> Self {
        WalletStartRequest {
            wallet_address,
            wallet_type: WalletType::Evm,
        }
    }
}

/// Longest challenge handed to a wallet. Ratio's is `"Signing in with Ratio: "` and a token of
/// a few dozen characters; anything near this size is not a challenge but an attack on the
/// wallet's prompt (or its memory).
pub const MAX_CHALLENGE_LEN: usize = 2048;

/// `cryptoWallet:start` 200.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletStartResponse {
    /// `"Signing in with Ratio: <token>"`: sign the whole string.
    pub challenge: String,
}

/// `cryptoWallet:authenticate` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletAuthenticateRequest {
    pub wallet_address: Address,
    pub wallet_type: WalletType,
    /// `0x` + 130 hex chars.
    pub signature: String,
}

impl WalletAuthenticateRequest {
    pub fn new(wallet_address: Address, signature: impl Into<String>) -> Self {
        WalletAuthenticateRequest {
            wallet_address,
            wallet_type: WalletType::Evm,
            signature: signature.into(),
        }
    }
}

/// The 200 of every authenticate endpoint. **No `userMask` after a wallet authenticate means
/// Ratio sees a brand-new user.** No `ToJson`: it holds the session JWT.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthResponse {
    pub session_jwt: Secret,
    pub user_mask: Option<UserMask>,
    pub user: Option<User>,
}

/// `cryptoWallet:addToUser` body (needs a two-factor JWT).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddToUserRequest {
    pub wallet_address: Address,
    pub wallet_type: WalletType,
}

impl AddToUserRequest {
    pub fn new(wallet_address: Address) -> Self {
        AddToUserRequest {
            wallet_address,
            wallet_type: WalletType::Evm,
        }
    }
}

/// A 200 whose body is `{}` (or empty, or an object with fields this SDK does not need).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmptyResponse {}

/// `otp/sms:send` body. `phone_number` is E.164.
#[derive(Clone, PartialEq, Eq)]
pub struct SmsSendRequest {
    pub phone_number: String,
}

/// `otp/sms:send` 200.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmsSendResponse {
    pub phone_id: String,
    /// Last 4 digits; optional in the spec.
    pub phone_mask: Option<String>,
}

/// `otp/sms:authenticate` body. No `ToJson`: the OTP is written only by [`ApiCall::body`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmsAuthenticateRequest {
    pub phone_id: String,
    pub otp: Secret,
}

/// `otp/email:send` body.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailSendRequest {
    pub email_address: String,
}

/// `otp/email:send` 200.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailSendResponse {
    pub email_id: String,
    /// e.g. `"rat…@example.com"`; required by the spec, tolerated missing.
    pub email_mask: Option<String>,
}

/// `otp/email:authenticate` body. No `ToJson`: the OTP is written only by [`ApiCall::body`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAuthenticateRequest {
    pub email_id: String,
    pub otp: Secret,
}

/// `POST /v1/users` body (needs a two-factor JWT with SMS among its factors). 201 → [`User`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateUserRequest {
    pub first_name: String,
    pub middle_name: Option<String>,
    pub last_name: String,
    pub email: String,
    /// ISO 3166 alpha-2.
    pub country: String,
    /// E.164.
    pub phone: String,
    pub accepted_terms: bool,
}

/// `GET /v1/users/{id}` (Bearer). No body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetUserRequest {
    pub user_id: String,
}

/// `POST /v1/client/sessions` body (backend only, id/secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateClientSessionRequest {
    pub signing_address: Address,
    pub signing_type: WalletType,
    pub deposit_address: Option<Address>,
}

/// `GET /v1/client/sessions/{id}` (works once, then 410). No body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetClientSessionRequest {
    pub session_id: String,
}

/// The `ClientSession` schema, read tolerantly. No `ToJson`: it may hold a session JWT.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientSession {
    pub id: Option<String>,
    pub create_time: Option<String>,
    pub update_time: Option<String>,
    pub signing_address: Option<String>,
    pub signing_type: Option<String>,
    pub deposit_address: Option<String>,
    pub deposit_type: Option<String>,
    pub user_mask: Option<UserMask>,
    pub session_jwt: Option<Secret>,
}

// ---------------------------------------------------------------------------------------------
// Body types as JSON: camelCase keys; reading ignores unknown fields and reads a missing or
// `null` optional field as `None`; writing leaves out the `None`s of optional fields.
// ---------------------------------------------------------------------------------------------

impl ToJson for UserMask {
    fn to_json(&self) -> Value {
        Value::object_without_none([
            ("id", opt_text(&self.id)),
            ("createTime", opt_text(&self.create_time)),
            ("updateTime", opt_text(&self.update_time)),
            ("phoneMask", opt_text(&self.phone_mask)),
            ("emailMask", opt_text(&self.email_mask)),
            (
                "preferredMfaMethod",
                self.preferred_mfa_method.as_ref().map(ToJson::to_json),
            ),
        ])
    }
}

impl FromJson for UserMask {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        let f = Fields::of(value)?;
        Ok(UserMask {
            id: f.opt_string("id")?,
            create_time: f.opt_string("createTime")?,
            update_time: f.opt_string("updateTime")?,
            phone_mask: f.opt_string("phoneMask")?,
            email_mask: f.opt_string("emailMask")?,
            preferred_mfa_method: field(&f, "preferredMfaMethod")?,
        })
    }
}

impl ToJson for User {
    fn to_json(&self) -> Value {
        Value::object_without_none([
            ("id", opt_text(&self.id)),
            ("createTime", opt_text(&self.create_time)),
            ("updateTime", opt_text(&self.update_time)),
            ("firstName", opt_text(&self.first_name)),
            ("middleName", opt_text(&self.middle_name)),
            ("lastName", opt_text(&self.last_name)),
            ("email", opt_text(&self.email)),
            ("country", opt_text(&self.country)),
            ("phone", opt_text(&self.phone)),
            ("nationality", opt_text(&self.nationality)),
            ("occupation", opt_text(&self.occupation)),
            ("kyc", self.kyc.clone()),
            (
                "connectedBankAccounts",
                self.connected_bank_accounts.clone().map(Value::Array),
            ),
            (
                "flags",
                self.flags
                    .as_ref()
                    .map(|flags| Value::Array(flags.iter().map(Value::from).collect())),
            ),
        ])
    }
}

impl FromJson for User {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        let f = Fields::of(value)?;
        Ok(User {
            id: f.opt_string("id")?,
            create_time: f.opt_string("createTime")?,
            update_time: f.opt_string("updateTime")?,
            first_name: f.opt_string("firstName")?,
            middle_name: f.opt_string("middleName")?,
            last_name: f.opt_string("lastName")?,
            email: f.opt_string("email")?,
            country: f.opt_string("country")?,
            phone: f.opt_string("phone")?,
            nationality: f.opt_string("nationality")?,
            occupation: f.opt_string("occupation")?,
            kyc: f.get("kyc").cloned(),
            connected_bank_accounts: opt_array(&f, "connectedBankAccounts")?,
            flags: opt_strings(&f, "flags")?,
        })
    }
}

/// `{walletAddress, walletType}`, the body of `cryptoWallet:start` and `:addToUser`.
fn wallet_json(address: &Address, wallet_type: WalletType) -> Value {
    Value::object([
        ("walletAddress", address.to_json()),
        ("walletType", wallet_type.to_json()),
    ])
}

impl ToJson for WalletStartRequest {
    fn to_json(&self) -> Value {
        wallet_json(&self.wallet_address, self.wallet_type)
    }
}

impl FromJson for WalletStartRequest {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        let f = Fields::of(value)?;
        Ok(WalletStartRequest {
            wallet_address: required(&f, "walletAddress")?,
            wallet_type: wallet_type(&f)?,
        })
    }
}

impl ToJson for WalletStartResponse {
    fn to_json(&self) -> Value {
        Value::object([("challenge", Value::from(&self.challenge))])
    }
}

impl FromJson for WalletStartResponse {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        let f = Fields::of(value)?;
        Ok(WalletStartResponse {
            challenge: f.string("challenge")?,
        })
    }
}

impl ToJson for WalletAuthenticateRequest {
    fn to_json(&self) -> Value {
        Value::object([
            ("walletAddress", self.wallet_address.to_json()),
            ("walletType", self.wallet_type.to_json()),
            ("signature", Value::from(&self.signature)),
        ])
    }
}

impl FromJson for WalletAuthenticateRequest {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        let f = Fields::of(value)?;
        Ok(WalletAuthenticateRequest {
            wallet_address: required(&f, "walletAddress")?,
            wallet_type: wallet_type(&f)?,
            signature: f.string("signature")?,
        })
    }
}

impl FromJson for AuthResponse {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        let f = Fields::of(value)?;
        Ok(AuthResponse {
            session_jwt: required(&f, "sessionJwt")?,
            user_mask: f.opt("userMask")?,
            user: f.opt("user")?,
        })
    }
}

impl ToJson for AddToUserRequest {
    fn to_json(&self) -> Value {
        wallet_json(&self.wallet_address, self.wallet_type)
    }
}

impl FromJson for AddToUserRequest {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        let f = Fields::of(value)?;
        Ok(AddToUserRequest {
            wallet_address: required(&f, "walletAddress")?,
            wallet_type: wallet_type(&f)?,
        })
    }
}

impl ToJson for EmptyResponse {
    fn to_json(&self) -> Value {
        Value::Object(Map::new())
    }
}

impl FromJson for EmptyResponse {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        Fields::of(value).map(|_| EmptyResponse {})
    }
}

impl ToJson for SmsSendRequest {
    fn to_json(&self) -> Value {
        Value::object([("phoneNumber", Value::from(&self.phone_number))])
    }
}

impl FromJson for SmsSendRequest {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        let f = Fields::of(value)?;
        Ok(SmsSendRequest {
            phone_number: f.string("phoneNumber")?,
        })
    }
}

impl ToJson for SmsSendResponse {
    fn to_json(&self) -> Value {
        Value::object_without_none([
            ("phoneId", Some(Value::from(&self.phone_id))),
            ("phoneMask", opt_text(&self.phone_mask)),
        ])
    }
}

impl FromJson for SmsSendResponse {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        let f = Fields::of(value)?;
        Ok(SmsSendResponse {
            phone_id: f.string("phoneId")?,
            phone_mask: f.opt_string("phoneMask")?,
        })
    }
}

impl FromJson for SmsAuthenticateRequest {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        let f = Fields::of(value)?;
        Ok(SmsAuthenticateRequest {
            phone_id: f.string("phoneId")?,
            otp: required(&f, "otp")?,
        })
    }
}

impl ToJson for EmailSendRequest {
    fn to_json(&self) -> Value {
        Value::object([("emailAddress", Value::from(&self.email_address))])
    }
}

impl FromJson for EmailSendRequest {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        let f = Fields::of(value)?;
        Ok(EmailSendRequest {
            email_address: f.string("emailAddress")?,
        })
    }
}

impl ToJson for EmailSendResponse {
    fn to_json(&self) -> Value {
        Value::object_without_none([
            ("emailId", Some(Value::from(&self.email_id))),
            ("emailMask", opt_text(&self.email_mask)),
        ])
    }
}

impl FromJson for EmailSendResponse {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        let f = Fields::of(value)?;
        Ok(EmailSendResponse {
            email_id: f.string("emailId")?,
            email_mask: f.opt_string("emailMask")?,
        })
    }
}

impl FromJson for EmailAuthenticateRequest {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        let f = Fields::of(value)?;
        Ok(EmailAuthenticateRequest {
            email_id: f.string("emailId")?,
            otp: required(&f, "otp")?,
        })
    }
}

impl ToJson for CreateUserRequest {
    fn to_json(&self) -> Value {
        Value::object_without_none([
            ("firstName", Some(Value::from(&self.first_name))),
            ("middleName", opt_text(&self.middle_name)),
            ("lastName", Some(Value::from(&self.last_name))),
            ("email", Some(Value::from(&self.email))),
            ("country", Some(Value::from(&self.country))),
            ("phone", Some(Value::from(&self.phone))),
            ("acceptedTerms", Some(Value::from(self.accepted_terms))),
        ])
    }
}

impl FromJson for CreateUserRequest {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        let f = Fields::of(value)?;
        Ok(CreateUserRequest {
            first_name: f.string("firstName")?,
            middle_name: f.opt_string("middleName")?,
            last_name: f.string("lastName")?,
            email: f.string("email")?,
            country: f.string("country")?,
            phone: f.string("phone")?,
            accepted_terms: required_bool(&f, "acceptedTerms")?,
        })
    }
}

impl ToJson for CreateClientSessionRequest {
    fn to_json(&self) -> Value {
        Value::object_without_none([
            ("signingAddress", Some(self.signing_address.to_json())),
            ("signingType", Some(self.signing_type.to_json())),
            (
                "depositAddress",
                self.deposit_address.as_ref().map(ToJson::to_json),
            ),
        ])
    }
}

impl FromJson for CreateClientSessionRequest {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        let f = Fields::of(value)?;
        Ok(CreateClientSessionRequest {
            signing_address: required(&f, "signingAddress")?,
            signing_type: required(&f, "signingType")?,
            deposit_address: field(&f, "depositAddress")?,
        })
    }
}

impl FromJson for ClientSession {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        let f = Fields::of(value)?;
        Ok(ClientSession {
            id: f.opt_string("id")?,
            create_time: f.opt_string("createTime")?,
            update_time: f.opt_string("updateTime")?,
            signing_address: f.opt_string("signingAddress")?,
            signing_type: f.opt_string("signingType")?,
            deposit_address: f.opt_string("depositAddress")?,
            deposit_type: f.opt_string("depositType")?,
            user_mask: f.opt("userMask")?,
            session_jwt: field(&f, "sessionJwt")?,
        })
    }
}

// Manual Debug: phone numbers and email addresses are personal data, not for logs.
impl fmt::Debug for SmsSendRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsSendRequest")
            .field("phone_number", &"***")
            .finish()
    }
}

impl fmt::Debug for EmailSendRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailSendRequest")
            .field("email_address", &"***")
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Typed calls
// ---------------------------------------------------------------------------------------------

/// One endpoint's request type, tied to its response type. The low-level typed calls and the
/// flow engine both go through [`ApiCall::to_http`] and [`ApiCall::decode`].
pub trait ApiCall {
    const ENDPOINT: Endpoint;
    type Response: FromJson;

    /// The concrete path (the template filled in, for GETs).
    fn path(&self) -> String {
        Self::ENDPOINT.path().to_owned()
    }

    /// The exact JSON body, `None` for a GET.
    fn body(&self) -> Result<Option<String>, ApiError>;

    /// The complete request: method, path, headers (see [`ClientContext::headers`]) and body.
    fn to_http(
        &self,
        client: &ClientContext,
        bearer: Option<&Secret>,
    ) -> Result<HttpRequest, ApiError> {
        let body = self.body()?;
        Ok(HttpRequest {
            endpoint: Self::ENDPOINT,
            method: Self::ENDPOINT.method(),
            path: self.path(),
            headers: client.headers(body.is_some(), bearer),
            body,
        })
    }

    /// Reads a response: 2xx → the typed body; otherwise the error with Ratio's body if any.
    fn decode(response: &HttpResponse) -> Result<Self::Response, ApiError> {
        decode_response(response)
    }
}

fn json_body(value: &impl ToJson) -> Result<Option<String>, ApiError> {
    Ok(Some(value.to_json().to_json_string()))
}

macro_rules! json_call {
    ($request:ty, $endpoint:expr, $response:ty) => {
        impl ApiCall for $request {
            const ENDPOINT: Endpoint = $endpoint;
            type Response = $response;
            fn body(&self) -> Result<Option<String>, ApiError> {
                json_body(self)
            }
        }
    };
}

json_call!(
    WalletStartRequest,
    Endpoint::WalletStart,
    WalletStartResponse
);
json_call!(
    WalletAuthenticateRequest,
    Endpoint::WalletAuthenticate,
    AuthResponse
);
json_call!(AddToUserRequest, Endpoint::WalletAddToUser, EmptyResponse);
json_call!(SmsSendRequest, Endpoint::SmsSend, SmsSendResponse);
json_call!(EmailSendRequest, Endpoint::EmailSend, EmailSendResponse);
json_call!(CreateUserRequest, Endpoint::CreateUser, User);
json_call!(
    CreateClientSessionRequest,
    Endpoint::CreateClientSession,
    ClientSession
);

impl ApiCall for SmsAuthenticateRequest {
    const ENDPOINT: Endpoint = Endpoint::SmsAuthenticate;
    type Response = AuthResponse;
    fn body(&self) -> Result<Option<String>, ApiError> {
        // The one place an SMS OTP is written out.
        let body = Value::object([
            ("phoneId", Value::from(&self.phone_id)),
            ("otp", Value::from(self.otp.expose())),
        ]);
        Ok(Some(body.to_json_string()))
    }
}

impl ApiCall for EmailAuthenticateRequest {
    const ENDPOINT: Endpoint = Endpoint::EmailAuthenticate;
    type Response = AuthResponse;
    fn body(&self) -> Result<Option<String>, ApiError> {
        // The one place an email OTP is written out.
        let body = Value::object([
            ("emailId", Value::from(&self.email_id)),
            ("otp", Value::from(self.otp.expose())),
        ]);
        Ok(Some(body.to_json_string()))
    }
}

impl ApiCall for GetUserRequest {
    const ENDPOINT: Endpoint = Endpoint::GetUser;
    type Response = User;
    fn path(&self) -> String {
        let mut path = String::from("/v1/users/");
        encode_path_segment(&mut path, &self.user_id);
        path
    }
    fn body(&self) -> Result<Option<String>, ApiError> {
        Ok(None)
    }
}

impl ApiCall for GetClientSessionRequest {
    const ENDPOINT: Endpoint = Endpoint::GetClientSession;
    type Response = ClientSession;
    fn path(&self) -> String {
        let mut path = String::from("/v1/client/sessions/");
        encode_path_segment(&mut path, &self.session_id);
        path
    }
    fn body(&self) -> Result<Option<String>, ApiError> {
        Ok(None)
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so an id can never add path
/// segments or a query. Appends to `out`.
fn encode_path_segment(out: &mut String, segment: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Client credentials and request headers
// ---------------------------------------------------------------------------------------------

/// How requests identify the integrator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// `ratio-client-id` + `ratio-client-secret`. **Never in a production browser bundle**
    /// (the browser SDK refuses it unless the base URL is loopback or explicitly allowed).
    ClientSecret {
        client_id: String,
        client_secret: Secret,
    },
    /// `ratio-client-session-id`: a session the integrator's backend created.
    ClientSession { session_id: Secret },
    /// No credential header: the base URL is the integrator's backend proxy, which adds them.
    Proxy,
}

/// What every request of one integration carries besides the call itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientContext {
    pub credentials: Credentials,
    /// Sent as `ratio-device-fingerprint` (base64 of a JSON object) when set.
    pub device_fingerprint: Option<String>,
}

impl Default for ClientContext {
    fn default() -> Self {
        ClientContext {
            credentials: Credentials::Proxy,
            device_fingerprint: None,
        }
    }
}

impl ClientContext {
    pub fn new(credentials: Credentials) -> Self {
        ClientContext {
            credentials,
            device_fingerprint: None,
        }
    }

    /// The exact headers, in this order: `Content-Type` (only with a body), `Accept`, the
    /// credential headers, `ratio-device-fingerprint`, `Authorization: Bearer …` (only when a
    /// token is given).
    pub fn headers(&self, has_body: bool, bearer: Option<&Secret>) -> Vec<(String, String)> {
        let mut headers = Vec::with_capacity(6);
        let mut push = |name: &str, value: &str| headers.push((name.to_owned(), value.to_owned()));
        if has_body {
            push(HEADER_CONTENT_TYPE, JSON);
        }
        push(HEADER_ACCEPT, JSON);
        headers.extend(self.identity_headers());
        if let Some(token) = bearer {
            let mut value = String::from("Bearer ");
            value.push_str(token.expose());
            headers.push((HEADER_AUTHORIZATION.to_owned(), value));
        }
        headers
    }

    /// The headers that say who the client is: the credential headers, then
    /// `ratio-device-fingerprint` when set.
    pub fn identity_headers(&self) -> Vec<(String, String)> {
        let mut headers = Vec::with_capacity(3);
        let mut push = |name: &str, value: &str| headers.push((name.to_owned(), value.to_owned()));
        match &self.credentials {
            Credentials::ClientSecret {
                client_id,
                client_secret,
            } => {
                push(HEADER_CLIENT_ID, client_id);
                push(HEADER_CLIENT_SECRET, client_secret.expose());
            }
            Credentials::ClientSession { session_id } => {
                push(HEADER_CLIENT_SESSION_ID, session_id.expose());
            }
            Credentials::Proxy => {}
        }
        if let Some(fingerprint) = &self.device_fingerprint {
            push(HEADER_DEVICE_FINGERPRINT, fingerprint);
        }
        headers
    }

    /// Why these settings cannot produce valid requests, if they cannot (empty id/secret, or a
    /// header value with characters HTTP forbids).
    pub fn problem(&self) -> Option<&'static str> {
        let bad = |v: &str| v.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0);
        match &self.credentials {
            Credentials::ClientSecret {
                client_id,
                client_secret,
            } => {
                if client_id.trim().is_empty() || client_secret.expose().trim().is_empty() {
                    return Some("client id and client secret must not be empty");
                }
                if bad(client_id) || bad(client_secret.expose()) {
                    return Some("client id or client secret contains a line break");
                }
            }
            Credentials::ClientSession { session_id } => {
                if session_id.expose().trim().is_empty() {
                    return Some("client session id must not be empty");
                }
                if bad(session_id.expose()) {
                    return Some("client session id contains a line break");
                }
            }
            Credentials::Proxy => {}
        }
        match &self.device_fingerprint {
            Some(fp) if bad(fp) => Some("device fingerprint contains a line break"),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP exchange
// ---------------------------------------------------------------------------------------------

/// A request exactly as it must be sent; the driver only prefixes the base URL to `path`.
/// `Debug` masks credential and token headers and OTP fields.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub endpoint: Endpoint,
    pub method: Method,
    /// Starts with `/v1`.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl HttpRequest {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }

    /// The token after `Authorization: Bearer `, if any. For tests and audits.
    pub fn bearer(&self) -> Option<&str> {
        self.header(HEADER_AUTHORIZATION)
            .and_then(|v| v.strip_prefix("Bearer "))
    }

    /// The body as JSON (`Null` when there is none or it is not JSON). For tests.
    #[cfg(test)]
    pub fn json(&self) -> serde_json::Value {
        self.body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok())
            .unwrap_or(serde_json::Value::Null)
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("endpoint", &self.endpoint)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body", &self.body.as_deref().map(RedactedBody))
            .finish()
    }
}

/// What came back. Drivers fill the two headers the engine reads (see
/// [`HttpResponse::from_parts`]). `Debug` masks the refresh JWT and any `sessionJwt` in the body.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    /// Raw `Retry-After` value.
    pub retry_after: Option<String>,
    /// `ratio-authentication-refresh`: use this JWT instead of the one just sent.
    pub refresh_jwt: Option<Secret>,
    pub body: String,
}

impl HttpResponse {
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        HttpResponse {
            status,
            retry_after: None,
            refresh_jwt: None,
            body: body.into(),
        }
    }

    pub fn with_retry_after(mut self, value: impl Into<String>) -> Self {
        self.retry_after = Some(value.into());
        self
    }

    pub fn with_refresh_jwt(mut self, jwt: impl Into<String>) -> Self {
        self.refresh_jwt = Some(Secret::new(jwt.into()));
        self
    }

    /// Builds a response from all headers, keeping the ones the engine reads (names compared
    /// case-insensitively; empty values ignored).
    pub fn from_parts<N, V>(
        status: u16,
        headers: impl IntoIterator<Item = (N, V)>,
        body: impl Into<String>,
    ) -> Self
    where
        N: AsRef<str>,
        V: AsRef<str>,
    {
        let mut response = HttpResponse::new(status, body);
        for (name, value) in headers {
            let (name, value) = (name.as_ref(), value.as_ref().trim());
            if value.is_empty() {
                continue;
            }
            if name.eq_ignore_ascii_case(HEADER_RETRY_AFTER) && response.retry_after.is_none() {
                response.retry_after = Some(value.to_owned());
            } else if name.eq_ignore_ascii_case(HEADER_AUTHENTICATION_REFRESH)
                && response.refresh_jwt.is_none()
            {
                response.refresh_jwt = Some(Secret::new(value));
            }
        }
        response
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("retry_after", &self.retry_after)
            .field("refresh_jwt", &self.refresh_jwt)
            .field("body", &RedactedBody(&self.body))
            .finish()
    }
}

/// The request never got an HTTP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// The driver's per-request timeout fired.
    Timeout,
    /// DNS, connection refused or reset, CORS, TLS… The text is the driver's, for logs.
    Network(String),
}

impl Piece for TransportError {
    fn push_to(&self, out: &mut String) {
        match self {
            TransportError::Timeout => out.push_str("the request timed out"),
            TransportError::Network(detail) => out.push_str(&text!("network error: ", detail)),
        }
    }
}

crate::text::display_by_piece!(TransportError);

impl core::error::Error for TransportError {}

fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

struct RedactedHeaders<'a>(&'a [(String, String)]);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for (name, value) in self.0 {
            if SECRET_HEADERS.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                list.entry(&(name, "***"));
            } else {
                list.entry(&(name, value));
            }
        }
        list.finish()
    }
}

struct RedactedBody<'a>(&'a str);

impl fmt::Debug for RedactedBody<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match json::parse(self.0) {
            Ok(mut value) => {
                redact_json(&mut value);
                f.write_str(&value.to_json_string())
            }
            // Not JSON (an HTML error page, garbage): could hold anything, show only its size.
            Err(_) => {
                f.write_str("<")?;
                f.write_str(&json::u64_text(self.0.len() as u64))?;
                f.write_str(" bytes, not JSON>")
            }
        }
    }
}

fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if SECRET_FIELDS.contains(&key.as_str()) {
                    *v = Value::from("***");
                } else {
                    redact_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding responses
// ---------------------------------------------------------------------------------------------

/// What went wrong with one exchange, as far as the API model can tell.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// A non-2xx status. `body` is Ratio's error body when the response had one.
    Status {
        status: u16,
        body: Option<ErrorBody>,
    },
    /// A 2xx whose body is not what the endpoint returns. `detail` never quotes the body.
    Malformed { status: u16, detail: String },
    /// The request could not be encoded (cannot happen with these types; typed anyway).
    Encode { endpoint: Option<Endpoint> },
}

impl ApiError {
    /// Ratio's error code, if the server sent one.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            ApiError::Status {
                body: Some(ErrorBody { code, .. }),
                ..
            } => code.as_ref(),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } | ApiError::Malformed { status, .. } => Some(*status),
            ApiError::Encode { .. } => None,
        }
    }
}

impl Piece for ApiError {
    fn push_to(&self, out: &mut String) {
        match self {
            ApiError::Status {
                status,
                body: Some(body),
            } => match &body.code {
                Some(code) => out.push_str(&text!("HTTP ", status, " ", code)),
                None => out.push_str(&text!("HTTP ", status)),
            },
            ApiError::Status { status, body: None } => {
                out.push_str(&text!("HTTP ", status, " without an error body"))
            }
            ApiError::Malformed { status, detail } => out.push_str(&text!(
                "unexpected HTTP ",
                status,
                " response body: ",
                detail
            )),
            ApiError::Encode { .. } => out.push_str("the request body could not be encoded"),
        }
    }
}

crate::text::display_by_piece!(ApiError);

impl core::error::Error for ApiError {}

/// Reads a response: a 2xx body as `T` (an empty body reads as `{}`), any other status as
/// [`ApiError::Status`].
pub fn decode_response<T: FromJson>(response: &HttpResponse) -> Result<T, ApiError> {
    if !response.is_success() {
        return Err(ApiError::Status {
            status: response.status,
            body: ErrorBody::read(&response.body),
        });
    }
    let value = if response.body.trim().is_empty() {
        Value::Object(Map::new())
    } else {
        json::parse(&response.body).map_err(|e| {
            // The parser's errors carry a category and an offset, never the text.
            let mut detail = String::from(e.message());
            detail.push_str(" (at byte ");
            json::push_u64(&mut detail, e.offset as u64);
            detail.push(')');
            ApiError::Malformed {
                status: response.status,
                detail,
            }
        })?
    };
    T::from_json(&value).map_err(|e| {
        // Names a field at most, never a value (which may be a JWT).
        let mut detail = String::new();
        e.describe(&mut detail);
        ApiError::Malformed {
            status: response.status,
            detail,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn addr() -> Address {
        match Address::parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed") {
            Ok(a) => a,
            Err(e) => panic!("{e}"),
        }
    }

    fn body_json(req: &HttpRequest) -> serde_json::Value {
        req.json()
    }

    #[test]
    fn paths_and_methods() {
        assert_eq!(Endpoint::WalletStart.path(), "/v1/auth/cryptoWallet:start");
        assert_eq!(
            Endpoint::WalletAddToUser.path(),
            "/v1/auth/cryptoWallet:addToUser"
        );
        assert_eq!(
            Endpoint::SmsAuthenticate.path(),
            "/v1/auth/otp/sms:authenticate"
        );
        assert_eq!(Endpoint::EmailSend.path(), "/v1/auth/otp/email:send");
        assert_eq!(Endpoint::GetUser.method(), Method::Get);
        assert_eq!(Endpoint::CreateUser.method(), Method::Post);
        for e in Endpoint::ALL {
            let concrete = e
                .path()
                .replace("{userId}", "u1")
                .replace("{sessionId}", "s1");
            assert_eq!(
                Endpoint::from_request(e.method(), &concrete),
                Some(e),
                "{e}"
            );
            assert!(e.path().starts_with("/v1/"));
        }
        assert_eq!(
            Endpoint::from_request(Method::Get, "/v1/auth/otp/sms:send"),
            None
        );
        assert_eq!(Endpoint::from_request(Method::Get, "/v1/users/"), None);
        assert_eq!(Endpoint::from_request(Method::Get, "/v1/users/a/b"), None);
        assert_eq!(
            Endpoint::from_request(Method::Post, "/v1/users?x=1"),
            Some(Endpoint::CreateUser)
        );
        assert_eq!(golden::written(&Endpoint::SmsSend), json!("smsSend"));
    }

    #[test]
    fn error_codes_round_trip() {
        let all = [
            "INVALID_BODY",
            "MISSING_WALLET_ADDRESS",
            "INVALID_WALLET_ADDRESS",
            "INVALID_WALLET_TYPE",
            "INVALID_PHONE",
            "INVALID_EMAIL",
            "INVALID_SIGNATURE",
            "INVALID_OTP",
            "INVALID_CLIENT_SECRET",
            "INVALID_JWT",
            "EXPIRED_JWT",
            "MFA_REQUIRED",
            "ALREADY_EXISTS_PHONE",
            "ALREADY_EXISTS_EMAIL",
            "ALREADY_EXISTS_WALLET_ADDRESS",
            "TOO_MANY_REQUESTS",
            "SOMETHING_NEW",
        ];
        for code in all {
            let parsed = ErrorCode::parse(code);
            assert_eq!(parsed.as_str(), code);
            assert_eq!(parsed.to_string(), code);
        }
        assert_eq!(
            ErrorCode::parse("MISSING_OTP"),
            ErrorCode::Missing("MISSING_OTP".into())
        );
        assert_eq!(
            ErrorCode::parse("MISSING_"),
            ErrorCode::Other("MISSING_".into())
        );
        assert_eq!(ErrorCode::parse("NOPE"), ErrorCode::Other("NOPE".into()));
        // Server text that is not shaped like a code is never passed on.
        for text in [
            "",
            "already_exists_phone",
            "Phone already exists",
            "EXPIRED_JWT eyJhbGciOi",
            "CODE\n",
            "<script>",
            &"A".repeat(65),
        ] {
            assert_eq!(ErrorCode::parse(text), ErrorCode::Unknown, "{text:?}");
        }
        assert_eq!(ErrorCode::Unknown.as_str(), "UNKNOWN");
        assert_eq!(
            ErrorCode::parse(&"A".repeat(64)),
            ErrorCode::Other("A".repeat(64))
        );
        assert_eq!(
            ErrorCode::missing("walletAddress").as_str(),
            "MISSING_WALLET_ADDRESS"
        );
        assert_eq!(ErrorCode::parse("INVALID_OTP"), ErrorCode::InvalidOtp);
    }

    #[test]
    fn error_body_reading_is_tolerant() {
        let full = ErrorBody::read(
            r#"{"createTime":"2024-01-01T00:00:00Z","message":"nope","code":"ALREADY_EXISTS_PHONE","data":{"x":1},"extra":true}"#,
        );
        let full = match full {
            Some(b) => b,
            None => panic!("not read"),
        };
        assert_eq!(full.code, Some(ErrorCode::AlreadyExistsPhone));
        assert_eq!(full.message, "nope");
        assert_eq!(full.data.as_ref().map(golden::tree), Some(json!({"x": 1})));
        let bare = ErrorBody::read(r#"{"code":"WHATEVER"}"#);
        assert_eq!(
            bare.and_then(|b| b.code),
            Some(ErrorCode::Other("WHATEVER".into()))
        );
        assert_eq!(ErrorBody::read("<html>502 Bad Gateway</html>"), None);
        assert_eq!(ErrorBody::read("[1,2]"), None);
        // One odd field never costs the others.
        let odd = ErrorBody::read(r#"{"code": 5, "message": "m"}"#);
        assert_eq!(
            odd.as_ref().and_then(|b| b.code.clone()),
            Some(ErrorCode::Unknown)
        );
        assert_eq!(odd.map(|b| b.message), Some("m".to_owned()));
        let null_message =
            ErrorBody::read(r#"{"message": null, "code": "INVALID_OTP", "createTime": 17}"#);
        assert_eq!(
            null_message.as_ref().and_then(|b| b.code.clone()),
            Some(ErrorCode::InvalidOtp)
        );
        assert_eq!(null_message.map(|b| b.message), Some(String::new()));
        let written = golden::written(&ErrorBody {
            create_time: Some("t".into()),
            message: "m".into(),
            code: Some(ErrorCode::InvalidOtp),
            data: None,
        });
        assert_eq!(
            written,
            json!({"createTime": "t", "message": "m", "code": "INVALID_OTP"})
        );
    }

    #[test]
    fn writing_is_strict() {
        let client = ClientContext::default();
        let req = WalletStartRequest::new(addr()).to_http(&client, None);
        let req = match req {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.path, "/v1/auth/cryptoWallet:start");
        assert_eq!(
            req.body.as_deref(),
            Some(
                r#"{"walletAddress":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed","walletType":"EVM"}"#
            )
        );
        let auth = WalletAuthenticateRequest::new(addr(), "0xabc").to_http(&client, None);
        assert_eq!(
            auth.map(|r| body_json(&r)).ok(),
            Some(
                json!({"walletAddress": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "walletType": "EVM", "signature": "0xabc"})
            )
        );
        let sms = SmsAuthenticateRequest {
            phone_id: "p1".into(),
            otp: Secret::new("123456"),
        };
        assert_eq!(
            sms.body().ok().flatten().as_deref(),
            Some(r#"{"phoneId":"p1","otp":"123456"}"#)
        );
        let email = EmailAuthenticateRequest {
            email_id: "e1".into(),
            otp: Secret::new("654321"),
        };
        assert_eq!(
            email.body().ok().flatten().as_deref(),
            Some(r#"{"emailId":"e1","otp":"654321"}"#)
        );
        let send = SmsSendRequest {
            phone_number: "+15555550100".into(),
        };
        assert_eq!(
            send.body().ok().flatten().as_deref(),
            Some(r#"{"phoneNumber":"+15555550100"}"#)
        );
        let send = EmailSendRequest {
            email_address: "a@b.co".into(),
        };
        assert_eq!(
            send.body().ok().flatten().as_deref(),
            Some(r#"{"emailAddress":"a@b.co"}"#)
        );
        let add = AddToUserRequest::new(addr());
        assert_eq!(
            add.body().ok().flatten().as_deref(),
            Some(
                r#"{"walletAddress":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed","walletType":"EVM"}"#
            )
        );
        let user = CreateUserRequest {
            first_name: "Ada".into(),
            middle_name: None,
            last_name: "L".into(),
            email: "a@b.co".into(),
            country: "US".into(),
            phone: "+15555550100".into(),
            accepted_terms: true,
        };
        assert_eq!(
            user.body()
                .ok()
                .flatten()
                .map(|b| serde_json::from_str::<serde_json::Value>(&b).ok()),
            Some(Some(
                json!({"firstName":"Ada","lastName":"L","email":"a@b.co","country":"US","phone":"+15555550100","acceptedTerms":true})
            ))
        );
        let session = CreateClientSessionRequest {
            signing_address: addr(),
            signing_type: WalletType::Evm,
            deposit_address: None,
        };
        assert_eq!(
            session.body().ok().flatten().as_deref(),
            Some(
                r#"{"signingAddress":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed","signingType":"EVM"}"#
            )
        );
    }

    #[test]
    fn wallet_network_is_read_as_wallet_type() {
        let old: Option<WalletStartRequest> = golden::read(
            json!({"walletAddress": "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "walletNetwork": "POLYGON"}),
        );
        assert_eq!(old, Some(WalletStartRequest::new(addr())));
        let bad: Option<WalletStartRequest> = golden::read(
            json!({"walletAddress": "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "walletType": "SOLANA"}),
        );
        assert!(bad.is_none());
        assert_eq!(WalletType::parse("ethereum"), Some(WalletType::Evm));
    }

    #[test]
    fn headers_for_each_credential_kind() {
        let secret = ClientContext {
            credentials: Credentials::ClientSecret {
                client_id: "id1".into(),
                client_secret: Secret::new("sec1"),
            },
            device_fingerprint: Some("eyJpcCI6IjEifQ==".into()),
        };
        let jwt = Secret::new("a.b.c");
        assert_eq!(
            secret.headers(true, Some(&jwt)),
            vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("Accept".to_owned(), "application/json".to_owned()),
                ("ratio-client-id".to_owned(), "id1".to_owned()),
                ("ratio-client-secret".to_owned(), "sec1".to_owned()),
                (
                    "ratio-device-fingerprint".to_owned(),
                    "eyJpcCI6IjEifQ==".to_owned()
                ),
                ("Authorization".to_owned(), "Bearer a.b.c".to_owned()),
            ]
        );
        let session = ClientContext::new(Credentials::ClientSession {
            session_id: Secret::new("cs1"),
        });
        assert_eq!(
            session.headers(false, None),
            vec![
                ("Accept".to_owned(), "application/json".to_owned()),
                ("ratio-client-session-id".to_owned(), "cs1".to_owned()),
            ]
        );
        let proxy = ClientContext::default();
        assert_eq!(proxy.headers(true, None).len(), 2);
        assert_eq!(proxy.problem(), None);
        let empty = ClientContext::new(Credentials::ClientSecret {
            client_id: " ".into(),
            client_secret: Secret::new("x"),
        });
        assert!(empty.problem().is_some());
        let crlf = ClientContext::new(Credentials::ClientSession {
            session_id: Secret::new("a\r\nX: y"),
        });
        assert!(crlf.problem().is_some());
    }

    #[test]
    fn debug_never_shows_secrets() {
        let client = ClientContext::new(Credentials::ClientSecret {
            client_id: "id1".into(),
            client_secret: Secret::new("topsecret"),
        });
        let jwt = Secret::new("eyJhbGciOi.payload.sig");
        let req = SmsAuthenticateRequest {
            phone_id: "p1".into(),
            otp: Secret::new("424242"),
        }
        .to_http(&client, Some(&jwt));
        let req = match req {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(req.bearer(), Some("eyJhbGciOi.payload.sig"));
        let debug = format!("{req:?}");
        for secret in ["topsecret", "424242", "eyJhbGciOi"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert!(debug.contains("p1"));
        let resp = HttpResponse::new(
            200,
            r#"{"sessionJwt":"eyJhbGciOi.payload.sig","userMask":{"phoneMask":"0100"}}"#,
        )
        .with_refresh_jwt("eyJhbGciOi.refresh.sig");
        let debug = format!("{resp:?}");
        assert!(!debug.contains("eyJhbGciOi"), "{debug}");
        assert!(debug.contains("0100"));
        let html = HttpResponse::new(502, "<html>token eyJhbGciOi</html>");
        assert!(!format!("{html:?}").contains("eyJhbGciOi"));
        let parsed: Result<AuthResponse, _> = decode_response(&resp);
        assert!(!format!("{parsed:?}").contains("eyJhbGciOi"));
        let phone = SmsSendRequest {
            phone_number: "+15555550100".into(),
        };
        assert!(!format!("{phone:?}").contains("5555"));
    }

    #[test]
    fn response_headers_are_picked_case_insensitively() {
        let resp = HttpResponse::from_parts(
            429,
            [
                ("content-type", "application/json"),
                ("retry-after", " 3 "),
                ("Ratio-Authentication-Refresh", "x.y.z"),
            ],
            "{}",
        );
        assert_eq!(resp.retry_after.as_deref(), Some("3"));
        assert_eq!(resp.refresh_jwt.as_ref().map(|s| s.expose()), Some("x.y.z"));
        let none = HttpResponse::from_parts(200, Vec::<(String, String)>::new(), "");
        assert_eq!(none.retry_after, None);
        assert_eq!(none.refresh_jwt, None);
    }

    #[test]
    fn auth_response_reading_is_tolerant() {
        let with_email: Result<AuthResponse, _> = decode_response(&HttpResponse::new(
            200,
            r#"{"sessionJwt":"a.b.c","userMask":{"id":"u1","phoneMask":"0100","emailMask":"rat…@example.com"},"unknown":1}"#,
        ));
        let with_email = match with_email {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(with_email.session_jwt.expose(), "a.b.c");
        let mask = with_email.user_mask.unwrap_or_default();
        assert_eq!(mask.email_mask.as_deref(), Some("rat…@example.com"));
        assert_eq!(mask.phone_mask.as_deref(), Some("0100"));

        let older: Result<AuthResponse, _> = decode_response(&HttpResponse::new(
            200,
            r#"{"sessionJwt":"a.b.c","userMask":{"id":"u1","preferredMfaMethod":"OTP_SMS"},"user":{"id":"u1","kyc":{"status":"APPROVED"}}}"#,
        ));
        let older = older.ok().and_then(|r| r.user_mask);
        assert_eq!(
            older.as_ref().and_then(|m| m.preferred_mfa_method.clone()),
            Some(MfaMethod::OtpSms)
        );
        assert_eq!(older.and_then(|m| m.phone_mask), None);

        let new_user: Result<AuthResponse, _> = decode_response(&HttpResponse::new(
            200,
            r#"{"sessionJwt":"a.b.c","userMask":null}"#,
        ));
        assert_eq!(new_user.ok().map(|r| r.user_mask.is_none()), Some(true));

        let sms: Result<SmsSendResponse, _> =
            decode_response(&HttpResponse::new(200, r#"{"phoneId":"p1"}"#));
        assert_eq!(
            sms.ok(),
            Some(SmsSendResponse {
                phone_id: "p1".into(),
                phone_mask: None
            })
        );
        let empty: Result<EmptyResponse, _> = decode_response(&HttpResponse::new(200, ""));
        assert_eq!(empty.ok(), Some(EmptyResponse {}));
        let obj: Result<EmptyResponse, _> =
            decode_response(&HttpResponse::new(200, r#"{"ok":true}"#));
        assert!(obj.is_ok());
    }

    #[test]
    fn malformed_bodies_are_typed_and_do_not_quote_the_body() {
        let missing: Result<AuthResponse, _> =
            decode_response(&HttpResponse::new(200, r#"{"userMask":{}}"#));
        match missing {
            Err(ApiError::Malformed {
                status: 200,
                detail,
            }) => assert!(detail.contains("sessionJwt"), "{detail}"),
            other => panic!("{other:?}"),
        }
        let wrong: Result<WalletStartResponse, _> = decode_response(&HttpResponse::new(
            200,
            r#"{"challenge":{"secret":"eyJhbGciOi"}}"#,
        ));
        match wrong {
            Err(ApiError::Malformed { detail, .. }) => {
                assert!(!detail.contains("eyJhbGciOi"), "{detail}")
            }
            other => panic!("{other:?}"),
        }
        let html: Result<WalletStartResponse, _> =
            decode_response(&HttpResponse::new(200, "<html>"));
        assert!(matches!(html, Err(ApiError::Malformed { .. })));
        let err: Result<WalletStartResponse, _> = decode_response(&HttpResponse::new(
            409,
            r#"{"code":"ALREADY_EXISTS_PHONE","message":"m"}"#,
        ));
        match err {
            Err(e) => {
                assert_eq!(e.code(), Some(&ErrorCode::AlreadyExistsPhone));
                assert_eq!(e.status(), Some(409));
            }
            Ok(_) => panic!("should fail"),
        }
        let gateway: Result<WalletStartResponse, _> =
            decode_response(&HttpResponse::new(502, "<html>"));
        assert_eq!(
            gateway.err(),
            Some(ApiError::Status {
                status: 502,
                body: None
            })
        );
    }

    #[test]
    fn get_paths_are_encoded() {
        let req = GetUserRequest {
            user_id: "u/../1?x".into(),
        }
        .to_http(&ClientContext::default(), Some(&Secret::new("t")));
        let req = match req {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(req.path, "/v1/users/u%2F..%2F1%3Fx");
        assert_eq!(req.method, Method::Get);
        assert_eq!(req.body, None);
        assert_eq!(req.header("content-type"), None);
        assert_eq!(req.bearer(), Some("t"));
        let session = GetClientSessionRequest {
            session_id: "abc".into(),
        }
        .path();
        assert_eq!(session, "/v1/client/sessions/abc");
    }
}

/// Golden tests: the exact JSON every writer produces and what every reader accepts or refuses.
/// Written against the serde derives (their output is the reference), kept after the switch to
/// `crate::json` so that a test proves "same JSON".
#[cfg(test)]
mod golden {
    use super::*;
    use serde_json::json;

    fn ok<T, E: fmt::Debug>(r: Result<T, E>) -> T {
        match r {
            Ok(v) => v,
            Err(e) => panic!("{e:?}"),
        }
    }

    fn addr() -> Address {
        ok(Address::parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"))
    }
    const ADDR: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    const ADDR_LOWER: &str = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";

    /// A `json::Value` as a serde_json tree (by its text, so the writer is tested too).
    pub(super) fn tree(value: &Value) -> serde_json::Value {
        ok(serde_json::from_str(&value.to_json_string()))
    }

    /// What a value writes, read back as a serde_json tree.
    pub(super) fn written<T: ToJson>(value: &T) -> serde_json::Value {
        tree(&value.to_json())
    }

    /// What a reader makes of `value`; `None` when it refuses.
    pub(super) fn read<T: FromJson>(value: serde_json::Value) -> Option<T> {
        let value = ok(json::parse(&value.to_string()));
        T::from_json(&value).ok()
    }

    #[test]
    fn enums_write_their_wire_names() {
        assert_eq!(written(&Method::Get), json!("GET"));
        assert_eq!(written(&Method::Post), json!("POST"));
        for e in Endpoint::ALL {
            assert_eq!(written(&e), json!(e.as_str()));
            assert_eq!(read::<Endpoint>(json!(e.as_str())), Some(e));
        }
        assert_eq!(read::<Method>(json!("GET")), Some(Method::Get));
        assert_eq!(read::<Method>(json!("get")), None);
        assert_eq!(read::<Endpoint>(json!("WalletStart")), None);
        assert_eq!(written(&ErrorCode::InvalidOtp), json!("INVALID_OTP"));
        assert_eq!(written(&ErrorCode::Unknown), json!("UNKNOWN"));
        assert_eq!(
            written(&ErrorCode::Other("NEW_ONE".into())),
            json!("NEW_ONE")
        );
        assert_eq!(
            read::<ErrorCode>(json!("MISSING_OTP")),
            Some(ErrorCode::Missing("MISSING_OTP".into()))
        );
        assert_eq!(read::<ErrorCode>(json!("no")), Some(ErrorCode::Unknown));
        assert_eq!(read::<ErrorCode>(json!(5)), None);
        assert_eq!(written(&WalletType::Evm), json!("EVM"));
        assert_eq!(read::<WalletType>(json!("polygon")), Some(WalletType::Evm));
        assert_eq!(read::<WalletType>(json!("SOLANA")), None);
        assert_eq!(written(&MfaMethod::OtpSms), json!("OTP_SMS"));
        assert_eq!(written(&MfaMethod::Totp), json!("TOTP"));
        assert_eq!(written(&MfaMethod::Other("X".into())), json!("X"));
        assert_eq!(read::<MfaMethod>(json!("TOTP")), Some(MfaMethod::Totp));
        assert_eq!(
            read::<MfaMethod>(json!("WEBAUTHN")),
            Some(MfaMethod::Other("WEBAUTHN".into()))
        );
        assert_eq!(read::<MfaMethod>(json!(null)), None);
        assert_eq!(written(&addr()), json!(ADDR));
        assert_eq!(read::<Address>(json!(ADDR_LOWER)), Some(addr()));
        assert_eq!(
            read::<Address>(json!("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")),
            None
        );
        assert_eq!(read::<Address>(json!(1)), None);
        assert_eq!(
            read::<Secret>(json!("tok")).map(|s| s.expose().to_owned()),
            Some("tok".to_owned())
        );
        assert_eq!(read::<Secret>(json!(1)), None);
    }

    fn full_mask() -> UserMask {
        UserMask {
            id: Some("u1".into()),
            create_time: Some("c".into()),
            update_time: Some("u".into()),
            phone_mask: Some("0100".into()),
            email_mask: Some("r…@e.com".into()),
            preferred_mfa_method: Some(MfaMethod::OtpSms),
        }
    }

    fn full_mask_json() -> serde_json::Value {
        json!({"id": "u1", "createTime": "c", "updateTime": "u", "phoneMask": "0100",
               "emailMask": "r…@e.com", "preferredMfaMethod": "OTP_SMS"})
    }

    fn full_user_json() -> serde_json::Value {
        json!({"id": "u1", "createTime": "c", "updateTime": "u", "firstName": "Ada",
               "middleName": "B", "lastName": "L", "email": "a@b.co", "country": "US",
               "phone": "+15555550100", "nationality": "GB", "occupation": "dev",
               "kyc": {"status": "APPROVED", "level": 2, "ratio": 0.5, "tags": [true, null]},
               "connectedBankAccounts": [{"id": "b1"}, "odd", 7],
               "flags": ["a", "b"]})
    }

    #[test]
    fn masks_and_users() {
        assert_eq!(written(&full_mask()), full_mask_json());
        assert_eq!(written(&UserMask::default()), json!({}));
        assert_eq!(read::<UserMask>(full_mask_json()), Some(full_mask()));
        assert_eq!(
            read::<UserMask>(json!({"id": null, "phoneMask": null, "extra": [1]})),
            Some(UserMask::default())
        );
        assert_eq!(read::<UserMask>(json!({"phoneMask": 100})), None);
        assert_eq!(read::<UserMask>(json!("x")), None);

        let user = read::<User>(full_user_json());
        let user = match user {
            Some(u) => u,
            None => panic!("user not read"),
        };
        assert_eq!(user.first_name.as_deref(), Some("Ada"));
        assert_eq!(user.flags, Some(vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(user.connected_bank_accounts.as_ref().map(Vec::len), Some(3));
        // Written back, it is the same JSON (nested values untouched).
        assert_eq!(written(&user), full_user_json());
        assert_eq!(written(&User::default()), json!({}));
        assert_eq!(read::<User>(json!({})), Some(User::default()));
        assert_eq!(
            read::<User>(json!({"kyc": null, "flags": null, "connectedBankAccounts": null})),
            Some(User::default())
        );
        assert_eq!(read::<User>(json!({"flags": "a"})), None);
        assert_eq!(read::<User>(json!({"flags": [1]})), None);
        assert_eq!(read::<User>(json!({"connectedBankAccounts": {}})), None);
        assert_eq!(read::<User>(json!({"firstName": false})), None);
    }

    #[test]
    fn error_bodies() {
        let body = ErrorBody {
            create_time: Some("t".into()),
            message: "m".into(),
            code: Some(ErrorCode::InvalidOtp),
            data: ErrorBody::read(r#"{"data":{"x":[1,"a",null]}}"#).and_then(|b| b.data),
        };
        assert_eq!(
            written(&body),
            json!({"createTime": "t", "message": "m", "code": "INVALID_OTP", "data": {"x": [1, "a", null]}})
        );
        assert_eq!(written(&ErrorBody::default()), json!({"message": ""}));
        assert_eq!(read::<ErrorBody>(written(&body)), Some(body));
        assert_eq!(read::<ErrorBody>(json!({})), Some(ErrorBody::default()));
    }

    #[test]
    fn requests_write_and_read() {
        let start = WalletStartRequest::new(addr());
        assert_eq!(
            written(&start),
            json!({"walletAddress": ADDR, "walletType": "EVM"})
        );
        assert_eq!(
            read::<WalletStartRequest>(json!({"walletAddress": ADDR_LOWER, "walletType": "EVM"})),
            Some(start.clone())
        );
        assert_eq!(
            read::<WalletStartRequest>(json!({"walletAddress": ADDR, "walletNetwork": "ETHEREUM"})),
            Some(start)
        );
        assert_eq!(
            read::<WalletStartRequest>(json!({"walletAddress": ADDR})),
            None
        );
        assert_eq!(
            read::<WalletStartRequest>(json!({"walletAddress": "0x12", "walletType": "EVM"})),
            None
        );

        let auth = WalletAuthenticateRequest::new(addr(), "0xsig");
        assert_eq!(
            written(&auth),
            json!({"walletAddress": ADDR, "walletType": "EVM", "signature": "0xsig"})
        );
        assert_eq!(
            read::<WalletAuthenticateRequest>(written(&auth)),
            Some(auth)
        );
        assert_eq!(
            read::<WalletAuthenticateRequest>(json!({"walletAddress": ADDR, "walletType": "EVM"})),
            None
        );

        let add = AddToUserRequest::new(addr());
        assert_eq!(
            written(&add),
            json!({"walletAddress": ADDR, "walletType": "EVM"})
        );
        assert_eq!(
            read::<AddToUserRequest>(
                json!({"walletAddress": ADDR, "walletNetwork": "POLYGON", "x": 1})
            ),
            Some(add)
        );

        let send = SmsSendRequest {
            phone_number: "+15555550100".into(),
        };
        assert_eq!(written(&send), json!({"phoneNumber": "+15555550100"}));
        assert_eq!(read::<SmsSendRequest>(written(&send)), Some(send));
        assert_eq!(read::<SmsSendRequest>(json!({})), None);
        assert_eq!(read::<SmsSendRequest>(json!({"phoneNumber": 1})), None);

        let send = EmailSendRequest {
            email_address: "a@b.co".into(),
        };
        assert_eq!(written(&send), json!({"emailAddress": "a@b.co"}));
        assert_eq!(read::<EmailSendRequest>(written(&send)), Some(send));
        assert_eq!(
            read::<EmailSendRequest>(json!({"emailAddress": null})),
            None
        );

        let sms = read::<SmsAuthenticateRequest>(json!({"phoneId": "p1", "otp": "123456"}));
        assert_eq!(
            sms.as_ref().map(|r| (r.phone_id.as_str(), r.otp.expose())),
            Some(("p1", "123456"))
        );
        assert!(read::<SmsAuthenticateRequest>(json!({"phoneId": "p1"})).is_none());
        assert!(read::<SmsAuthenticateRequest>(json!({"phoneId": "p1", "otp": 123456})).is_none());
        let email = read::<EmailAuthenticateRequest>(json!({"emailId": "e1", "otp": "654321"}));
        assert_eq!(
            email
                .as_ref()
                .map(|r| (r.email_id.as_str(), r.otp.expose())),
            Some(("e1", "654321"))
        );
        assert!(read::<EmailAuthenticateRequest>(json!({"otp": "1"})).is_none());

        let mut user = CreateUserRequest {
            first_name: "Ada".into(),
            middle_name: Some("B".into()),
            last_name: "L".into(),
            email: "a@b.co".into(),
            country: "US".into(),
            phone: "+15555550100".into(),
            accepted_terms: true,
        };
        let user_json = json!({"firstName": "Ada", "middleName": "B", "lastName": "L",
            "email": "a@b.co", "country": "US", "phone": "+15555550100", "acceptedTerms": true});
        assert_eq!(written(&user), user_json);
        assert_eq!(read::<CreateUserRequest>(user_json), Some(user.clone()));
        user.middle_name = None;
        assert_eq!(
            written(&user),
            json!({"firstName": "Ada", "lastName": "L", "email": "a@b.co", "country": "US",
                   "phone": "+15555550100", "acceptedTerms": true})
        );
        assert_eq!(read::<CreateUserRequest>(written(&user)), Some(user));
        assert_eq!(
            read::<CreateUserRequest>(
                json!({"firstName": "Ada", "lastName": "L", "email": "a@b.co",
                "country": "US", "phone": "+1", "acceptedTerms": "yes"})
            ),
            None
        );
        assert_eq!(
            read::<CreateUserRequest>(
                json!({"firstName": "Ada", "lastName": "L", "email": "a@b.co",
                "country": "US", "phone": "+1"})
            ),
            None
        );

        let mut session = CreateClientSessionRequest {
            signing_address: addr(),
            signing_type: WalletType::Evm,
            deposit_address: Some(addr()),
        };
        assert_eq!(
            written(&session),
            json!({"signingAddress": ADDR, "signingType": "EVM", "depositAddress": ADDR})
        );
        assert_eq!(
            read::<CreateClientSessionRequest>(written(&session)),
            Some(session.clone())
        );
        session.deposit_address = None;
        assert_eq!(
            written(&session),
            json!({"signingAddress": ADDR, "signingType": "EVM"})
        );
        assert_eq!(
            read::<CreateClientSessionRequest>(
                json!({"signingAddress": ADDR, "signingType": "EVM", "depositAddress": null})
            ),
            Some(session)
        );
    }

    #[test]
    fn malformed_details_name_the_problem_never_the_body() {
        let detail =
            |body: &str| match decode_response::<AuthResponse>(&HttpResponse::new(200, body)) {
                Err(ApiError::Malformed {
                    status: 200,
                    detail,
                }) => detail,
                other => panic!("{other:?}"),
            };
        assert_eq!(detail(r#"{"userMask":{}}"#), "missing field `sessionJwt`");
        assert_eq!(
            detail(r#"{"sessionJwt":null}"#),
            "missing field `sessionJwt`"
        );
        assert_eq!(
            detail(r#"{"sessionJwt":7}"#),
            "field `sessionJwt` has the wrong type"
        );
        assert_eq!(
            detail(r#"{"sessionJwt":"a.b.c","userMask":{"phoneMask":1}}"#),
            "field `phoneMask` has the wrong type"
        );
        assert_eq!(detail(r#"["eyJhbGciOi"]"#), "JSON of the wrong shape");
        assert_eq!(
            detail(r#"{"sessionJwt":"eyJhbGciOi"#),
            "ends inside a value (at byte 25)"
        );
        assert_eq!(detail("eyJhbGciOi"), "not valid JSON (at byte 0)");
        assert_eq!(
            detail(r#"{"sessionJwt":"a"} x"#),
            "text after the JSON value (at byte 19)"
        );
        // An empty 2xx body reads as `{}`.
        assert_eq!(detail("  "), "missing field `sessionJwt`");
    }

    #[test]
    fn wallet_type_wins_over_its_old_name() {
        assert_eq!(
            read::<WalletStartRequest>(
                json!({"walletAddress": ADDR, "walletType": "EVM", "walletNetwork": "SOLANA"})
            ),
            Some(WalletStartRequest::new(addr()))
        );
        assert_eq!(
            read::<WalletStartRequest>(json!({"walletAddress": ADDR, "walletNetwork": "SOLANA"})),
            None
        );
    }

    #[test]
    fn responses_write_and_read() {
        let start = WalletStartResponse {
            challenge: "Signing in with Ratio: x".into(),
        };
        assert_eq!(
            written(&start),
            json!({"challenge": "Signing in with Ratio: x"})
        );
        assert_eq!(read::<WalletStartResponse>(written(&start)), Some(start));
        assert_eq!(read::<WalletStartResponse>(json!({})), None);
        assert_eq!(
            read::<WalletStartResponse>(json!({"challenge": null})),
            None
        );
        assert_eq!(read::<WalletStartResponse>(json!({"challenge": 1})), None);

        assert_eq!(written(&EmptyResponse {}), json!({}));
        assert_eq!(
            read::<EmptyResponse>(json!({"any": [1]})),
            Some(EmptyResponse {})
        );
        assert_eq!(read::<EmptyResponse>(json!("x")), None);

        let sms = SmsSendResponse {
            phone_id: "p1".into(),
            phone_mask: Some("0100".into()),
        };
        assert_eq!(written(&sms), json!({"phoneId": "p1", "phoneMask": "0100"}));
        assert_eq!(read::<SmsSendResponse>(written(&sms)), Some(sms));
        let bare = SmsSendResponse {
            phone_id: "p1".into(),
            phone_mask: None,
        };
        assert_eq!(written(&bare), json!({"phoneId": "p1"}));
        assert_eq!(
            read::<SmsSendResponse>(json!({"phoneId": "p1", "phoneMask": null})),
            Some(bare)
        );
        assert_eq!(read::<SmsSendResponse>(json!({"phoneMask": "0100"})), None);

        let email = EmailSendResponse {
            email_id: "e1".into(),
            email_mask: Some("r…@e.com".into()),
        };
        assert_eq!(
            written(&email),
            json!({"emailId": "e1", "emailMask": "r…@e.com"})
        );
        assert_eq!(read::<EmailSendResponse>(written(&email)), Some(email));
        let bare = EmailSendResponse {
            email_id: "e1".into(),
            email_mask: None,
        };
        assert_eq!(written(&bare), json!({"emailId": "e1"}));
        assert_eq!(
            read::<EmailSendResponse>(json!({"emailId": "e1"})),
            Some(bare)
        );

        let auth =
            read::<AuthResponse>(json!({"sessionJwt": "a.b.c", "userMask": full_mask_json(),
            "user": full_user_json(), "other": 1}));
        let auth = match auth {
            Some(a) => a,
            None => panic!("auth not read"),
        };
        assert_eq!(auth.session_jwt.expose(), "a.b.c");
        assert_eq!(auth.user_mask, Some(full_mask()));
        assert_eq!(auth.user.as_ref().map(written), Some(full_user_json()));
        let bare =
            read::<AuthResponse>(json!({"sessionJwt": "a.b.c", "userMask": null, "user": null}));
        assert_eq!(bare.map(|a| (a.user_mask, a.user)), Some((None, None)));
        assert!(read::<AuthResponse>(json!({"userMask": {}})).is_none());
        assert!(read::<AuthResponse>(json!({"sessionJwt": 1})).is_none());
        assert!(read::<AuthResponse>(json!({"sessionJwt": "a", "userMask": 1})).is_none());

        let session =
            read::<ClientSession>(json!({"id": "s1", "createTime": "c", "updateTime": "u",
            "signingAddress": ADDR_LOWER, "signingType": "EVM", "depositAddress": "0xd",
            "depositType": "EVM", "userMask": {"id": "u1"}, "sessionJwt": "a.b.c", "x": {}}));
        let session = match session {
            Some(s) => s,
            None => panic!("session not read"),
        };
        assert_eq!(session.id.as_deref(), Some("s1"));
        assert_eq!(session.signing_address.as_deref(), Some(ADDR_LOWER));
        assert_eq!(session.deposit_address.as_deref(), Some("0xd"));
        assert_eq!(session.deposit_type.as_deref(), Some("EVM"));
        assert_eq!(session.create_time.as_deref(), Some("c"));
        assert_eq!(session.update_time.as_deref(), Some("u"));
        assert_eq!(session.signing_type.as_deref(), Some("EVM"));
        assert_eq!(session.user_mask.and_then(|m| m.id).as_deref(), Some("u1"));
        assert_eq!(
            session.session_jwt.as_ref().map(Secret::expose),
            Some("a.b.c")
        );
        assert_eq!(
            read::<ClientSession>(json!({})),
            Some(ClientSession::default())
        );
        assert_eq!(read::<ClientSession>(json!({"signingType": 1})), None);
    }
}
