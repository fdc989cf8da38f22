//! The engine as the package's JS driver sees it: JSON text in, JSON text out.
//!
//! The browser driver (fetch, the wallet bridge, prompts, timers, storage) lives in the JS shell
//! (`npm/driver.js`): doing that work in Rust over wasm-bindgen cost the bundle more than the
//! engine itself. What stays here is what decides: the flow engine, the API's request building
//! and answer reading, the signature check (inside the engine), JWT reading, and the JS errors'
//! fields for the engine's failures. Every value crosses as JSON text, so the wasm's exports are
//! a handful of string functions (`src/wasm.rs`) and this module is tested natively.
//!
//! The protocol (read in JS by `npm/driver.js`, `npm/api.js` and `npm/core.js`):
//! - [`Session::start`] / [`Session::resume`] → a session, or an error object;
//! - [`Session::step`]: one input (`{"now": ms, ...what happened}`) → `{"action", "events",
//!   "snapshot"?}`; the first step's input is `{"now": ms}` alone;
//! - [`pending_sign_in`], [`session_info`], [`api_request`], [`api_response`]: one call each.
//!
//! Errors are `{"kind", "message", "shortMessage", "details"?, "code"?, "status"?, "retryAt"?,
//! "signedBy"?, "walletCode"?, "reason"?}`: the fields of the RatioAuthError JS throws (the JS
//! adds `cause`). No message here ever holds a JWT, a code or a secret.

// One error per call, built only when the call fails.
#![allow(clippy::result_large_err)]

use crate::api::{
    self, AddToUserRequest, ApiCall, ApiError, ClientContext, CreateUserRequest, Credentials,
    EmailAuthenticateRequest, EmailSendRequest, GetUserRequest, HttpResponse,
    SmsAuthenticateRequest, SmsSendRequest, WalletAuthenticateRequest, WalletStartRequest,
};
use crate::backoff::{RetryPolicy, parse_retry_after};
use crate::eip191::Address;
use crate::flow::{
    self, Action, Answer, FirstFactor, Flow, FlowConfig, FlowError, FlowSnapshot, Outcome, Start,
};
use crate::json::{self, FromJson, Map, ToJson, Value};
use crate::jwt;
use crate::prelude::*;
use crate::secret::Secret;

// ---------------------------------------------------------------------------------------------
// Errors as JS throws them
// ---------------------------------------------------------------------------------------------

/// The fields of a JS `RatioAuthError` (all but `cause`, which only the JS has).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsError {
    pub kind: &'static str,
    pub message: String,
    pub short_message: Option<String>,
    pub details: Option<String>,
    pub code: Option<String>,
    pub status: Option<u16>,
    pub retry_at_ms: Option<u64>,
    pub signed_by: Option<String>,
    pub wallet_code: Option<i64>,
    pub reason: Option<&'static str>,
}

impl JsError {
    /// JWT-shaped tokens in `message` are masked (a message is never the place for one).
    pub fn new(kind: &'static str, message: impl Into<String>) -> JsError {
        JsError {
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
        }
    }

    pub fn config(message: impl Into<String>) -> JsError {
        JsError::new("config", message)
    }

    /// `short` is ours, `detail` comes from outside (sanitised here): `message` is `short (Ratio:
    /// detail)` with `ratio`, else `short: detail`; an empty detail is none.
    pub fn detailed(kind: &'static str, short: &str, detail: &str, ratio: bool) -> JsError {
        let detail = sanitize_external_text(detail);
        if detail.trim().is_empty() {
            return JsError::new(kind, short);
        }
        let message = if ratio {
            [short, " (Ratio: ", &detail, ")"].concat()
        } else {
            [short, ": ", &detail].concat()
        };
        let mut error = JsError::new(kind, message);
        error.short_message = Some(mask_jwts(short));
        error.details = Some(detail);
        error
    }

    fn resume(reason: &'static str, message: impl Into<String>) -> JsError {
        let mut error = JsError::new("resume", message);
        error.reason = Some(reason);
        error
    }
}

impl ToJson for JsError {
    fn to_json(&self) -> Value {
        Value::object_without_none([
            ("kind", Some(Value::from(self.kind))),
            ("message", Some(Value::from(self.message.as_str()))),
            (
                "shortMessage",
                Some(Value::from(
                    self.short_message.as_deref().unwrap_or(&self.message),
                )),
            ),
            ("details", self.details.as_deref().map(Value::from)),
            ("code", self.code.as_deref().map(Value::from)),
            ("status", self.status.map(Value::from)),
            (
                "retryAt",
                self.retry_at_ms.map(|at| Value::from(js_safe(at))),
            ),
            ("signedBy", self.signed_by.as_deref().map(Value::from)),
            ("walletCode", self.wallet_code.map(Value::from)),
            ("reason", self.reason.map(Value::from)),
        ])
    }
}

