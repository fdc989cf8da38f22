//! Shared by the browser tests that drive flows (`#[path]`-included): a watch over the console
//! and every fetch the page makes, and the check that no event, error or console line of a flow
//! holds a JWT the page received, a code, or the client secret.

#![allow(dead_code)]

use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/tests/support/leaks.js")]
extern "C" {
    /// Starts watching: wraps the console methods and `fetch` until [`watched`] restores them.
    #[wasm_bindgen(js_name = watchStart)]
    pub fn watch_start() -> JsValue;
    #[wasm_bindgen(js_name = watchStop)]
    fn watch_stop(watch: &JsValue, error: &JsValue) -> js_sys::Promise;
}

/// The client secret every browser test's `RatioAuth` uses (the sandbox's).
pub const CLIENT_SECRET: &str = "sandbox-secret";

/// Awaits `promise` (started after `watch`), then what the watch saw, as JSON: `console` lines,
/// `jwts` and `otps` received, and the `error` (every own property, `cause` included) as text.
pub async fn watched(
    watch: JsValue,
    promise: js_sys::Promise,
) -> (Result<JsValue, JsValue>, Value) {
    let outcome = JsFuture::from(promise).await;
    let error = outcome
        .as_ref()
        .err()
        .cloned()
        .unwrap_or(JsValue::UNDEFINED);
    let seen = JsFuture::from(watch_stop(&watch, &error)).await.unwrap();
    let seen: Value = serde_json::from_str(&seen.as_string().unwrap()).unwrap();
    (outcome, seen)
}

/// The texts a watch saw: the error and the console lines.
pub fn seen_texts(seen: &Value) -> Vec<(&'static str, String)> {
    let mut texts = vec![("the error", seen["error"].to_string())];
    let console = seen["console"].as_array().unwrap();
    texts.extend(
        console
            .iter()
            .map(|line| ("a console line", line.to_string())),
    );
    texts
}

/// What must never leak out of a flow: every JWT and code the page received, the codes typed,
/// and the client secret.
pub struct Leaks {
    pub jwts: Vec<String>,
    pub otps: Vec<String>,
}

impl Leaks {
    pub fn from_seen(seen: &Value) -> Leaks {
        let strings = |key: &str| -> Vec<String> {
            seen[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|item| item.as_str().unwrap().to_owned())
                .collect()
        };
        Leaks {
            jwts: strings("jwts"),
            otps: strings("otps"),
        }
    }

    /// JWTs and the secret anywhere in a text; codes as whole runs of digits (a code inside a
    /// timestamp is not a leak).
    pub fn check(&self, texts: &[(&str, String)]) -> Result<(), String> {
        for (what, text) in texts {
            if text.contains(CLIENT_SECRET) {
                return Err(format!("{what} holds the client secret: {text}"));
            }
            if let Some(jwt) = self.jwts.iter().find(|jwt| text.contains(jwt.as_str())) {
                return Err(format!("{what} holds a JWT ({jwt}): {text}"));
            }
            let mut runs = text.split(|c: char| !c.is_ascii_digit());
            if let Some(code) = runs.find(|run| self.otps.iter().any(|otp| otp == run)) {
                return Err(format!("{what} holds a code ({code}): {text}"));
            }
        }
        Ok(())
    }
}
