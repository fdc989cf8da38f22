//! `POST /v1/users`, `GET /v1/users/{id}`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::api::{CreateUserRequest, UserBody};
use crate::auth::{Bearer, ClientAuth};
use crate::contact::{parse_email, parse_us_phone};
use crate::error::{ApiError, codes};
use crate::extract::ApiJson;
use crate::refresh;
use crate::session::FactorKind;
use crate::state::AppState;
use crate::store::NewUser;

fn required(value: &str, code: &str, field: &str) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::bad_request(
            code,
            format!("{field} must not be empty"),
        ));
    }
    Ok(value.to_string())
}

/// Creates the user of a new-user session. The response carries
/// `ratio-authentication-refresh`: a token whose `sub` is now the user's id.
pub async fn create(
    State(state): State<Arc<AppState>>,
    ClientAuth(_): ClientAuth,
    Bearer(token): Bearer,
    ApiJson(req): ApiJson<CreateUserRequest>,
) -> Result<Response, ApiError> {
    let first_name = required(&req.first_name, "MISSING_FIRST_NAME", "firstName")?;
    let last_name = required(&req.last_name, "MISSING_LAST_NAME", "lastName")?;
    let country = req.country.trim();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(ApiError::bad_request(
            codes::INVALID_COUNTRY,
            "country must be an ISO 3166 alpha-2 code",
        ));
    }
    let phone = parse_us_phone(&req.phone)?;
    let email = parse_email(&req.email)?;
    if !req.accepted_terms {
        return Err(ApiError::bad_request(
            codes::INVALID_ACCEPTED_TERMS,
            "acceptedTerms must be true",
        ));
    }
    if !(token.is_two_factor() && token.has(FactorKind::Sms)) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            codes::MFA_REQUIRED,
            "creating a user needs a two-factor session JWT with SMS among its factors",
        ));
    }
    let new = NewUser {
        phone,
        email,
        first_name: Some(first_name),
        middle_name: req
            .middle_name
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty()),
        last_name: Some(last_name),
        country: Some(country.to_ascii_uppercase()),
        wallets: Vec::new(),
    };
    let id = crate::random::uuid()?;
    let now = state.now();
    let (user, session) = {
        let mut store = state.store.lock();
        let user = store.register_user(&token.session_id, &id, new, now)?;
        (user, store.session(&token.session_id))
    };
    let mut response = (StatusCode::CREATED, Json(UserBody::from(&user))).into_response();
    if let Some(session) = session {
        refresh::set(&mut response, &state.mint(&session)?);
    }
    Ok(response)
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    ClientAuth(_): ClientAuth,
    Bearer(token): Bearer,
    Path(id): Path<String>,
) -> Result<Json<UserBody>, ApiError> {
    let now = state.now();
    let mut store = state.store.lock();
    let session_user = store.touch_session(&token.session_id, now)?.user.clone();
    match (session_user, store.user(&id)) {
        (Some(own), Some(user)) if own == id => Ok(Json(UserBody::from(user))),
        (_, Some(_)) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            codes::FORBIDDEN,
            "this JWT is not of that user",
        )),
        (_, None) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            codes::USER_NOT_FOUND,
            "no such user",
        )),
    }
}