/// JS numbers are exact up to 2^53 − 1: an absurd time (a server's `Retry-After` of a century)
/// is clamped there rather than rounded.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

fn js_safe(n: u64) -> u64 {
    n.min(MAX_SAFE_INTEGER)
}

/// The JS error of the engine's `Fail`: the kind, Ratio's code and the status, the kind's
/// fields, and Ratio's own message (sanitised) appended.
pub fn flow_error_to_js(error: &FlowError) -> JsError {
    let mut out = JsError::detailed(
        error.kind.as_str(),
        &error.message,
        error.server_message.as_deref().unwrap_or_default(),
        true,
    );
    out.code = error.code.as_ref().map(|code| code.as_str().to_owned());
    out.status = error.status;
    match &error.kind {
        flow::ErrorKind::RateLimited { retry_at_ms } => out.retry_at_ms = *retry_at_ms,
        flow::ErrorKind::SignatureMismatch {
            signed_by: Some(address),
            ..
        } => out.signed_by = Some(address.to_checksum()),
        flow::ErrorKind::Wallet { wallet_code } => out.wallet_code = *wallet_code,
        _ => {}
    }
    out
}

/// The engine's error for a flow the driver ends itself (its signal, a failed prompt, the wallet
/// switching accounts), from the fields of the JS error it throws.
fn flow_error_from_js(error: &Value) -> FlowError {
    let kind = match error
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("aborted")
    {
        "userRejected" => flow::ErrorKind::UserRejected,
        "rateLimited" => flow::ErrorKind::RateLimited {
            retry_at_ms: error.get("retryAt").and_then(Value::as_u64),
        },
        "conflict" => flow::ErrorKind::Conflict,
        "invalidOtp" => flow::ErrorKind::InvalidOtp,
        "mfaRequired" => flow::ErrorKind::MfaRequired,
        "signatureMismatch" => flow::ErrorKind::SignatureMismatch {
            signed_by: None,
            signed_hex_text: false,
        },
        "contractWalletRefused" => flow::ErrorKind::ContractWalletRefused,
        "network" => flow::ErrorKind::Network,
        "timeout" => flow::ErrorKind::Timeout,
        "server" => flow::ErrorKind::Server,
        "badResponse" => flow::ErrorKind::BadResponse,
        "wallet" => flow::ErrorKind::Wallet {
            wallet_code: error.get("walletCode").and_then(Value::as_i64),
        },
        // `resume` is raised before a flow runs and never ends one.
        "config" | "resume" => flow::ErrorKind::Config,
        _ => flow::ErrorKind::Aborted,
    };
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("the sign-in was stopped");
    FlowError::new(kind, mask_jwts(message))
}

/// Text from outside (a server's error `message`, a wallet's error message) made safe to show:
/// JWT-shaped tokens and standalone runs of 6 to 8 digits (one-time codes; Ratio's have 6) are
/// masked, and the length is capped so a whole HTML page never becomes an error message.
pub fn sanitize_external_text(text: &str) -> String {
    const MAX_CHARS: usize = 200;
    let masked = mask_tokens(text, true);
    let mut out: String = masked.chars().take(MAX_CHARS).collect();
    if masked.chars().nth(MAX_CHARS).is_some() {
        out.push('…');
    }
    out
}

pub fn mask_jwts(text: &str) -> String {
    mask_tokens(text, false)
}

/// Splits `text` into runs of token characters (base64url and `.`) and masks the runs that look
/// like a JWT (`eyJ…` with two dots), or, when `digits` is set, like a one-time code.
fn mask_tokens(text: &str, digits: bool) -> String {
    // Tokens are ASCII, so the search runs on bytes and every cut is a char boundary (`get`
    // keeps str's slicing panic, and its message code, out of the wasm).
    let is_token_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.';
    let piece = |range: core::ops::Range<usize>| text.get(range).unwrap_or_default();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(start) = bytes[at..].iter().position(|&b| is_token_byte(b)) {
        let start = at + start;
        let end = bytes[start..]
            .iter()
            .position(|&b| !is_token_byte(b))
            .map_or(bytes.len(), |len| start + len);
        out.push_str(piece(at..start));
        let token = piece(start..end);
        let trimmed = token.trim_end_matches('.');
        let dots = trimmed.bytes().filter(|&b| b == b'.').count();
        let looks_like_jwt = trimmed.starts_with("eyJ") && dots >= 2;
        let looks_like_code = digits
            && (6..=8).contains(&trimmed.len())
            && trimmed.bytes().all(|b| b.is_ascii_digit());
        if looks_like_jwt || looks_like_code {
            out.push_str("***");
            out.push_str(piece(start + trimmed.len()..end));
        } else {
            out.push_str(token);
        }
        at = end;
    }
    out.push_str(piece(at..text.len()));
    out
}

