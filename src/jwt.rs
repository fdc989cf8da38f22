//! Read-only decoding of Ratio's session JWTs (Stytch session JWTs).
//!
//! **Nothing here verifies a token.** No signature is checked, no key is fetched, and `exp` is
//! only read, never enforced. The client reads the payload for one purpose: to know which
//! factors a token carries (wallet, SMS, email), who it is for and roughly when it expires, so
//! that the flow engine picks the right token for the next request. The server is the only judge
//! of a token's validity; a token that reads well here can still be refused there.
//!
//! The factors come from the claim `https://stytch.com/session` → `authentication_factors`, one
//! entry per authenticated factor (shapes in `ratio-api.md`, "The session JWT"):
//! - `delivery_method: "crypto_wallet"` (or `type: "crypto"`) → [`FactorKind::Wallet`], detail
//!   `crypto_wallet_factor.crypto_wallet_address`;
//! - `delivery_method: "sms"` → [`FactorKind::Sms`], detail `phone_number_factor.phone_number`;
//! - `delivery_method: "email"` → [`FactorKind::Email`], detail `email_factor.email_address`;
//! - anything else → [`FactorKind::Other`].
//!
//! Reading is tolerant where tokens legitimately vary (a missing or oddly shaped session claim =
//! no factors, unknown factor types, extra fields, base64url with or without padding, dates as
//! integers or floats) and strict where the token is broken (wrong number of parts, bad base64,
//! bad JSON, a registered claim `sub`/`iat`/`exp` of the wrong type): those give a typed
//! [`JwtReadError`], never a panic. Error
//! messages never contain the token or any piece of it.

use crate::prelude::*;

use crate::json::{self, FromJson, Map, ShapeError, ToJson, Value};

/// The claim that carries Stytch's session, factors included.
pub const SESSION_CLAIM: &str = "https://stytch.com/session";

/// Decodes base64url (RFC 4648 §5). JWTs are unpadded by the spec, but some encoders pad:
/// both are accepted (padding only after a last group of 2 or 3 symbols, at most up to 4), and
/// the unused bits of the last
/// symbol must be zero (one text, one meaning), as the `base64` crate does with
/// `DecodePaddingMode::Indifferent`; the tests check it against that crate.
///
/// By hand: the crate's engine cost 3.6 KB of the wasm for these few lines.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let data = bytes.len() - bytes.iter().rev().take_while(|b| **b == b'=').count();
    let padding = bytes.len() - data;
    // Padding may only complete a last group of 2 or 3 symbols, and not overfill it.
    if data % 4 == 1 || (padding > 0 && (data % 4 == 0 || padding > 4 - data % 4)) {
        return None;
    }
    let mut out = Vec::with_capacity(data * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in &bytes[..data] {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Left-over bits of the last symbol must be zero.
    (acc == 0).then_some(out)
}

/// The kind of an authentication factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FactorKind {
    /// A crypto wallet signature.
    Wallet,
    /// An SMS one-time code.
    Sms,
    /// An email one-time code (or magic link).
    Email,
    /// A factor this SDK does not use (OAuth, TOTP, WhatsApp, …).
    Other,
}

impl FactorKind {
    /// `"wallet"`, `"sms"`, `"email"` or `"other"` (the same as the JSON form).
    pub fn as_str(self) -> &'static str {
        match self {
            FactorKind::Wallet => "wallet",
            FactorKind::Sms => "sms",
            FactorKind::Email => "email",
            FactorKind::Other => "other",
        }
    }
}

impl Piece for FactorKind {
    fn push_to(&self, out: &mut String) {
        out.push_str(self.as_str())
    }
}

crate::text::display_by_piece!(FactorKind);

impl ToJson for FactorKind {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
}

impl FromJson for FactorKind {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        match value.as_str() {
            Some("wallet") => Ok(FactorKind::Wallet),
            Some("sms") => Ok(FactorKind::Sms),
            Some("email") => Ok(FactorKind::Email),
            Some("other") => Ok(FactorKind::Other),
            _ => Err(ShapeError::WrongType("kind")),
        }
    }
}

/// One entry of `authentication_factors`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Factor {
    pub kind: FactorKind,
    /// Wallet address, phone number or email address, exactly as the token writes it
    /// (no case or format normalisation); `None` when absent or for [`FactorKind::Other`].
    pub detail: Option<String>,
}

