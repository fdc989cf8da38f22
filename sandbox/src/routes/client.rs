//! `POST /v1/client/sessions`, `GET /v1/client/sessions/{id}`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::api::{ClientSessionBody, CreateClientSessionRequest};
use crate::auth::BackendAuth;
use crate::error::{ApiError, codes};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::store::parse_address;

pub async fn create(
    State(state): State<Arc<AppState>>,
    _: BackendAuth,
    ApiJson(req): ApiJson<CreateClientSessionRequest>,
) -> Result<Response, ApiError> {
    if req.signing_type != "EVM" {
        return Err(ApiError::bad_request(
            codes::INVALID_WALLET_TYPE,
            "signingType must be \"EVM\"",
        ));
    }
    let signing = parse_address(&req.signing_address)?;
    let deposit = match &req.deposit_address {
        Some(raw) => parse_address(raw)?,
        None => signing,
    };
    let id = crate::random::uuid()?;
    let now = state.now();
    let session = state
        .store
        .lock()
        .create_client_session(&id, signing, deposit, now)?;
    Ok((
        StatusCode::CREATED,
        Json(ClientSessionBody::new(&session, None)),
    )
        .into_response())
}

/// Needs no credentials: the id is the secret, and it answers only once.
pub async fn get(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<ClientSessionBody>, ApiError> {
    let now = state.now();
    let mut store = state.store.lock();
    let session = store.retrieve_client_session(&id, now)?;
    let user = session.user.as_deref().and_then(|u| store.user(u));
    Ok(Json(ClientSessionBody::new(&session, user)))
}
