//! Where the final session JWT is kept.
//!
//! - [`StorageKind::Memory`] (default): a Rust value, gone with the page.
//! - [`StorageKind::SessionStorage`]: survives reloads of this tab only. When `sessionStorage`
//!   is unavailable (sandboxed iframe, storage disabled, quota), the JWT stays in memory: a
//!   failure never widens where a token lives.
//! - [`StorageKind::None`]: not kept at all. `signIn`'s result still holds it; keeping it is
//!   the caller's business (a JS layer with its own storage adapter).
//! - Never `localStorage`: it outlives the tab and is shared by every tab of the origin.
//!   This module has no code path that can reach it.

use wasm_bindgen::JsCast;
use web_sys::Storage;

use super::js::property;
use crate::secret::Secret;

/// Where a [`SessionStore`] keeps the JWT.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StorageKind {
    #[default]
    Memory,
    SessionStorage,
    /// `storage: "none"`: the session is never stored; `session()` is always `undefined`.
    None,
}

/// The session JWT of one `RatioAuth` instance.
#[derive(Debug)]
pub struct SessionStore {
    kind: StorageKind,
    key: String,
    memory: Option<Secret>,
}

impl SessionStore {
    /// Keyed by `base_url`, so two instances talking to different servers do not share a JWT.
    pub fn new(kind: StorageKind, base_url: &str) -> SessionStore {
        SessionStore {
            kind,
            key: format!("ratio-auth:sessionJwt:{base_url}"),
            memory: None,
        }
    }

    pub fn kind(&self) -> StorageKind {
        self.kind
    }

    /// The `sessionStorage` key used (for `StorageKind::SessionStorage`).
    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn save(&mut self, jwt: &Secret) {
        if self.kind == StorageKind::None {
            return;
        }
        if self.kind == StorageKind::SessionStorage {
            let written = session_storage()
                .is_some_and(|storage| storage.set_item(&self.key, jwt.expose()).is_ok());
            if written {
                self.memory = None;
                return;
            }
        }
        self.memory = Some(jwt.clone());
    }

    pub fn load(&self) -> Option<Secret> {
        if let Some(jwt) = &self.memory {
            return Some(jwt.clone());
        }
        if self.kind != StorageKind::SessionStorage {
            return None;
        }
        session_storage()?
            .get_item(&self.key)
            .ok()
            .flatten()
            .filter(|jwt| !jwt.is_empty())
            .map(Secret::from)
    }

    /// Forgets the JWT everywhere this store may have put it.
    pub fn clear(&mut self) {
        self.memory = None;
        if self.kind == StorageKind::SessionStorage {
            if let Some(storage) = session_storage() {
                let _ = storage.remove_item(&self.key);
            }
        }
    }
}

/// `globalThis.sessionStorage`, or `None` where it is missing or its getter throws
/// (a `SecurityError` when storage is blocked).
fn session_storage() -> Option<Storage> {
    property(&js_sys::global(), "sessionStorage")
        .dyn_into::<Storage>()
        .ok()
}

/// The unfinished sign-in of one `RatioAuth` instance (`flowStorage: "sessionStorage"`): the
/// engine's [`crate::flow::FlowSnapshot`] JSON, in this tab's `sessionStorage` only. Where
/// `sessionStorage` is unavailable nothing is saved (a reload then starts over).
#[derive(Debug)]
pub struct FlowStore {
    enabled: bool,
    key: String,
}

impl FlowStore {
    /// Keyed by `base_url`, like the session.
    pub fn new(enabled: bool, base_url: &str) -> FlowStore {
        FlowStore {
            enabled,
            key: format!("ratio-auth:pendingSignIn:{base_url}"),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn save(&self, snapshot_json: &str) {
        if self.enabled {
            if let Some(storage) = session_storage() {
                // A full quota loses the save, not the flow: the sign-in goes on.
                let _ = storage.set_item(&self.key, snapshot_json);
            }
        }
    }

    pub fn load(&self) -> Option<String> {
        if !self.enabled {
            return None;
        }
        session_storage()?
            .get_item(&self.key)
            .ok()
            .flatten()
            .filter(|text| !text.is_empty())
    }

    pub fn clear(&self) {
        if self.enabled {
            if let Some(storage) = session_storage() {
                let _ = storage.remove_item(&self.key);
            }
        }
    }
}