/// What a session JWT says about itself. Read, not verified: see the [module docs](self).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionClaims {
    /// `sub`: the Stytch user id.
    pub subject: Option<String>,
    /// `iat`, unix seconds (a fractional value is rounded down).
    pub issued_at: Option<i64>,
    /// `exp`, unix seconds (a fractional value is rounded down).
    pub expires_at: Option<i64>,
    /// The session claim's `id` (or `session_id`).
    pub session_id: Option<String>,
    /// The factors in token order; empty when the session claim is missing.
    pub factors: Vec<Factor>,
}

/// `{kind, detail}` (`detail: null` when absent).
impl ToJson for Factor {
    fn to_json(&self) -> Value {
        Value::object([
            ("kind", self.kind.to_json()),
            ("detail", Value::from(self.detail.as_ref())),
        ])
    }
}

/// `{subject, issued_at, expires_at, session_id, factors}` (snake_case; `null` when absent).
impl ToJson for SessionClaims {
    fn to_json(&self) -> Value {
        Value::object([
            ("subject", Value::from(self.subject.as_ref())),
            ("issued_at", Value::from(self.issued_at)),
            ("expires_at", Value::from(self.expires_at)),
            ("session_id", Value::from(self.session_id.as_ref())),
            (
                "factors",
                Value::Array(self.factors.iter().map(ToJson::to_json).collect()),
            ),
        ])
    }
}

impl SessionClaims {
    /// Whether the token carries at least one factor of this kind.
    pub fn has(&self, kind: FactorKind) -> bool {
        self.factors.iter().any(|f| f.kind == kind)
    }

    /// The detail of the first factor of this kind that has one (e.g. the wallet address).
    pub fn detail(&self, kind: FactorKind) -> Option<&str> {
        self.factors
            .iter()
            .filter(|f| f.kind == kind)
            .find_map(|f| f.detail.as_deref())
    }

    /// The number of **distinct kinds** of factor: two SMS entries count once, and all
    /// [`FactorKind::Other`] entries together count once.
    pub fn factor_count(&self) -> usize {
        [
            FactorKind::Wallet,
            FactorKind::Sms,
            FactorKind::Email,
            FactorKind::Other,
        ]
        .into_iter()
        .filter(|k| self.has(*k))
        .count()
    }

    /// At least two distinct kinds of factor (see [`factor_count`](Self::factor_count)).
    pub fn is_two_factor(&self) -> bool {
        self.factor_count() >= 2
    }

    /// Whether the token is expired at `now_unix_ms + margin_ms`, i.e. `exp * 1000 <= now + margin`
    /// (a JWT is not valid *at* its `exp`). `false` when the token has no `exp`: the client cannot
    /// tell, and the server's `EXPIRED_JWT` stays the authority.
    pub fn expires_within(&self, now_unix_ms: u64, margin_ms: u64) -> bool {
        match self.expires_at {
            // i128: no product or sum here can overflow it.
            Some(exp) => i128::from(exp) * 1000 <= i128::from(now_unix_ms) + i128::from(margin_ms),
            None => false,
        }
    }

    /// Shorthand for [`expires_within(now_unix_ms, 0)`](Self::expires_within).
    pub fn is_expired(&self, now_unix_ms: u64) -> bool {
        self.expires_within(now_unix_ms, 0)
    }
}

/// The three dot-separated parts of a compact JWT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JwtPart {
    Header,
    Payload,
    Signature,
}

impl Piece for JwtPart {
    fn push_to(&self, out: &mut String) {
        out.push_str(match self {
            JwtPart::Header => "header",
            JwtPart::Payload => "payload",
            JwtPart::Signature => "signature",
        })
    }
}

crate::text::display_by_piece!(JwtPart);

/// Why a token could not be read. No variant holds any part of the token, so neither `Display`
/// nor `Debug` can leak it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JwtReadError {
    /// Empty (or whitespace only).
    Empty,
    /// Not `header.payload.signature`; `found` is the number of dot-separated parts.
    NotThreeParts { found: usize },
    /// A part is not base64url.
    BadBase64 { part: JwtPart },
    /// The header or payload is not JSON (or not UTF-8).
    BadJson { part: JwtPart },
    /// The header or payload is JSON but not an object.
    NotAnObject { part: JwtPart },
    /// A registered claim has the wrong type (e.g. `exp` as a string).
    BadClaim { claim: &'static str },
}

