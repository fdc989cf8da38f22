//! Client sessions: made by an integrator's backend, used by the browser instead of the secret.

use std::time::SystemTime;

use axum::http::StatusCode;
use ratio_auth::eip191::Address;

use super::Store;
use crate::error::{ApiError, codes};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSession {
    pub id: String,
    pub signing_address: Address,
    pub deposit_address: Address,
    pub created: SystemTime,
    pub updated: SystemTime,
    /// `GET /v1/client/sessions/{id}` answers once.
    pub retrieved: bool,
    /// The latest session JWT issued under this client session, and its user.
    pub session_jwt: Option<String>,
    pub user: Option<String>,
}

impl Store {
    pub fn create_client_session(
        &mut self,
        id: &str,
        signing: Address,
        deposit: Address,
        now: SystemTime,
    ) -> Result<ClientSession, ApiError> {
        let cap = self.rules.caps.client_sessions;
        self.make_room(now, "client sessions", cap, |s| s.client_sessions.len())?;
        let session = ClientSession {
            id: id.to_string(),
            signing_address: signing,
            deposit_address: deposit,
            created: now,
            updated: now,
            retrieved: false,
            session_jwt: None,
            user: None,
        };
        self.client_sessions.insert(id.to_string(), session.clone());
        Ok(session)
    }

    /// The signing address of client session `id`, if it exists and has not expired: an
    /// expired one is no credential any more.
    pub fn client_session_signer(&self, id: &str, now: SystemTime) -> Option<Address> {
        let ttl = self.rules.caps.client_session_ttl;
        self.client_sessions
            .get(id)
            .filter(|c| now < c.created + ttl)
            .map(|c| c.signing_address)
    }

    /// Records the result of an authenticate made under client session `id`.
    pub fn record_client_result(
        &mut self,
        id: &str,
        jwt: &str,
        user: Option<&str>,
        now: SystemTime,
    ) {
        if let Some(c) = self.client_sessions.get_mut(id) {
            c.session_jwt = Some(jwt.to_string());
            c.user = user.map(str::to_string);
            c.updated = now;
        }
    }

    /// The client session, once: later calls are 410.
    pub fn retrieve_client_session(
        &mut self,
        id: &str,
        now: SystemTime,
    ) -> Result<ClientSession, ApiError> {
        let ttl = self.rules.caps.client_session_ttl;
        let Some(c) = self.client_sessions.get_mut(id) else {
            return Err(ApiError::not_found("no such client session"));
        };
        if now >= c.created + ttl {
            self.client_sessions.remove(id);
            return Err(ApiError::new(
                StatusCode::GONE,
                codes::GONE,
                "this client session has expired",
            ));
        }
        if c.retrieved {
            return Err(ApiError::new(
                StatusCode::GONE,
                codes::GONE,
                "this client session was already retrieved",
            ));
        }
        c.retrieved = true;
        Ok(c.clone())
    }
}
