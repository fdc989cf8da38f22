//! `otp/sms:send`, `otp/sms:authenticate`, `otp/email:send`, `otp/email:authenticate`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;

use super::auth_response;
use crate::api::{
    AuthResponse, EmailAuthenticateRequest, EmailSendRequest, EmailSendResponse,
    SmsAuthenticateRequest, SmsSendRequest, SmsSendResponse,
};
use crate::auth::{Caller, ClientAuth, MaybeBearer};
use crate::contact::Channel;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::jwt::TokenInfo;
use crate::state::AppState;
use crate::store::{Fresh, OtpSent};

fn send(
    state: &AppState,
    channel: Channel,
    raw: &str,
    token: Option<&TokenInfo>,
) -> Result<OtpSent, ApiError> {
    let key = channel.parse(raw)?;
    let code = match &state.config.fixed_otp {
        Some(code) => code.clone(),
        None => crate::random::otp_code()?,
    };
    let fresh = Fresh::generate()?;
    let now = state.now();
    let ctx = token.map(|t| t.session_id.as_str());
    state
        .store
        .lock()
        .send_otp(channel, &key, ctx, code, &fresh, now)
}

fn authenticate(
    state: &AppState,
    caller: &Caller,
    channel: Channel,
    contact_id: &str,
    otp: &str,
    token: Option<&TokenInfo>,
) -> Result<Json<AuthResponse>, ApiError> {
    let fresh = Fresh::generate()?;
    let now = state.now();
    let ctx = token.map(|t| t.session_id.as_str());
    let auth = state.store.lock().authenticate_otp(
        channel,
        contact_id,
        otp,
        ctx,
        caller.client_session(),
        &fresh,
        now,
    )?;
    auth_response(state, caller, auth)
}

pub async fn sms_send(
    State(state): State<Arc<AppState>>,
    ClientAuth(_): ClientAuth,
    MaybeBearer(token): MaybeBearer,
    ApiJson(req): ApiJson<SmsSendRequest>,
) -> Result<Json<SmsSendResponse>, ApiError> {
    let sent = send(&state, Channel::Sms, &req.phone_number, token.as_ref())?;
    Ok(Json(SmsSendResponse {
        phone_id: sent.contact_id,
        phone_mask: sent.mask,
    }))
}

pub async fn email_send(
    State(state): State<Arc<AppState>>,
    ClientAuth(_): ClientAuth,
    MaybeBearer(token): MaybeBearer,
    ApiJson(req): ApiJson<EmailSendRequest>,
) -> Result<Json<EmailSendResponse>, ApiError> {
    let sent = send(&state, Channel::Email, &req.email_address, token.as_ref())?;
    Ok(Json(EmailSendResponse {
        email_id: sent.contact_id,
        email_mask: sent.mask,
    }))
}

pub async fn sms_authenticate(
    State(state): State<Arc<AppState>>,
    ClientAuth(caller): ClientAuth,
    MaybeBearer(token): MaybeBearer,
    ApiJson(req): ApiJson<SmsAuthenticateRequest>,
) -> Result<Json<AuthResponse>, ApiError> {
    authenticate(
        &state,
        &caller,
        Channel::Sms,
        &req.phone_id,
        &req.otp,
        token.as_ref(),
    )
}

pub async fn email_authenticate(
    State(state): State<Arc<AppState>>,
    ClientAuth(caller): ClientAuth,
    MaybeBearer(token): MaybeBearer,
    ApiJson(req): ApiJson<EmailAuthenticateRequest>,
) -> Result<Json<AuthResponse>, ApiError> {
    authenticate(
        &state,
        &caller,
        Channel::Email,
        &req.email_id,
        &req.otp,
        token.as_ref(),
    )
}
