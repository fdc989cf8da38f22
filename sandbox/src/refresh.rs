//! `ratio-authentication-refresh`: when a presented JWT is close to expiry, the response carries
//! a fresh token of the same session. A layer, so every endpoint does it the same way and the
//! token is minted after the handler, from the session as the handler left it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use parking_lot::Mutex;

use crate::state::AppState;

pub const REFRESH_HEADER: HeaderName = HeaderName::from_static("ratio-authentication-refresh");

/// Put in the request by the layer; the Bearer extractor asks for a refresh through it.
#[derive(Clone, Default)]
pub struct RefreshSlot(Arc<Mutex<Option<String>>>);

impl RefreshSlot {
    pub fn request(&self, session_id: &str) {
        *self.0.lock() = Some(session_id.to_string());
    }

    fn take(&self) -> Option<String> {
        self.0.lock().take()
    }
}

pub async fn layer(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let slot = RefreshSlot::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    if response.headers().contains_key(&REFRESH_HEADER) {
        return response;
    }
    if let Some(session_id) = slot.take() {
        if let Some(token) = state.mint_for(&session_id) {
            if let Ok(value) = HeaderValue::from_str(&token) {
                response.headers_mut().insert(REFRESH_HEADER, value);
            }
        }
    }
    response
}

/// Sets the header on a response (used when a handler changed who the session belongs to).
pub fn set(response: &mut Response, token: &str) {
    if let Ok(value) = HeaderValue::from_str(token) {
        response.headers_mut().insert(REFRESH_HEADER, value);
    }
}
