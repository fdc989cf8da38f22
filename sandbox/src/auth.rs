//! Who is calling: client credentials (id + secret, or a client session id) and the Bearer
//! session JWT. Each is an extractor, so a handler states what it needs in its signature.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ratio_auth::eip191::Address;

use crate::error::{ApiError, codes};
use crate::jwt::{JwtKeys, TokenInfo};
use crate::refresh::RefreshSlot;
use crate::state::AppState;

pub const CLIENT_ID: &str = "ratio-client-id";
pub const CLIENT_SECRET: &str = "ratio-client-secret";
pub const CLIENT_SESSION_ID: &str = "ratio-client-session-id";

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Compares without an early exit on the first differing byte.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn secret_ok(headers: &HeaderMap, state: &AppState) -> bool {
    let id = header(headers, CLIENT_ID).unwrap_or_default();
    let secret = header(headers, CLIENT_SECRET).unwrap_or_default();
    same(id, &state.config.client_id) & same(secret, &state.config.client_secret)
}

fn bad_credentials() -> ApiError {
    ApiError::unauthorized(
        codes::INVALID_CLIENT_SECRET,
        "missing or wrong client credentials (ratio-client-id and ratio-client-secret, or ratio-client-session-id)",
    )
}

/// How the client proved itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// `ratio-client-id` + `ratio-client-secret`.
    Secret,
    /// `ratio-client-session-id` of a session made by `POST /v1/client/sessions`.
    ClientSession {
        id: String,
        signing_address: Address,
    },
}

impl Caller {
    pub fn client_session(&self) -> Option<&str> {
        match self {
            Caller::Secret => None,
            Caller::ClientSession { id, .. } => Some(id),
        }
    }

    /// Under a client session, only its signing wallet may sign in.
    pub fn check_wallet(&self, address: &Address) -> Result<(), ApiError> {
        match self {
            Caller::ClientSession {
                signing_address, ..
            } if signing_address != address => Err(ApiError::bad_request(
                codes::INVALID_WALLET_ADDRESS,
                format!("this client session is for the wallet {signing_address}, not {address}"),
            )),
            _ => Ok(()),
        }
    }
}

/// Client id + secret, or a client session id (what the browser sends).
pub struct ClientAuth(pub Caller);

impl FromRequestParts<Arc<AppState>> for ClientAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        if secret_ok(&parts.headers, state) {
            return Ok(ClientAuth(Caller::Secret));
        }
        if let Some(id) = header(&parts.headers, CLIENT_SESSION_ID) {
            if let Some(signing_address) = state.store.lock().client_session_signer(id, state.now())
            {
                return Ok(ClientAuth(Caller::ClientSession {
                    id: id.to_string(),
                    signing_address,
                }));
            }
        }
        Err(bad_credentials())
    }
}

/// Client id + secret only (backend calls such as creating a client session).
pub struct BackendAuth;

impl FromRequestParts<Arc<AppState>> for BackendAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        if secret_ok(&parts.headers, state) {
            Ok(BackendAuth)
        } else {
            Err(bad_credentials())
        }
    }
}

/// A valid session JWT (required).
pub struct Bearer(pub TokenInfo);

/// A valid session JWT if the request has an `Authorization` header; a bad one is still a 401.
pub struct MaybeBearer(pub Option<TokenInfo>);

impl FromRequestParts<Arc<AppState>> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        match MaybeBearer::from_request_parts(parts, state).await?.0 {
            Some(info) => Ok(Bearer(info)),
            None => Err(ApiError::invalid_jwt(
                "this call needs Authorization: Bearer <sessionJwt>",
            )),
        }
    }
}

impl FromRequestParts<Arc<AppState>> for MaybeBearer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
            return Ok(MaybeBearer(None));
        };
        let value = value
            .to_str()
            .map_err(|_| ApiError::invalid_jwt("the Authorization header is not text"))?;
        let token = match value.split_once(' ') {
            Some((scheme, token))
                if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
            {
                token.trim()
            }
            _ => {
                return Err(ApiError::invalid_jwt(
                    "Authorization must be `Bearer <sessionJwt>`",
                ));
            }
        };
        let now = state.now();
        let info = state.jwt.verify(token, now)?;
        state.store.lock().touch_session(&info.session_id, now)?;
        if JwtKeys::remaining(&info, now) < state.config.limits.refresh_window {
            if let Some(slot) = parts.extensions.get::<RefreshSlot>() {
                slot.request(&info.session_id);
            }
        }
        Ok(MaybeBearer(Some(info)))
    }
}
