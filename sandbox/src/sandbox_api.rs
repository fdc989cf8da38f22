//! Sandbox-only endpoints under `/sandbox/` (no credentials): users, the OTP outbox, faults,
//! reset and the clock. Documented in `sandbox/README.md`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::api::{CreatedId, OutboxEntry, SandboxUser};
use crate::config::SeedUser;
use crate::error::{ApiError, codes, rfc3339};
use crate::extract::ApiJson;
use crate::faults::FaultSpec;
use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/sandbox/users", post(create_user))
        .route("/sandbox/users/{id}", get(get_user))
        .route("/sandbox/outbox", get(outbox))
        .route("/sandbox/faults", post(add_fault).get(list_faults))
        .route("/sandbox/reset", post(reset))
        .route("/sandbox/clock", post(advance_clock).get(clock))
        .route("/sandbox/contract-wallets", post(add_contract_wallet))
        .route(
            "/sandbox/contract-wallets/support",
            post(set_contract_support).get(contract_support),
        )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ContractWalletBody {
    address: String,
    owner: String,
}

async fn add_contract_wallet(
    State(state): State<Arc<AppState>>,
    ApiJson(req): ApiJson<ContractWalletBody>,
) -> Result<Response, ApiError> {
    let address = crate::store::parse_address(&req.address)?;
    let owner = crate::store::parse_address(&req.owner)?;
    let mut wallets = state.contract_wallets.lock();
    if !wallets.register(address, owner) {
        return Err(crate::caps::full("contract wallets", wallets.cap()));
    }
    let body = json!({"address": address.to_checksum(), "owner": owner.to_checksum()});
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ContractSupport {
    accept: bool,
}

async fn set_contract_support(
    State(state): State<Arc<AppState>>,
    ApiJson(req): ApiJson<ContractSupport>,
) -> Json<ContractSupport> {
    state.contract_wallets.lock().set_accept(req.accept);
    Json(req)
}

async fn contract_support(State(state): State<Arc<AppState>>) -> Json<ContractSupport> {
    Json(ContractSupport {
        accept: state.contract_wallets.lock().accepts(),
    })
}

async fn create_user(
    State(state): State<Arc<AppState>>,
    ApiJson(seed): ApiJson<SeedUser>,
) -> Result<Response, ApiError> {
    let id = state.create_user(&seed)?;
    Ok((StatusCode::CREATED, Json(CreatedId { id })).into_response())
}

async fn get_user(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<SandboxUser>, ApiError> {
    let store = state.store.lock();
    match store.user(&id) {
        Some(user) => Ok(Json(SandboxUser::from(user))),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            codes::USER_NOT_FOUND,
            "no such user",
        )),
    }
}

/// `?to=+1...`: a raw `+` in a query string decodes to a space, so a leading space is read as `+`.
async fn outbox(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Json<Vec<OutboxEntry>> {
    let to = query.get("to").map(|t| match t.strip_prefix(' ') {
        Some(rest) => format!("+{rest}"),
        None => t.clone(),
    });
    let messages = state.store.lock().outbox(to.as_deref());
    Json(messages.iter().map(OutboxEntry::from).collect())
}

async fn add_fault(
    State(state): State<Arc<AppState>>,
    ApiJson(spec): ApiJson<FaultSpec>,
) -> Result<Response, ApiError> {
    spec.validate()?;
    let caps = &state.config.caps;
    spec.check_size(caps.fault_rule_bytes)?;
    {
        let mut faults = state.faults.lock();
        if faults.rule_count() >= caps.fault_rules {
            return Err(crate::caps::full("fault rules", caps.fault_rules));
        }
        faults.add(spec.clone());
    }
    Ok((StatusCode::CREATED, Json(spec)).into_response())
}

async fn list_faults(State(state): State<Arc<AppState>>) -> Json<Vec<FaultSpec>> {
    Json(state.faults.lock().list())
}

async fn reset(State(state): State<Arc<AppState>>) -> Json<Value> {
    state.reset();
    Json(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AdvanceClock {
    #[serde(default)]
    advance_ms: u64,
    #[serde(default)]
    advance_seconds: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClockBody {
    now: String,
    offset_ms: u64,
}

fn clock_body(state: &AppState) -> Json<ClockBody> {
    let offset = u64::try_from(state.clock.offset().as_millis()).unwrap_or(u64::MAX);
    Json(ClockBody {
        now: rfc3339(state.now()),
        offset_ms: offset,
    })
}

async fn advance_clock(
    State(state): State<Arc<AppState>>,
    ApiJson(req): ApiJson<AdvanceClock>,
) -> Result<Json<ClockBody>, ApiError> {
    let by =
        Duration::from_millis(req.advance_ms).checked_add(Duration::from_secs(req.advance_seconds));
    let moved = by.map(|by| state.clock.try_advance(by));
    if !matches!(moved, Some(Ok(()))) {
        return Err(ApiError::invalid_body(format!(
            "the clock may move at most {} days forward in total",
            crate::clock::MAX_OFFSET.as_secs() / 86_400
        )));
    }
    Ok(clock_body(&state))
}

async fn clock(State(state): State<Arc<AppState>>) -> Json<ClockBody> {
    clock_body(&state)
}
