//! Session JWTs: HS256 with a key made at start, in the Stytch shape of `ratio-api.md`.

use std::time::{Duration, SystemTime};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::unix_secs;
use crate::error::{ApiError, codes, rfc3339};
use crate::session::{FactorKind, Session};

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    ttl: Duration,
    idle: Duration,
    /// [`crate::Variants::tokens_without_factors`]: mint without the Stytch session claim.
    pub without_factors_claim: bool,
}

#[derive(Serialize)]
struct OutClaims<'a> {
    sub: &'a str,
    iat: u64,
    exp: u64,
    iss: &'a str,
    #[serde(
        rename = "https://stytch.com/session",
        skip_serializing_if = "Option::is_none"
    )]
    session: Option<OutSession<'a>>,
    /// Only without the session claim: what the sandbox itself needs to know about the token.
    #[serde(rename = "ratio_sandbox", skip_serializing_if = "Option::is_none")]
    private: Option<PrivateClaim>,
}

/// The sandbox's own record in a token minted without the Stytch claim. Its factor names are
/// not Stytch's, so no client could mistake them for the session claim.
#[derive(Serialize, Deserialize)]
struct PrivateClaim {
    sid: String,
    factors: Vec<FactorKind>,
}

#[derive(Serialize)]
struct OutSession<'a> {
    session_id: &'a str,
    started_at: String,
    last_accessed_at: String,
    expires_at: String,
    authentication_factors: Vec<Value>,
}

#[derive(Deserialize)]
struct InClaims {
    sub: String,
    exp: u64,
    #[serde(rename = "https://stytch.com/session", default)]
    session: Option<InSession>,
    #[serde(rename = "ratio_sandbox", default)]
    private: Option<PrivateClaim>,
}

#[derive(Deserialize)]
struct InSession {
    session_id: String,
    #[serde(default)]
    authentication_factors: Vec<Value>,
}

/// What a verified Bearer token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub session_id: String,
    pub sub: String,
    pub exp: u64,
    /// The factors the token itself carries: "a two-factor JWT" is judged on these.
    pub factors: Vec<FactorKind>,
}

impl TokenInfo {
    pub fn is_two_factor(&self) -> bool {
        self.factors.len() >= 2
    }

    pub fn has(&self, kind: FactorKind) -> bool {
        self.factors.contains(&kind)
    }
}

impl JwtKeys {
    pub fn new(secret: &[u8], issuer: &str, ttl: Duration, idle: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked against the sandbox clock (which tests move), not the system clock.
        validation.validate_exp = false;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.set_issuer(&[issuer]);
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_string(),
            ttl,
            idle,
            without_factors_claim: false,
        }
    }

    /// A fresh token for the session as it is now.
    pub fn mint(&self, session: &Session, now: SystemTime) -> Result<String, ApiError> {
        let iat = unix_secs(now);
        let (stytch, private) = if self.without_factors_claim {
            let private = PrivateClaim {
                sid: session.id.clone(),
                factors: session.factors.iter().map(|f| f.kind()).collect(),
            };
            (None, Some(private))
        } else {
            let stytch = OutSession {
                session_id: &session.id,
                started_at: rfc3339(session.started),
                last_accessed_at: rfc3339(session.last_seen),
                expires_at: rfc3339(session.last_seen + self.idle),
                authentication_factors: session.factors.iter().map(|f| f.to_claim()).collect(),
            };
            (Some(stytch), None)
        };
        let claims = OutClaims {
            sub: session.sub(),
            iat,
            exp: iat.saturating_add(self.ttl.as_secs()),
            iss: &self.issuer,
            session: stytch,
            private,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::internal(format!("could not sign the session JWT: {e}")))
    }

    /// Checks signature (HS256 only), issuer and expiry; the session itself is checked by the
    /// caller against the store.
    pub fn verify(&self, token: &str, now: SystemTime) -> Result<TokenInfo, ApiError> {
        let data = jsonwebtoken::decode::<InClaims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                let why = match e.kind() {
                    ErrorKind::InvalidSignature => "the JWT signature does not verify",
                    ErrorKind::InvalidAlgorithm => {
                        "only HS256 JWTs issued by this sandbox are accepted"
                    }
                    ErrorKind::InvalidIssuer => "the JWT was not issued by this sandbox",
                    ErrorKind::MissingRequiredClaim(_) => "the JWT lacks a required claim",
                    _ => "the JWT is malformed",
                };
                ApiError::invalid_jwt(why)
            })?;
        let claims = data.claims;
        if unix_secs(now) >= claims.exp {
            return Err(ApiError::unauthorized(
                codes::EXPIRED_JWT,
                "the session JWT has expired",
            ));
        }
        let (session_id, factors) = match (claims.session, claims.private) {
            (Some(session), _) => (
                session.session_id,
                session
                    .authentication_factors
                    .iter()
                    .filter_map(FactorKind::from_claim)
                    .collect(),
            ),
            (None, Some(private)) => (private.sid, private.factors),
            (None, None) => return Err(ApiError::invalid_jwt("the JWT lacks a session claim")),
        };
        Ok(TokenInfo {
            session_id,
            sub: claims.sub,
            exp: claims.exp,
            factors,
        })
    }

    /// Seconds left on a token at `now` (0 once expired).
    pub fn remaining(info: &TokenInfo, now: SystemTime) -> Duration {
        Duration::from_secs(info.exp.saturating_sub(unix_secs(now)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact::Channel;
    use crate::session::Factor;

    fn keys() -> JwtKeys {
        JwtKeys::new(
            &[7u8; 32],
            "ratio-sandbox",
            Duration::from_secs(300),
            Duration::from_secs(600),
        )
    }

    #[test]
    fn round_trip_and_expiry() {
        let now = SystemTime::now();
        let mut s = Session::new("sess".into(), "new-user-1".into(), None, now);
        s.add_factor(Factor::Otp {
            channel: Channel::Sms,
            contact_id: "p".into(),
            contact: "+12025550100".into(),
        });
        let k = keys();
        let t = k.mint(&s, now).unwrap();
        let info = k.verify(&t, now).unwrap();
        assert_eq!(info.session_id, "sess");
        assert_eq!(info.sub, "new-user-1");
        assert_eq!(info.factors, vec![FactorKind::Sms]);
        assert_eq!(JwtKeys::remaining(&info, now), Duration::from_secs(300));
        let later = now + Duration::from_secs(300);
        assert_eq!(k.verify(&t, later).unwrap_err().code, codes::EXPIRED_JWT);
        let other = JwtKeys::new(
            &[8u8; 32],
            "ratio-sandbox",
            Duration::from_secs(300),
            Duration::from_secs(600),
        );
        assert_eq!(other.verify(&t, now).unwrap_err().code, codes::INVALID_JWT);
    }
}
