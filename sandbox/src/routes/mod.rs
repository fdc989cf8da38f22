//! The HTTP surface: Ratio's endpoints, the sandbox-only ones, and the layers around them.

mod client;
mod otp;
mod users;
mod wallet;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{any, get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;

use crate::api::{AuthResponse, UserBody, UserMask};
use crate::auth::Caller;
use crate::error::{ApiError, normalize_errors, panic_response};
use crate::guard::{self, StaticRoot};
use crate::state::AppState;
use crate::store::Authenticated;
use crate::{cors, faults, refresh, sandbox_api, variants};

/// The whole app over `state`, with its layers (outermost first): Host and admin guard,
/// CORS, panic catcher, faults, error-body variants, error-body normaliser, JWT refresh, body
/// limit.
pub fn router(state: Arc<AppState>) -> Router {
    let limit = state.config.limits.body_limit;
    let app = Router::new()
        .route("/v1/auth/cryptoWallet:start", post(wallet::start))
        .route(
            "/v1/auth/cryptoWallet:authenticate",
            post(wallet::authenticate),
        )
        .route("/v1/auth/cryptoWallet:addToUser", post(wallet::add_to_user))
        .route("/v1/auth/otp/sms:send", post(otp::sms_send))
        .route("/v1/auth/otp/sms:authenticate", post(otp::sms_authenticate))
        .route("/v1/auth/otp/email:send", post(otp::email_send))
        .route(
            "/v1/auth/otp/email:authenticate",
            post(otp::email_authenticate),
        )
        .route("/v1/users", post(users::create))
        .route("/v1/users/{id}", get(users::get))
        .route("/v1/client/sessions", post(client::create))
        .route("/v1/client/sessions/{id}", get(client::get))
        .merge(sandbox_api::routes())
        // Unknown API paths are JSON 404s even when a static folder is served at `/`.
        .route("/v1/{*rest}", any(not_found))
        .route("/sandbox/{*rest}", any(not_found));
    let app = match &state.config.static_dir {
        Some(dir) => {
            let guarded = tower::Layer::layer(
                &from_fn_with_state(StaticRoot::new(dir), guard::static_files),
                ServeDir::new(dir),
            );
            app.fallback_service(guarded)
        }
        None => app.fallback(not_found),
    };
    app.layer(DefaultBodyLimit::max(limit))
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(from_fn_with_state(state.clone(), refresh::layer))
        .layer(from_fn(normalize_errors))
        .layer(from_fn_with_state(state.clone(), variants::errors_layer))
        .layer(from_fn_with_state(state.clone(), faults::layer))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(cors::layer(&state.config.allowed_origins))
        .layer(from_fn_with_state(state.clone(), guard::layer))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint")
}

/// The body of every successful authenticate: a JWT of the session as it now is, the
/// `userMask` when the session belongs to a user, and the `user` once it is two-factor.
fn auth_response(
    state: &AppState,
    caller: &Caller,
    auth: Authenticated,
) -> Result<Json<AuthResponse>, ApiError> {
    let jwt = state.mint(&auth.session)?;
    if let Some(client_session) = caller.client_session() {
        let user = auth.user.as_ref().map(|u| u.id.as_str());
        state
            .store
            .lock()
            .record_client_result(client_session, &jwt, user, state.now());
    }
    let two_factor = auth.session.factors.len() >= 2;
    Ok(Json(AuthResponse {
        session_jwt: jwt,
        user_mask: auth.user.as_ref().map(UserMask::from),
        user: auth
            .user
            .as_ref()
            .filter(|_| two_factor)
            .map(UserBody::from),
    }))
}