fn error_text(error: JsError) -> String {
    Value::object([("error", error.to_json())]).to_json_string()
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

/// What the engine needs of the checked options (`npm/config.js`'s `engineConfig`):
/// `{"credentials": {"kind": "clientSecret", "clientId", "clientSecret"} | {"kind":
/// "clientSession", "sessionId"} | {"kind": "proxy"}, "deviceFingerprint"?, "retry": {...}}`.
/// The options were checked in JS; an unreadable object here is a driver bug, said as `config`.
fn client_config(value: &Value) -> Result<(ClientContext, RetryPolicy), JsError> {
    let bad = || JsError::config("the engine's settings could not be read");
    let credentials = value.get("credentials").ok_or_else(bad)?;
    let field = |name: &str| credentials.get(name).and_then(Value::as_str);
    let credentials = match credentials.get("kind").and_then(Value::as_str) {
        Some("clientSecret") => Credentials::ClientSecret {
            client_id: field("clientId").ok_or_else(bad)?.to_owned(),
            client_secret: Secret::new(field("clientSecret").ok_or_else(bad)?),
        },
        Some("clientSession") => Credentials::ClientSession {
            session_id: Secret::new(field("sessionId").ok_or_else(bad)?),
        },
        Some("proxy") => Credentials::Proxy,
        _ => return Err(bad()),
    };
    let mut client = ClientContext::new(credentials);
    client.device_fingerprint = value
        .get("deviceFingerprint")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut retry = RetryPolicy::default();
    if let Some(given) = value.get("retry") {
        let number = |name: &str| given.get(name).and_then(Value::as_u64);
        if let Some(n) = number("maxAttempts") {
            retry.max_attempts = u32::try_from(n).map_err(|_| bad())?;
        }
        retry.base_delay_ms = number("baseDelayMs").unwrap_or(retry.base_delay_ms);
        retry.max_delay_ms = number("maxDelayMs").unwrap_or(retry.max_delay_ms);
        retry.max_total_ms = number("maxTotalMs").unwrap_or(retry.max_total_ms);
    }
    Ok((client, retry))
}

/// The settings' JSON text, read.
fn settings(text: &str) -> Result<Value, JsError> {
    json::parse(text).map_err(|_| JsError::config("the engine's settings could not be read"))
}

fn flow_config(text: &str) -> Result<(FlowConfig, bool), JsError> {
    let value = settings(text)?;
    let (client, retry) = client_config(&value)?;
    let mut config = FlowConfig::new(client);
    config.retry = retry;
    // Snapshots are written only for a driver that keeps them (`flowStorage`).
    let keep_snapshots = value
        .get("snapshots")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok((config, keep_snapshots))
}

// ---------------------------------------------------------------------------------------------
// One sign-in
// ---------------------------------------------------------------------------------------------

/// One sign-in's engine and what the driver told it last.
pub struct Session {
    flow: Flow,
    keep_snapshots: bool,
    /// The browser's text of the last request that failed on the network (cleared by an
    /// answer): the engine quotes it in its `network` message, the JS error splits it out as
    /// `details`.
    network_detail: Option<String>,
    /// The driver's clock at its last input (snapshots are stamped with it).
    now_ms: u64,
}

impl Session {
    /// `start`: `{"wallet": "0x…", "firstFactor": "wallet" | "sms" | "email"}`; `seed`: 64 random
    /// bits as hex, for the back-off jitter.
    pub fn start(config: &str, start: &str, seed: &str, now_ms: u64) -> Result<Session, String> {
        let (config, keep_snapshots) = flow_config(config).map_err(error_text)?;
        let bad = || error_text(JsError::config("the sign-in's start could not be read"));
        let start = json::parse(start).map_err(|_| bad())?;
        let wallet = start
            .get("wallet")
            .and_then(Value::as_str)
            .and_then(|text| Address::parse(text).ok())
            .ok_or_else(bad)?;
        let first_factor = match start.get("firstFactor").and_then(Value::as_str) {
            None | Some("wallet") => FirstFactor::Wallet,
            Some("sms") => FirstFactor::Sms,
            Some("email") => FirstFactor::Email,
            Some(_) => return Err(bad()),
        };
        let seed = u64::from_str_radix(seed, 16).unwrap_or(0x9e37_79b9_7f4a_7c15);
        let flow = Flow::new(
            config,
            Start {
                wallet,
                first_factor,
            },
            seed,
            now_ms,
        );
        Ok(Session {
            flow,
            keep_snapshots,
            network_detail: None,
            now_ms,
        })
    }

    /// The saved sign-in `snapshot`, continued by `account` (the provider's account now). An
    /// error object says why not: `otherWallet` (nothing to clear: switching back still
    /// resumes), `expired` or `unreadable` (the driver clears the saved sign-in).
    pub fn resume(
        config: &str,
        snapshot: &str,
        account: &str,
        now_ms: u64,
    ) -> Result<Session, String> {
        let (config, keep_snapshots) = flow_config(config).map_err(error_text)?;
        let snapshot =
            FlowSnapshot::from_json(snapshot).map_err(|e| error_text(snapshot_error(&e)))?;
        let summary = snapshot
            .summary(now_ms)
            .map_err(|e| error_text(snapshot_error(&e)))?;
        let account = Address::parse(account)
            .map_err(|_| error_text(JsError::config("the wallet's account could not be read")))?;
        if account != summary.wallet_address {
            return Err(error_text(JsError::resume(
                "otherWallet",
                [
                    "the saved sign-in is for ",
                    &summary.wallet_address.to_checksum(),
                    ", but the wallet's account is ",
                    &account.to_checksum(),
                ]
                .concat(),
            )));
        }
        let flow =
            Flow::restore(config, &snapshot, now_ms).map_err(|e| error_text(snapshot_error(&e)))?;
        Ok(Session {
            flow,
            keep_snapshots,
            network_detail: None,
            now_ms,
        })
    }

    /// Feeds one input and answers what to do next. Inputs (each with `"now"`, unix ms):
    /// - nothing else: the first step;
    /// - `"response": {"status", "retryAfter"?, "refreshJwt"?, "body"}`;
    /// - `"transport": "timeout"` or `"transport": {"network": "the browser's text"}`;
    /// - `"signature": "0x…"` or `"signError": {"kind": "userRejected" | "timeout" | "other",
    ///   "code"?, "message"}`;
    /// - `"hasCode": bool` or `"codeError": {...}` (as `signError`);
    /// - `"answer": {"text": "…"} | "resend" | {"confirm": bool} | "cancel"`;
    /// - `"timer": true`;
    /// - `"stop": {JS error fields}`: the driver ends the flow itself.
    ///
    /// The answer: `{"action": {...}, "events": [...], "snapshot"?: "…"}` where the action is one
    /// of `{"http": {"method", "path", "headers": [[name, value]], "body"?}}`, `{"sign":
    /// {"address", "message"}}`, `{"getCode": {"address"}}`, `{"ask": {"prompt": {...}}}`,
    /// `{"wait": {"untilMs"}}`, `{"done": {"result": {...}}}`, `{"fail": {"error": {...}}}`, and
    /// `snapshot` (with `snapshots: true` in the settings) is the flow to save while it waits
    /// for a person or a back-off.
    pub fn step(&mut self, input: &str) -> String {
        match json::parse(input) {
            Ok(input) => self.feed(&input),
            Err(_) => self.flow.cancel_with(FlowError::new(
                flow::ErrorKind::Config,
                "the driver sent the engine an unreadable input",
            )),
        }
        self.output()
    }

    fn feed(&mut self, input: &Value) {
        let now = input
            .get("now")
            .and_then(Value::as_u64)
            .unwrap_or(self.now_ms);
        self.now_ms = now;
        let text = |name: &str| input.get(name).and_then(Value::as_str);
        if let Some(response) = input.get("response") {
            self.network_detail = None;
            let field = |name: &str| response.get(name).and_then(Value::as_str);
            let status = response
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(0);
            self.flow.on_http(
                now,
                Ok(HttpResponse {
                    status,
                    retry_after: field("retryAfter").map(str::to_owned),
                    refresh_jwt: field("refreshJwt").map(Secret::new),
                    body: field("body").unwrap_or_default().to_owned(),
                }),
            );
        } else if let Some(transport) = input.get("transport") {
            let error = match transport.get("network") {
                Some(detail) => {
                    let detail = detail.as_str().unwrap_or_default().to_owned();
                    self.network_detail = Some(detail.clone());
                    api::TransportError::Network(detail)
                }
                None => {
                    self.network_detail = None;
                    api::TransportError::Timeout
                }
            };
            self.flow.on_http(now, Err(error));
        } else if let Some(signature) = text("signature") {
            self.flow.on_signature(now, Ok(signature.to_owned()));
        } else if let Some(error) = input.get("signError") {
            self.flow.on_signature(now, Err(wallet_error(error)));
        } else if let Some(has_code) = input.get("hasCode").and_then(Value::as_bool) {
            self.flow.on_code(now, Ok(has_code));
        } else if let Some(error) = input.get("codeError") {
            self.flow.on_code(now, Err(wallet_error(error)));
        } else if let Some(answer) = input.get("answer") {
            let answer = match answer {
                Value::String(word) if word == "resend" => Answer::ResendOtp,
                Value::String(_) => Answer::Cancel,
                other => match (other.get("text"), other.get("confirm")) {
                    (Some(text), _) => Answer::text(text.as_str().unwrap_or_default()),
                    (None, Some(yes)) => Answer::Confirm(yes.as_bool().unwrap_or(false)),
                    _ => Answer::Cancel,
                },
            };
            self.flow.on_answer(now, answer);
        } else if input.get("timer").is_some() {
            self.flow.on_timer(now);
        } else if let Some(error) = input.get("stop") {
            self.flow.cancel_with(flow_error_from_js(error));
        }
    }

    fn output(&mut self) -> String {
        let action = match self.flow.next_action() {
            Action::Http(request) => Value::object([("http", request_json(request))]),
            Action::Sign { address, message } => Value::object([(
                "sign",
                Value::object([
                    ("address", Value::from(address.to_lower_hex())),
                    ("message", Value::from(message)),
                ]),
            )]),
            Action::GetCode { address } => Value::object([(
                "getCode",
                Value::object([("address", Value::from(address.to_lower_hex()))]),
            )]),
            Action::Ask(prompt) => Value::object([(
                "ask",
                Value::object([
                    ("name", Value::from(prompt_name(&prompt))),
                    ("prompt", drop_nulls(prompt.to_json())),
                ]),
            )]),
            Action::Wait { until_ms } => Value::object([(
                "wait",
                Value::object([("untilMs", Value::from(js_safe(until_ms)))]),
            )]),
            Action::Done(outcome) => {
                Value::object([("done", Value::object([("result", outcome_json(&outcome))]))])
            }
            Action::Fail(error) => Value::object([(
                "fail",
                Value::object([("error", self.final_error(&error).to_json())]),
            )]),
        };
        let events = Value::Array(
            self.flow
                .drain_events()
                .iter()
                .map(|event| drop_nulls(event.to_json()))
                .collect(),
        );
        let snapshot = (self.keep_snapshots && !self.flow.is_finished())
            .then(|| self.flow.snapshot(self.now_ms).ok())
            .flatten()
            .map(|snapshot| Value::from(snapshot.to_json()));
        Value::object_without_none([
            ("action", Some(action)),
            ("events", Some(events)),
            ("snapshot", snapshot),
        ])
        .to_json_string()
    }

    /// A `network` failure gets the browser's text of the last failed request as `details`: the
    /// engine's message quotes it, `shortMessage` is that message without it.
    fn final_error(&self, error: &FlowError) -> JsError {
        let mut out = flow_error_to_js(error);
        if let (flow::ErrorKind::Network, Some(detail)) = (&error.kind, &self.network_detail) {
            let quoted = [": ", detail.as_str()].concat();
            // A byte-window search: `str::find` with a string pattern links core's two-way
            // searcher (1.9 KB of the wasm) for this one call.
            let at = error
                .message
                .as_bytes()
                .windows(quoted.len())
                .position(|window| window == quoted.as_bytes());
            let parts = at.and_then(|at| {
                Some((
                    error.message.get(..at)?,
                    error.message.get(at + quoted.len()..)?,
                ))
            });
            if let Some((before, after)) = parts {
                let short = [before, after].concat();
                let clean = sanitize_external_text(detail);
                if !clean.trim().is_empty() {
                    out.short_message = Some(mask_jwts(&short));
                    out.details = Some(clean);
                }
            }
        }
        out
    }
}

fn wallet_error(error: &Value) -> flow::WalletError {
    match error.get("kind").and_then(Value::as_str) {
        Some("userRejected") => flow::WalletError::UserRejected,
        Some("timeout") => flow::WalletError::Timeout,
        _ => flow::WalletError::Other {
            code: error.get("code").and_then(Value::as_i64),
            message: error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        },
    }
}

fn prompt_name(prompt: &flow::Prompt) -> &'static str {
    match prompt {
        flow::Prompt::PhoneNumber { .. } => "phoneNumber",
        flow::Prompt::Email { .. } => "email",
        flow::Prompt::Otp { .. } => "otp",
        flow::Prompt::ConfirmLink { .. } => "confirmLink",
    }
}

