//! EIP-6963 wallet discovery: every injected wallet announces itself, instead of all of them
//! fighting over `window.ethereum`.
//!
//! Listen for `eip6963:announceProvider`, dispatch `eip6963:requestProvider`, collect for a
//! short while, dedupe by `info.uuid` (wallets may announce more than once; the first wins).
//! Announcements without a string `uuid`/`name`/`rdns` or a `provider.request` function are
//! skipped. `icon` must be a `data:image/…` URI (EIP-6963 says data URI); anything else is
//! replaced by `""` so an `<img src={icon}>` never loads a remote URL or runs a script.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;
use web_sys::{CustomEvent, Event, EventTarget};

use super::errors::RatioAuthError;
use super::js::{function_property, property, set_property, string_property};
use super::time::sleep;

pub const ANNOUNCE_EVENT: &str = "eip6963:announceProvider";
pub const REQUEST_EVENT: &str = "eip6963:requestProvider";
pub const DEFAULT_DISCOVERY_MS: u32 = 300;
pub const MAX_DISCOVERY_MS: u32 = 10_000;

/// One announced wallet.
#[derive(Clone, Debug)]
pub struct DiscoveredWallet {
    pub uuid: String,
    pub name: String,
    pub icon: String,
    pub rdns: String,
    /// The EIP-1193 provider, as announced (same object).
    pub provider: JsValue,
}

impl DiscoveredWallet {
    /// `{info: {uuid, name, icon, rdns}, provider}`, the EIP-6963 `ProviderDetail` shape.
    pub fn to_js(&self) -> JsValue {
        let info = Object::new();
        set_property(&info, "uuid", &JsValue::from_str(&self.uuid));
        set_property(&info, "name", &JsValue::from_str(&self.name));
        set_property(&info, "icon", &JsValue::from_str(&self.icon));
        set_property(&info, "rdns", &JsValue::from_str(&self.rdns));
        let detail = Object::new();
        set_property(&detail, "info", &Object::freeze(&info));
        set_property(&detail, "provider", &self.provider);
        detail.into()
    }

    fn from_announcement(detail: &JsValue) -> Option<DiscoveredWallet> {
        let info = property(detail, "info");
        let provider = property(detail, "provider");
        function_property(&provider, "request")?;
        let uuid = string_property(&info, "uuid").filter(|uuid| !uuid.is_empty())?;
        let icon = string_property(&info, "icon")
            .filter(|icon| icon.starts_with("data:image/"))
            .unwrap_or_default();
        Some(DiscoveredWallet {
            uuid,
            name: string_property(&info, "name")?,
            icon,
            rdns: string_property(&info, "rdns")?,
            provider,
        })
    }
}

/// Discovers the wallets that announce themselves within `timeout_ms`. Outside a page (no
/// global event target), or on any failure to listen, the list is empty.
pub async fn discover_wallets(timeout_ms: u32) -> Vec<DiscoveredWallet> {
    let Ok(target) = js_sys::global().dyn_into::<EventTarget>() else {
        return Vec::new();
    };
    let found: Rc<RefCell<Vec<DiscoveredWallet>>> = Rc::default();
    let on_announce = {
        let found = found.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let Some(event) = event.dyn_ref::<CustomEvent>() else {
                return;
            };
            // Read through a catching call: a subclass or an own property may shadow `detail`.
            let detail = property(event, "detail");
            let Some(wallet) = DiscoveredWallet::from_announcement(&detail) else {
                return;
            };
            let Ok(mut found) = found.try_borrow_mut() else {
                return;
            };
            if !found.iter().any(|known| known.uuid == wallet.uuid) {
                found.push(wallet);
            }
        })
    };
    let listener = on_announce.as_ref().unchecked_ref();
    if target
        .add_event_listener_with_callback(ANNOUNCE_EVENT, listener)
        .is_err()
    {
        return Vec::new();
    }
    if let Ok(request) = Event::new(REQUEST_EVENT) {
        // Wallets that are already loaded answer synchronously, inside this dispatch.
        let _ = target.dispatch_event(&request);
    }
    let _ = sleep(timeout_ms.min(MAX_DISCOVERY_MS).into(), None).await;
    let _ = target.remove_event_listener_with_callback(ANNOUNCE_EVENT, listener);
    drop(on_announce);
    found.take()
}

/// EIP-6963 discovery: the wallets that announce themselves within `timeoutMs` (default 300,
/// at most 10 000), deduplicated by `info.uuid`.
#[wasm_bindgen(js_name = discoverWallets, unchecked_return_type = "EIP6963ProviderDetail[]")]
pub async fn discover_wallets_js(
    // Any JS value, checked here: a number parameter would make the glue convert it, and a
    // throwing `valueOf` would then throw out of the call instead of rejecting its promise.
    #[wasm_bindgen(js_name = timeoutMs, unchecked_optional_param_type = "number | null")]
    timeout_ms: JsValue,
) -> Result<JsValue, JsValue> {
    let absent = timeout_ms.is_undefined() || timeout_ms.is_null();
    let timeout_ms = match timeout_ms.as_f64() {
        None if absent => DEFAULT_DISCOVERY_MS,
        Some(ms) if ms.is_finite() && (0.0..=f64::from(MAX_DISCOVERY_MS)).contains(&ms) => {
            ms as u32
        }
        _ => {
            return Err(RatioAuthError::config(format!(
                "discoverWallets(timeoutMs): timeoutMs must be a number from 0 to {MAX_DISCOVERY_MS}"
            ))
            .into_js());
        }
    };
    let wallets = discover_wallets(timeout_ms).await;
    Ok(wallets
        .iter()
        .map(DiscoveredWallet::to_js)
        .collect::<Array>()
        .into())
}