impl Piece for JwtReadError {
    fn push_to(&self, out: &mut String) {
        match self {
            JwtReadError::Empty => out.push_str("the session token is empty"),
            JwtReadError::NotThreeParts { found } => out.push_str(&text!(
                "the session token is not a JWT: expected 3 dot-separated parts, found ",
                found
            )),
            JwtReadError::BadBase64 { part } => out.push_str(&text!(
                "the session token's ",
                part,
                " is not valid base64url"
            )),
            JwtReadError::BadJson { part } => {
                out.push_str(&text!("the session token's ", part, " is not valid JSON"))
            }
            JwtReadError::NotAnObject { part } => out.push_str(&text!(
                "the session token's ",
                part,
                " is not a JSON object"
            )),
            JwtReadError::BadClaim { claim } => out.push_str(&text!(
                "the session token's claim `",
                claim,
                "` has an unexpected type"
            )),
        }
    }
}

crate::text::display_by_piece!(JwtReadError);

impl core::error::Error for JwtReadError {}

/// Reads (does **not** verify) a compact session JWT. See the [module docs](self).
///
/// Surrounding whitespace is ignored. Header and payload must be base64url JSON objects, the
/// signature must be base64url (it may be empty; it is never checked).
pub fn read_claims(jwt: &str) -> Result<SessionClaims, JwtReadError> {
    let jwt = jwt.trim();
    if jwt.is_empty() {
        return Err(JwtReadError::Empty);
    }
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header, payload, signature] = parts.as_slice() else {
        return Err(JwtReadError::NotThreeParts { found: parts.len() });
    };
    decode_object(header, JwtPart::Header)?;
    let payload = decode_object(payload, JwtPart::Payload)?;
    base64url_decode(signature).ok_or(JwtReadError::BadBase64 {
        part: JwtPart::Signature,
    })?;
    claims_from_payload(&payload)
}

/// Decodes one part to a JSON object. The underlying errors are dropped on purpose: base64's
/// messages can quote bytes of the input.
fn decode_object(part: &str, which: JwtPart) -> Result<Map, JwtReadError> {
    let bytes = base64url_decode(part).ok_or(JwtReadError::BadBase64 { part: which })?;
    match json::parse_bytes(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(JwtReadError::NotAnObject { part: which }),
        Err(_) => Err(JwtReadError::BadJson { part: which }),
    }
}

fn claims_from_payload(payload: &Map) -> Result<SessionClaims, JwtReadError> {
    let mut claims = SessionClaims {
        subject: opt_string(payload.get("sub"), "sub")?,
        issued_at: opt_unix_seconds(payload.get("iat"), "iat")?,
        expires_at: opt_unix_seconds(payload.get("exp"), "exp")?,
        ..SessionClaims::default()
    };
    // The session claim is advisory: Ratio does not promise its shape, and the flow engine
    // knows which factor produced which token. Whatever cannot be read here reads as "no
    // factors" (the engine then relies on its own ledger), never as a broken token.
    let Some(Value::Object(session)) = payload.get(SESSION_CLAIM) else {
        return Ok(claims);
    };
    let text = |key: &str| session.get(key).and_then(Value::as_str).map(str::to_owned);
    claims.session_id = text("id").or_else(|| text("session_id"));
    if let Some(Value::Array(factors)) = session.get("authentication_factors") {
        claims.factors = factors
            .iter()
            .filter_map(|f| match f {
                Value::Object(f) => Some(read_factor(f)),
                _ => None,
            })
            .collect();
    }
    Ok(claims)
}

/// One factor entry. Unknown shapes become [`FactorKind::Other`] rather than errors: a session
/// may hold factors this SDK never uses, and they must not stop it from reading the others.
fn read_factor(f: &Map) -> Factor {
    let str_of = |key: &str| f.get(key).and_then(Value::as_str);
    let kind = match (str_of("delivery_method"), str_of("type")) {
        (Some("crypto_wallet"), _) => FactorKind::Wallet,
        (Some("sms"), _) => FactorKind::Sms,
        (Some("email"), _) => FactorKind::Email,
        (_, Some("crypto")) => FactorKind::Wallet,
        // No delivery method at all: the detail object present says which factor it is.
        (None, _) if f.contains_key("crypto_wallet_factor") => FactorKind::Wallet,
        (None, _) if f.contains_key("phone_number_factor") => FactorKind::Sms,
        (None, _) if f.contains_key("email_factor") => FactorKind::Email,
        _ => FactorKind::Other,
    };
    let (object, field) = match kind {
        FactorKind::Wallet => ("crypto_wallet_factor", "crypto_wallet_address"),
        FactorKind::Sms => ("phone_number_factor", "phone_number"),
        FactorKind::Email => ("email_factor", "email_address"),
        FactorKind::Other => return Factor { kind, detail: None },
    };
    // The detail is informational: a missing or odd one leaves it `None` rather than failing.
    let detail = f
        .get(object)
        .and_then(|o| o.get(field))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Factor { kind, detail }
}