/// `{"method", "path", "headers": [[name, value]], "body"?}`: a request for the JS to send.
fn request_json(request: api::HttpRequest) -> Value {
    Value::object_without_none([
        ("method", Some(request.method.to_json())),
        ("path", Some(Value::from(request.path))),
        ("headers", Some(headers_json(request.headers))),
        ("body", request.body.map(Value::from)),
    ])
}

fn headers_json(headers: Vec<(String, String)>) -> Value {
    Value::Array(
        headers
            .into_iter()
            .map(|(name, value)| Value::Array(vec![Value::from(name), Value::from(value)]))
            .collect(),
    )
}

/// `null` fields left out, so that they read as `undefined` in JS, as the `.d.ts` promises for
/// absent optional fields.
fn drop_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, drop_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(drop_nulls).collect()),
        other => other,
    }
}

fn factor_names(factors: &[jwt::FactorKind]) -> Value {
    let mut names: Vec<Value> = Vec::new();
    for factor in factors {
        let name = Value::from(factor.as_str());
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Value::Array(names)
}

/// A JWT `exp` (unix seconds) as JS milliseconds, clamped to ±2^53 − 1.
fn unix_seconds_to_ms(seconds: i64) -> Value {
    let limit = MAX_SAFE_INTEGER as i64;
    Value::from(seconds.saturating_mul(1000).clamp(-limit, limit))
}

/// `RatioAuthSignInResult`.
fn outcome_json(outcome: &Outcome) -> Value {
    Value::object_without_none([
        (
            "sessionJwt",
            Some(Value::from(outcome.session_jwt.expose())),
        ),
        ("path", Some(Value::from(outcome.path.as_str()))),
        (
            "walletAddress",
            Some(Value::from(outcome.wallet_address.to_checksum())),
        ),
        ("walletVerified", Some(Value::from(outcome.wallet_verified))),
        (
            "walletKind",
            Some(Value::from(outcome.wallet_kind.as_str())),
        ),
        ("factors", Some(factor_names(&outcome.factors))),
        (
            "userMask",
            outcome.user_mask.as_ref().map(|m| drop_nulls(m.to_json())),
        ),
        ("expiresAt", outcome.expires_at.map(unix_seconds_to_ms)),
    ])
}

fn snapshot_error(error: &flow::SnapshotError) -> JsError {
    let reason = match error {
        flow::SnapshotError::Expired { .. } => "expired",
        flow::SnapshotError::NotSavable(_)
        | flow::SnapshotError::UnknownVersion(_)
        | flow::SnapshotError::Unreadable(_) => "unreadable",
    };
    JsError::resume(reason, text!(error))
}

// ---------------------------------------------------------------------------------------------
// One call each
// ---------------------------------------------------------------------------------------------

/// The saved sign-in as `RatioAuthPendingSignIn` (`{"pending": {...}}`), or `{"error": ...}`
/// when it expired or cannot be read (the driver then clears it).
pub fn pending_sign_in(snapshot: &str, now_ms: u64) -> String {
    let read = FlowSnapshot::from_json(snapshot).and_then(|snapshot| snapshot.summary(now_ms));
    match read {
        Ok(summary) => Value::object([(
            "pending",
            Value::object_without_none([
                (
                    "path",
                    Some(
                        summary
                            .path
                            .map_or(Value::Null, |p| Value::from(p.as_str())),
                    ),
                ),
                ("step", Some(Value::from(summary.step.as_str()))),
                (
                    "walletAddress",
                    Some(Value::from(summary.wallet_address.to_checksum())),
                ),
                ("phoneMask", summary.phone_mask.map(Value::from)),
                ("emailMask", summary.email_mask.map(Value::from)),
                (
                    "expiresAt",
                    Some(Value::from(js_safe(summary.expires_at_ms))),
                ),
            ]),
        )])
        .to_json_string(),
        Err(error) => error_text(snapshot_error(&error)),
    }
}

/// What a session JWT says about itself (read, not verified): `{"factors"?, "expiresAt"?,
/// "expired"?}`; `{}` for a string that is not a readable JWT.
pub fn session_info(jwt: &str, now_ms: u64) -> String {
    let Ok(claims) = jwt::read_claims(jwt) else {
        return "{}".to_owned();
    };
    let kinds: Vec<jwt::FactorKind> = claims.factors.iter().map(|f| f.kind).collect();
    let mut map = Map::new();
    map.insert("factors".to_owned(), factor_names(&kinds));
    if let Some(exp) = claims.expires_at {
        map.insert("expiresAt".to_owned(), unix_seconds_to_ms(exp));
        map.insert("expired".to_owned(), Value::from(claims.is_expired(now_ms)));
    }
    Value::Object(map).to_json_string()
}

/// The request of `auth.api[name]`: `config` as for a session, `request` the JSON text of the
/// app's argument (a plain copy made by the JS; for `getUser`, the user id), `jwt` the bearer
/// (none when empty). `{"request": {"method", "path", "headers", "body"?}}` or `{"error": ...}`.
pub fn api_request(name: &str, config: &str, request: &str, jwt: Option<&str>) -> String {
    let built = settings(config)
        .and_then(|config| client_config(&config))
        .and_then(|(client, _)| {
            let value = json::parse(request).map_err(|_| bad_argument(name, expected(name)))?;
            let bearer = jwt.filter(|jwt| !jwt.trim().is_empty()).map(Secret::new);
            build_call(name, &value, &client, bearer.as_ref())
        });
    match built {
        Ok(request) => Value::object([("request", request_json(request))]).to_json_string(),
        Err(error) => error_text(error),
    }
}

/// What each call's argument must look like, for its `config` error (never the argument itself:
/// it may hold a code or personal data).
fn expected(name: &str) -> &'static str {
    match name {
        "walletStart" | "walletAddToUser" => {
            "{ walletAddress } with a 0x-address (EIP-55 when mixed case)"
        }
        "walletAuthenticate" => "{ walletAddress: string, signature: string }",
        "smsSend" => "{ phoneNumber: string }",
        "smsAuthenticate" => "{ phoneId: string, otp: string }",
        "emailSend" => "{ emailAddress: string }",
        "emailAuthenticate" => "{ emailId: string, otp: string }",
        "createUser" => {
            "{ firstName, lastName, email, country, phone: string, acceptedTerms: boolean, middleName?: string }"
        }
        "getUser" => "a non-empty userId",
        _ => "a known call",
    }
}

