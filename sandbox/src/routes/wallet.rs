//! `cryptoWallet:start`, `:authenticate`, `:addToUser`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ratio_auth::eip191::{self, Address};
use serde_json::{Value, json};

use super::auth_response;
use crate::CHALLENGE_PREFIX;
use crate::api::{AuthResponse, ChallengeResponse, WalletAuthenticateRequest, WalletRequest};
use crate::auth::{Bearer, ClientAuth, MaybeBearer};
use crate::error::{ApiError, codes};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::store::{Fresh, parse_address};
use crate::variants::AddToUserBody;

fn parse_wallet(address: &str, wallet_type: &str) -> Result<Address, ApiError> {
    if wallet_type != "EVM" {
        return Err(ApiError::bad_request(
            codes::INVALID_WALLET_TYPE,
            "walletType must be \"EVM\"",
        ));
    }
    parse_address(address)
}

pub async fn start(
    State(state): State<Arc<AppState>>,
    ClientAuth(caller): ClientAuth,
    _token: MaybeBearer,
    ApiJson(req): ApiJson<WalletRequest>,
) -> Result<Json<ChallengeResponse>, ApiError> {
    let address = parse_wallet(&req.wallet_address, &req.wallet_type)?;
    caller.check_wallet(&address)?;
    let challenge = format!("{CHALLENGE_PREFIX}{}", crate::random::token()?);
    let now = state.now();
    state
        .store
        .lock()
        .add_challenge(address, challenge.clone(), now)?;
    Ok(Json(ChallengeResponse { challenge }))
}

pub async fn authenticate(
    State(state): State<Arc<AppState>>,
    ClientAuth(caller): ClientAuth,
    MaybeBearer(token): MaybeBearer,
    ApiJson(req): ApiJson<WalletAuthenticateRequest>,
) -> Result<Json<AuthResponse>, ApiError> {
    let address = parse_wallet(&req.wallet_address, &req.wallet_type)?;
    caller.check_wallet(&address)?;
    let candidates = state.store.lock().pending_challenges(&address, state.now());
    if candidates.is_empty() {
        return Err(ApiError::bad_request(
            codes::INVALID_SIGNATURE,
            "no pending challenge for this wallet (expired or already used); call cryptoWallet:start",
        ));
    }
    let (contract_owner, accept_contracts) = {
        let wallets = state.contract_wallets.lock();
        (wallets.owner(&address), wallets.accepts())
    };
    if contract_owner.is_some() && !accept_contracts {
        // What a server without EIP-1271 support does with a contract wallet's signature.
        state.store.lock().signature_failed(&address);
        return Err(ApiError::unauthorized(
            codes::INVALID_SIGNATURE,
            "this server does not accept smart-contract wallet signatures (EIP-1271 / ERC-6492)",
        ));
    }
    // Recovery is CPU work: keep it off the async workers.
    let signature = req.signature;
    let matched = tokio::task::spawn_blocking(move || match contract_owner {
        Some(owner) => find_contract_signed(&candidates, &signature, &owner),
        None => find_signed(&candidates, &signature, &address),
    })
    .await
    .map_err(|_| ApiError::internal("signature check failed"))?;
    let matched = match matched {
        Ok(matched) => matched,
        Err(e) => {
            state.store.lock().signature_failed(&address);
            return Err(e);
        }
    };
    let fresh = Fresh::generate()?;
    let now = state.now();
    let ctx = token.as_ref().map(|t| t.session_id.as_str());
    let auth = state.store.lock().authenticate_wallet(
        address,
        &matched,
        ctx,
        caller.client_session(),
        &fresh,
        now,
    )?;
    auth_response(&state, &caller, auth)
}

/// The challenge (newest first) that `address` signed with `signature`.
fn find_signed(
    candidates: &[String],
    signature: &str,
    address: &Address,
) -> Result<String, ApiError> {
    for challenge in candidates {
        if eip191::recover_personal(challenge.as_bytes(), signature).is_ok_and(|a| a == *address) {
            return Ok(challenge.clone());
        }
    }
    // Not signed by `address` over any pending challenge: say what the signature is instead.
    let why = match candidates
        .first()
        .map(|c| eip191::check_signer(c, signature, address))
    {
        Some(Err(e)) => e.to_string(),
        _ => "it does not recover to walletAddress".to_string(),
    };
    Err(ApiError::bad_request(
        codes::INVALID_SIGNATURE,
        format!("invalid signature: {why}"),
    ))
}

/// The challenge that a contract wallet owned by `owner` signed: as its `isValidSignature`
/// would, the owner's signature is checked (unwrapped from ERC-6492 if need be).
fn find_contract_signed(
    candidates: &[String],
    signature: &str,
    owner: &Address,
) -> Result<String, ApiError> {
    let refused = |why: &str| {
        ApiError::bad_request(
            codes::INVALID_SIGNATURE,
            format!("invalid contract-wallet signature: {why}"),
        )
    };
    let inner = crate::contract::owner_signature(signature)
        .ok_or_else(|| refused("not hex, or an ERC-6492 wrapper without a 65-byte signature"))?;
    candidates
        .iter()
        .find(|c| eip191::recover_personal(c.as_bytes(), &inner).is_ok_and(|a| a == *owner))
        .cloned()
        .ok_or_else(|| refused("it is not the owner's signature of a pending challenge"))
}

pub async fn add_to_user(
    State(state): State<Arc<AppState>>,
    ClientAuth(_): ClientAuth,
    Bearer(token): Bearer,
    ApiJson(req): ApiJson<WalletRequest>,
) -> Result<Response, ApiError> {
    let address = parse_wallet(&req.wallet_address, &req.wallet_type)?;
    if !token.is_two_factor() {
        return Err(ApiError::mfa_required());
    }
    let now = state.now();
    state
        .store
        .lock()
        .add_wallet_to_user(&token.session_id, address, now)?;
    // The OpenAPI spec defines no 200 body; the variant plays the other readings of that.
    let response = match state.config.variants.add_to_user_body {
        AddToUserBody::EmptyObject => Json(json!({})).into_response(),
        AddToUserBody::Null => Json(Value::Null).into_response(),
        AddToUserBody::Nothing => StatusCode::OK.into_response(),
    };
    Ok(response)
}