fn opt_string(v: Option<&Value>, claim: &'static str) -> Result<Option<String>, JwtReadError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(JwtReadError::BadClaim { claim }),
    }
}

/// A NumericDate (RFC 7519): integer or float seconds; floats are rounded down (on the digits,
/// without floats); beyond `i64` is a [`JwtReadError::BadClaim`].
fn opt_unix_seconds(v: Option<&Value>, claim: &'static str) -> Result<Option<i64>, JwtReadError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.floor_i64())
            .map(Some)
            .ok_or(JwtReadError::BadClaim { claim }),
        Some(_) => Err(JwtReadError::BadClaim { claim }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use serde_json::{Value, json};

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    fn token(payload: &Value) -> String {
        let header = json!({"alg": "ES256", "typ": "JWT"});
        format!(
            "{}.{}.{}",
            b64(header.to_string().as_bytes()),
            b64(payload.to_string().as_bytes()),
            b64(b"not-a-real-signature")
        )
    }

    fn wallet_entry(addr: &str) -> Value {
        json!({"type": "crypto", "delivery_method": "crypto_wallet",
               "crypto_wallet_factor": {"crypto_wallet_address": addr, "crypto_wallet_type": "ethereum"}})
    }
    fn sms_entry(phone: &str) -> Value {
        json!({"type": "otp", "delivery_method": "sms",
               "phone_number_factor": {"phone_id": "phone-test-1", "phone_number": phone}})
    }
    fn email_entry(email: &str) -> Value {
        json!({"type": "otp", "delivery_method": "email",
               "email_factor": {"email_id": "email-test-1", "email_address": email}})
    }

    fn with_factors(factors: Vec<Value>) -> Value {
        json!({"sub": "user-test-1", "iat": 1_700_000_000, "exp": 1_700_000_300, "iss": "stytch.com/project-test",
               SESSION_CLAIM: {"id": "session-test-1", "authentication_factors": factors}})
    }

    fn read(payload: &Value) -> SessionClaims {
        read_claims(&token(payload)).unwrap()
    }

    const ADDR: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

    #[test]
    fn wallet_factor() {
        let c = read(&with_factors(vec![wallet_entry(ADDR)]));
        assert_eq!(
            c.factors,
            vec![Factor {
                kind: FactorKind::Wallet,
                detail: Some(ADDR.into())
            }]
        );
        assert!(c.has(FactorKind::Wallet) && !c.has(FactorKind::Sms));
        assert_eq!(c.detail(FactorKind::Wallet), Some(ADDR));
        assert_eq!(c.factor_count(), 1);
        assert!(!c.is_two_factor());
        assert_eq!(c.subject.as_deref(), Some("user-test-1"));
        assert_eq!(c.session_id.as_deref(), Some("session-test-1"));
        assert_eq!(
            (c.issued_at, c.expires_at),
            (Some(1_700_000_000), Some(1_700_000_300))
        );
    }

    #[test]
    fn wallet_factor_by_type_only() {
        let entry =
            json!({"type": "crypto", "crypto_wallet_factor": {"crypto_wallet_address": ADDR}});
        let c = read(&with_factors(vec![entry]));
        assert_eq!(c.factors[0].kind, FactorKind::Wallet);
        assert_eq!(c.detail(FactorKind::Wallet), Some(ADDR));
    }

    #[test]
    fn sms_factor() {
        let c = read(&with_factors(vec![sms_entry("+15555550123")]));
        assert_eq!(
            c.factors,
            vec![Factor {
                kind: FactorKind::Sms,
                detail: Some("+15555550123".into())
            }]
        );
        assert!(!c.is_two_factor());
    }

    #[test]
    fn email_factor() {
        let c = read(&with_factors(vec![email_entry("rat@example.com")]));
        assert_eq!(
            c.factors,
            vec![Factor {
                kind: FactorKind::Email,
                detail: Some("rat@example.com".into())
            }]
        );
    }

    #[test]
    fn factor_inferred_from_detail_object_without_delivery_method() {
        let c = read(&with_factors(vec![
            json!({"phone_number_factor": {"phone_number": "+15555550123"}}),
            json!({"email_factor": {"email_address": "a@b.c"}}),
        ]));
        assert_eq!(c.factors[0].kind, FactorKind::Sms);
        assert_eq!(c.factors[1].kind, FactorKind::Email);
    }

    #[test]
    fn two_factor_tokens() {
        let c = read(&with_factors(vec![
            sms_entry("+15555550123"),
            email_entry("a@b.c"),
        ]));
        assert!(c.is_two_factor() && c.has(FactorKind::Sms) && c.has(FactorKind::Email));
        assert_eq!(c.factor_count(), 2);
        let c = read(&with_factors(vec![
            wallet_entry(ADDR),
            sms_entry("+15555550123"),
        ]));
        assert!(c.is_two_factor());
    }

    #[test]
    fn repeated_kind_counts_once() {
        let c = read(&with_factors(vec![
            sms_entry("+15555550123"),
            sms_entry("+15555550199"),
        ]));
        assert_eq!(c.factors.len(), 2);
        assert_eq!(c.factor_count(), 1);
        assert!(!c.is_two_factor());
        assert_eq!(c.detail(FactorKind::Sms), Some("+15555550123"));
    }

    #[test]
    fn unknown_factor_types_are_other() {
        let c = read(&with_factors(vec![
            json!({"type": "oauth", "delivery_method": "oauth_google", "google_oauth_factor": {"id": "x"}}),
            json!({"type": "totp", "delivery_method": "authenticator_app"}),
            json!({}),
            json!({"delivery_method": 42}),
        ]));
        assert!(c.factors.iter().all(|f| f
            == &Factor {
                kind: FactorKind::Other,
                detail: None
            }));
        assert_eq!(c.factor_count(), 1);
    }

    #[test]
    fn missing_or_odd_detail_is_none() {
        let c = read(&with_factors(vec![
            json!({"delivery_method": "sms"}),
            json!({"delivery_method": "email", "email_factor": {"email_address": 7}}),
            json!({"delivery_method": "crypto_wallet", "crypto_wallet_factor": "0xabc"}),
        ]));
        assert_eq!(
            c.factors
                .iter()
                .map(|f| (f.kind, f.detail.clone()))
                .collect::<Vec<_>>(),
            vec![
                (FactorKind::Sms, None),
                (FactorKind::Email, None),
                (FactorKind::Wallet, None)
            ]
        );
    }

    #[test]
    fn missing_session_claim_means_no_factors() {
        let c = read(&json!({"sub": "user-test-1", "exp": 10}));
        assert!(c.factors.is_empty());
        assert_eq!(c.factor_count(), 0);
        assert_eq!(c.session_id, None);
        let c = read(&json!({SESSION_CLAIM: {"id": "s"}}));
        assert!(c.factors.is_empty());
        assert_eq!(c.session_id.as_deref(), Some("s"));
        let c = read(&json!({SESSION_CLAIM: null}));
        assert_eq!(c, SessionClaims::default());
        let c = read(&json!({}));
        assert_eq!(c, SessionClaims::default());
    }

    #[test]
    fn an_oddly_shaped_session_claim_reads_as_no_factors() {
        for session in [
            json!("x"),
            json!(42),
            json!({"authentication_factors": {}}),
            json!({"authentication_factors": "sms"}),
            json!({"id": 7, "authentication_factors": ["sms", null, 3]}),
        ] {
            let c = read(&json!({"sub": "u", "exp": 1_700_000_300, SESSION_CLAIM: session}));
            assert_eq!(c.subject.as_deref(), Some("u"), "{session}");
            assert_eq!(c.expires_at, Some(1_700_000_300));
            assert!(c.factors.is_empty(), "{session}");
            assert_eq!(c.session_id, None);
        }
        // Readable entries beside unreadable ones are kept.
        let c = read(
            &json!({SESSION_CLAIM: {"authentication_factors": ["sms", sms_entry("+15555550100")]}}),
        );
        assert_eq!(c.factors.len(), 1);
        assert!(c.has(FactorKind::Sms));
    }

    #[test]
    fn session_id_fallback_name() {
        let c = read(&json!({SESSION_CLAIM: {"session_id": "s2", "authentication_factors": []}}));
        assert_eq!(c.session_id.as_deref(), Some("s2"));
    }

    #[test]
    fn extra_fields_are_ignored() {
        let mut p = with_factors(vec![wallet_entry(ADDR)]);
        p["aud"] = json!(["project-test"]);
        p["custom"] = json!({"deep": [1, 2, {"x": null}]});
        p[SESSION_CLAIM]["attributes"] = json!({"ip_address": "", "user_agent": ""});
        let c = read(&p);
        assert_eq!(c.factors.len(), 1);
    }

    #[test]
    fn dates_as_floats_and_large_numbers() {
        let c = read(&json!({"iat": 1_700_000_000.9, "exp": 1.7000003e9}));
        assert_eq!(c.issued_at, Some(1_700_000_000));
        assert_eq!(c.expires_at, Some(1_700_000_300));
        let c = read(&json!({"exp": -1.5}));
        assert_eq!(c.expires_at, Some(-2));
        // Beyond i64 seconds is not a date: a typed error, not a wrap-around.
        assert_eq!(
            read_claims(&token(&json!({"exp": u64::MAX}))),
            Err(JwtReadError::BadClaim { claim: "exp" })
        );
        assert_eq!(
            read_claims(&token(&json!({"iat": 1e300}))),
            Err(JwtReadError::BadClaim { claim: "iat" })
        );
        assert_eq!(read(&json!({"exp": i64::MIN})).expires_at, Some(i64::MIN));
    }

    /// The reference: the `base64` crate, URL-safe alphabet, padding indifferent.
    fn crate_decode(text: &str) -> Option<Vec<u8>> {
        use base64::Engine as _;
        use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
        const B64URL: GeneralPurpose = GeneralPurpose::new(
            &base64::alphabet::URL_SAFE,
            GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
        );
        B64URL.decode(text).ok()
    }

    #[test]
    fn base64url_agrees_with_the_base64_crate() {
        for text in [
            "", "=", "==", "A", "AA", "AAA", "AAAA", "AQ", "AR", "AQ==", "AQ=", "AQ===", "AQI",
            "AQI=", "AQM", "AQID", "AQID====", "AQI==", "AQID=", "A==", "A=AA", "-_-_", "+/+/",
            "YQ", "YWI", "YWJj", "YWJjZA", "Y Q",
        ] {
            assert_eq!(base64url_decode(text), crate_decode(text), "{text:?}");
        }
    }

    #[cfg(not(target_arch = "wasm32"))] // proptest is a native-only dev-dependency
    proptest::proptest! {
        #[test]
        fn base64url_agrees_on_any_text(text in "[A-Za-z0-9_=+/ -]{0,12}") {
            proptest::prop_assert_eq!(base64url_decode(&text), crate_decode(&text));
        }

        #[test]
        fn base64url_reads_what_the_crate_writes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..40), pad in proptest::bool::ANY) {
            use base64::Engine as _;
            let text = if pad {
                base64::engine::general_purpose::URL_SAFE.encode(&bytes)
            } else {
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes)
            };
            proptest::prop_assert_eq!(base64url_decode(&text), Some(bytes));
        }
    }

    #[test]
    fn padded_and_unpadded_base64url() {
        let payload = with_factors(vec![email_entry("a@b.c")]);
        let std_pad = base64::engine::general_purpose::URL_SAFE;
        let header = std_pad.encode(br#"{"alg":"none"}"#);
        // Pick a payload whose length is not a multiple of 3 so that padding actually appears.
        let mut body = payload.to_string();
        while body.len() % 3 == 0 {
            body.push(' ');
        }
        let padded = format!("{header}.{}.", std_pad.encode(body.as_bytes()));
        assert!(padded.contains('='));
        let unpadded = padded.replace('=', "");
        assert_eq!(
            read_claims(&padded).unwrap(),
            read_claims(&unpadded).unwrap()
        );
        assert_eq!(
            read_claims(&unpadded).unwrap().factors[0].kind,
            FactorKind::Email
        );
        // Surrounding whitespace is tolerated.
        assert!(read_claims(&format!("  {unpadded}\n")).is_ok());
    }

    #[test]
    fn expiry() {
        let c = SessionClaims {
            expires_at: Some(1_000),
            ..SessionClaims::default()
        };
        assert!(!c.is_expired(999_999));
        assert!(c.is_expired(1_000_000), "not valid at exp itself");
        assert!(c.expires_within(970_000, 30_000));
        assert!(!c.expires_within(969_999, 30_000));
        assert!(c.expires_within(u64::MAX, u64::MAX), "no overflow");
        let none = SessionClaims::default();
        assert!(!none.expires_within(u64::MAX, u64::MAX));
        let far = SessionClaims {
            expires_at: Some(i64::MAX),
            ..SessionClaims::default()
        };
        assert!(!far.expires_within(u64::MAX, u64::MAX));
        let past = SessionClaims {
            expires_at: Some(i64::MIN),
            ..SessionClaims::default()
        };
        assert!(past.is_expired(0));
    }

    /// A payload in the shape Stytch issues (claim names and nesting from Stytch's session JWT),
    /// as Ratio hands it back after wallet then SMS.
    #[test]
    fn stytch_shaped_two_factor_session() {
        let payload = json!({
            "aud": ["project-test-11111111-2222-3333-4444-555555555555"],
            "exp": 1_717_171_717,
            "https://stytch.com/session": {
                "id": "session-test-fe6c042b-6286-479f-8a4f-b046a6c46509",
                "started_at": "2024-05-31T15:23:37Z",
                "last_accessed_at": "2024-05-31T15:23:37Z",
                "expires_at": "2024-05-31T15:33:37Z",
                "attributes": {"ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0"},
                "authentication_factors": [
                    {
                        "type": "crypto",
                        "delivery_method": "crypto_wallet",
                        "last_authenticated_at": "2024-05-31T15:23:10Z",
                        "crypto_wallet_factor": {
                            "crypto_wallet_id": "crypto-wallet-test-dbbd372e-79ab-4f3d-b7a0-3a1c9e0b2c11",
                            "crypto_wallet_address": "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359",
                            "crypto_wallet_type": "ethereum"
                        }
                    },
                    {
                        "type": "otp",
                        "delivery_method": "sms",
                        "last_authenticated_at": "2024-05-31T15:23:37Z",
                        "phone_number_factor": {
                            "phone_id": "phone-number-test-d5a3b680-e8a3-40c0-b815-ab79986666d0",
                            "phone_number": "+12025550162"
                        }
                    }
                ]
            },
            "iat": 1_717_171_417,
            "iss": "stytch.com/project-test-11111111-2222-3333-4444-555555555555",
            "nbf": 1_717_171_417,
            "sub": "user-test-e3795c81-f849-4167-bfda-e4a6e9c280fd"
        });
        let c = read(&payload);
        assert_eq!(
            c.subject.as_deref(),
            Some("user-test-e3795c81-f849-4167-bfda-e4a6e9c280fd")
        );
        assert_eq!(
            c.session_id.as_deref(),
            Some("session-test-fe6c042b-6286-479f-8a4f-b046a6c46509")
        );
        assert_eq!(c.expires_at.zip(c.issued_at).map(|(e, i)| e - i), Some(300));
        assert!(c.is_two_factor());
        assert_eq!(
            c.detail(FactorKind::Wallet),
            Some("0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359")
        );
        assert_eq!(c.detail(FactorKind::Sms), Some("+12025550162"));
        assert!(!c.has(FactorKind::Email));
        assert!(c.expires_within(1_717_171_700_000, 30_000));
        assert!(!c.expires_within(1_717_171_600_000, 30_000));
    }

    #[test]
    fn factor_kind_strings_and_json() {
        for (k, s) in [
            (FactorKind::Wallet, "wallet"),
            (FactorKind::Sms, "sms"),
            (FactorKind::Email, "email"),
            (FactorKind::Other, "other"),
        ] {
            assert_eq!(k.as_str(), s);
            assert_eq!(k.to_string(), s);
            assert_eq!(written(&k), json!(s));
            assert_eq!(FactorKind::from_json(&json::Value::from(s)), Ok(k));
        }
    }

    /// The JSON the claims write (pinned against the serde derives they replaced).
    fn written<T: ToJson>(value: &T) -> Value {
        serde_json::from_str(&value.to_json().to_json_string()).unwrap()
    }

    #[test]
    fn claims_write_the_same_json() {
        assert_eq!(written(&FactorKind::Wallet), json!("wallet"));
        assert_eq!(
            written(&Factor {
                kind: FactorKind::Other,
                detail: None
            }),
            json!({"kind": "other", "detail": null})
        );
        assert_eq!(
            written(&SessionClaims::default()),
            json!({"subject": null, "issued_at": null, "expires_at": null, "session_id": null, "factors": []})
        );
        let c = read(&with_factors(vec![
            wallet_entry(ADDR),
            json!({"type": "totp"}),
            json!({"delivery_method": "sms"}),
        ]));
        assert_eq!(
            written(&c),
            json!({"subject": "user-test-1", "issued_at": 1_700_000_000, "expires_at": 1_700_000_300,
                   "session_id": "session-test-1", "factors": [
                       {"kind": "wallet", "detail": ADDR},
                       {"kind": "other", "detail": null},
                       {"kind": "sms", "detail": null}]})
        );
        let far = SessionClaims {
            issued_at: Some(i64::MIN),
            expires_at: Some(i64::MAX),
            ..SessionClaims::default()
        };
        assert_eq!(written(&far)["issued_at"], json!(i64::MIN));
        assert_eq!(written(&far)["expires_at"], json!(i64::MAX));
    }

    /// Every malformed case gives its typed error, and no message (Display or Debug) quotes
    /// the token or any part of it.
    #[test]
    fn malformed_tokens() {
        let good_header = b64(br#"{"alg":"ES256","typ":"JWT"}"#);
        let good_payload = b64(br#"{"sub":"user-secret-value-1234"}"#);
        let sig = b64(b"signature-bytes-here");
        let cases: Vec<(String, JwtReadError)> = vec![
            (String::new(), JwtReadError::Empty),
            ("   ".into(), JwtReadError::Empty),
            (
                "opaque-session-token-value".into(),
                JwtReadError::NotThreeParts { found: 1 },
            ),
            (
                format!("{good_header}.{good_payload}"),
                JwtReadError::NotThreeParts { found: 2 },
            ),
            (
                format!("{good_header}.{good_payload}.{sig}.ex1.ex2"),
                JwtReadError::NotThreeParts { found: 5 },
            ),
            (
                format!("{good_header}.{good_payload}!!.{sig}"),
                JwtReadError::BadBase64 {
                    part: JwtPart::Payload,
                },
            ),
            (
                format!(
                    "{good_header}.{}.{sig}",
                    base64::engine::general_purpose::STANDARD.encode(b"{\"sub\":\"??>>??\"}")
                ),
                JwtReadError::BadBase64 {
                    part: JwtPart::Payload,
                },
            ),
            (
                format!("$$$.{good_payload}.{sig}"),
                JwtReadError::BadBase64 {
                    part: JwtPart::Header,
                },
            ),
            (
                format!("{good_header}.{good_payload}.sig*nature"),
                JwtReadError::BadBase64 {
                    part: JwtPart::Signature,
                },
            ),
            (
                format!("{good_header}.{}.{sig}", b64(b"{\"sub\":")),
                JwtReadError::BadJson {
                    part: JwtPart::Payload,
                },
            ),
            (
                format!("{good_header}.{}.{sig}", b64(&[0xff, 0xfe, 0x7b])),
                JwtReadError::BadJson {
                    part: JwtPart::Payload,
                },
            ),
            (
                format!("{}.{good_payload}.{sig}", b64(b"not json")),
                JwtReadError::BadJson {
                    part: JwtPart::Header,
                },
            ),
            (
                format!("{good_header}.{}.{sig}", b64(b"[1,2,3]")),
                JwtReadError::NotAnObject {
                    part: JwtPart::Payload,
                },
            ),
            (
                format!("{good_header}.{}.{sig}", b64(b"\"user-secret-value-1234\"")),
                JwtReadError::NotAnObject {
                    part: JwtPart::Payload,
                },
            ),
            (
                format!("{}.{good_payload}.{sig}", b64(b"null")),
                JwtReadError::NotAnObject {
                    part: JwtPart::Header,
                },
            ),
            (
                format!("{good_header}..{sig}"),
                JwtReadError::BadJson {
                    part: JwtPart::Payload,
                },
            ),
            (
                format!("{good_header}.{}.{sig}", b64(br#"{"exp":"tomorrow"}"#)),
                JwtReadError::BadClaim { claim: "exp" },
            ),
            (
                format!("{good_header}.{}.{sig}", b64(br#"{"iat":true}"#)),
                JwtReadError::BadClaim { claim: "iat" },
            ),
            (
                format!("{good_header}.{}.{sig}", b64(br#"{"sub":12345}"#)),
                JwtReadError::BadClaim { claim: "sub" },
            ),
        ];
        for (tok, expected) in cases {
            let err = read_claims(&tok).unwrap_err();
            assert_eq!(err, expected, "token case {expected:?}");
            for text in [err.to_string(), format!("{err:?}")] {
                assert!(!text.is_empty());
                for piece in tok.split('.').filter(|p| p.len() >= 3) {
                    assert!(!text.contains(piece), "{text:?} quotes part of the token");
                }
                assert!(!text.contains("user-secret-value"));
                assert!(!text.contains(&good_header[..8]));
            }
        }
    }

    #[test]
    fn error_is_std_error() {
        let e: Box<dyn core::error::Error> = Box::new(JwtReadError::BadBase64 {
            part: JwtPart::Signature,
        });
        assert_eq!(
            e.to_string(),
            "the session token's signature is not valid base64url"
        );
    }
}