fn bad_argument(name: &str, expected: &str) -> JsError {
    JsError::config(["api.", name, " expects ", expected].concat())
}

fn build_call(
    name: &str,
    value: &Value,
    client: &ClientContext,
    bearer: Option<&Secret>,
) -> Result<api::HttpRequest, JsError> {
    let bad = || bad_argument(name, expected(name));
    let address = || {
        value
            .get("walletAddress")
            .and_then(Value::as_str)
            .and_then(|text| Address::parse(text.trim()).ok())
            .ok_or_else(bad)
    };
    fn http<C: ApiCall>(
        call: C,
        name: &str,
        client: &ClientContext,
        bearer: Option<&Secret>,
    ) -> Result<api::HttpRequest, JsError> {
        call.to_http(client, bearer).map_err(|_| {
            JsError::config(["api.", name, ": the request could not be encoded"].concat())
        })
    }
    fn typed<C: ApiCall + FromJson>(
        value: &Value,
        name: &str,
        client: &ClientContext,
        bearer: Option<&Secret>,
    ) -> Result<api::HttpRequest, JsError> {
        let call = C::from_json(value).map_err(|_| bad_argument(name, expected(name)))?;
        http(call, name, client, bearer)
    }
    match name {
        "walletStart" => http(WalletStartRequest::new(address()?), name, client, bearer),
        "walletAuthenticate" => {
            let address = address()?;
            let signature = value
                .get("signature")
                .and_then(Value::as_str)
                .ok_or_else(bad)?;
            http(
                WalletAuthenticateRequest::new(address, signature),
                name,
                client,
                bearer,
            )
        }
        "walletAddToUser" => http(AddToUserRequest::new(address()?), name, client, bearer),
        "smsSend" => typed::<SmsSendRequest>(value, name, client, bearer),
        "smsAuthenticate" => typed::<SmsAuthenticateRequest>(value, name, client, bearer),
        "emailSend" => typed::<EmailSendRequest>(value, name, client, bearer),
        "emailAuthenticate" => typed::<EmailAuthenticateRequest>(value, name, client, bearer),
        "createUser" => typed::<CreateUserRequest>(value, name, client, bearer),
        "getUser" => match value.as_str() {
            Some(user_id) if !user_id.trim().is_empty() => http(
                GetUserRequest {
                    user_id: user_id.to_owned(),
                },
                name,
                client,
                bearer,
            ),
            _ => Err(bad()),
        },
        _ => Err(JsError::config(["api.", name, " is not a call"].concat())),
    }
}

/// The answer of `auth.api[name]`: `response` as `{"status", "retryAfter"?, "body"}` (the JS adds
/// `refreshJwt` itself). `{"ok": {...the camelCase body}}` or `{"error": ...}`, with the kinds
/// the engine gives the same answers in a flow.
pub fn api_response(name: &str, response: &str, now_ms: u64) -> String {
    let Ok(value) = json::parse(response) else {
        return error_text(JsError::new(
            "badResponse",
            ["api.", name, ": the answer could not be read"].concat(),
        ));
    };
    let status = value
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(0);
    let retry_after = value.get("retryAfter").and_then(Value::as_str);
    let response = HttpResponse::new(
        status,
        value
            .get("body")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    );
    fn body<C: ApiCall>(response: &HttpResponse) -> Result<Value, ApiError>
    where
        C::Response: BodyJson,
    {
        C::decode(response).map(|body| body.body_json())
    }
    let decoded = match name {
        "walletStart" => body::<WalletStartRequest>(&response),
        "walletAuthenticate" => body::<WalletAuthenticateRequest>(&response),
        "walletAddToUser" => body::<AddToUserRequest>(&response),
        "smsSend" => body::<SmsSendRequest>(&response),
        "smsAuthenticate" => body::<SmsAuthenticateRequest>(&response),
        "emailSend" => body::<EmailSendRequest>(&response),
        "emailAuthenticate" => body::<EmailAuthenticateRequest>(&response),
        "createUser" => body::<CreateUserRequest>(&response),
        "getUser" => body::<GetUserRequest>(&response),
        _ => return error_text(JsError::config(["api.", name, " is not a call"].concat())),
    };
    match decoded {
        Ok(body) => Value::object([("ok", body)]).to_json_string(),
        Err(error) => error_text(api_error(name, &error, retry_after, now_ms)),
    }
}

/// Non-2xx and unreadable answers.
fn api_error(name: &str, error: &ApiError, retry_after: Option<&str>, now_ms: u64) -> JsError {
    let what = text!("api.", name, ": ", error);
    match error {
        ApiError::Status { status, body } => {
            let code = body.as_ref().and_then(|body| body.code.as_ref());
            let server = body.as_ref().map_or("", |body| body.message.as_str());
            let kind = flow::kind_for_status(*status, code);
            let mut out = JsError::detailed(kind.as_str(), &what, server, true);
            out.status = Some(*status);
            out.code = code.map(|code| code.as_str().to_owned());
            if *status == 429 {
                out.retry_at_ms = retry_after
                    .and_then(parse_retry_after)
                    .map(|after| after.until(now_ms));
            }
            out
        }
        ApiError::Malformed { status, .. } => {
            let mut out = JsError::new("badResponse", what);
            out.status = Some(*status);
            out
        }
        ApiError::Encode { .. } => JsError::config(what),
    }
}

/// A response body as the JSON object the call resolves to.
trait BodyJson {
    fn body_json(&self) -> Value;
}

macro_rules! serialised_body {
    ($($ty:ty),*) => {$(
        impl BodyJson for $ty {
            fn body_json(&self) -> Value {
                match drop_nulls(self.to_json()) {
                    object @ Value::Object(_) => object,
                    // `{}` bodies serialise to an object too; anything else would be a bug,
                    // but the caller still gets an object to put `refreshJwt` on.
                    _ => Value::Object(Map::new()),
                }
            }
        }
    )*};
}

serialised_body!(
    api::WalletStartResponse,
    api::EmptyResponse,
    api::SmsSendResponse,
    api::EmailSendResponse,
    api::User
);

impl BodyJson for api::AuthResponse {
    // No `ToJson` on purpose (it holds the JWT): written out here, where the app asked for it.
    fn body_json(&self) -> Value {
        Value::object_without_none([
            ("sessionJwt", Some(Value::from(self.session_jwt.expose()))),
            (
                "userMask",
                self.user_mask.as_ref().map(|m| drop_nulls(m.to_json())),
            ),
            ("user", self.user.as_ref().map(|u| drop_nulls(u.to_json()))),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_masked_between_any_characters() {
        let jwt = "eyJhbGciOi.eyJzdWIi.c2ln";
        assert_eq!(mask_jwts(&[jwt, "."].concat()), "***.");
        assert_eq!(mask_jwts(&["é", jwt, "…ü"].concat()), "é***…ü");
        assert_eq!(mask_jwts("code 123456 kept"), "code 123456 kept");
        assert_eq!(
            sanitize_external_text("¡code 1234567! ünd 12345 eyJa.b"),
            "¡code ***! ünd 12345 eyJa.b"
        );
        assert_eq!(mask_jwts(""), "");
        assert_eq!(mask_jwts("…"), "…");
    }
}
