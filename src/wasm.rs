//! The wasm's exports: the engine of [`crate::wire`] as string functions, for the package's JS
//! driver (`npm/driver.js`, `npm/api.js`, `npm/core.js`). Nothing here touches the browser:
//! fetch, the wallet, prompts, timers and storage are the JS shell's. Only strings and numbers
//! cross, so the glue stays a few helpers and the module has no JS imports beyond wasm-bindgen's.

use crate::prelude::*;
use wasm_bindgen::prelude::*;

use crate::wire;

// The package's module has no std (src/lib.rs): a panic is a trap, with no message formatted
// and no hook run. None is reachable from input (the engine returns errors for everything from
// outside); the JS driver turns a trap, like any wasm failure, into a RatioAuthError.
#[cfg(feature = "js-module")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(feature = "js-module")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

/// JS passes `Date.now()`: an integer that fits a u64 (a NaN or a negative reads as 0).
fn unix_ms(now: f64) -> u64 {
    now as u64
}

/// One sign-in's engine. `start` and `resume` throw the engine's error object as JSON text.
#[wasm_bindgen]
pub struct Engine(wire::Session);

#[wasm_bindgen]
impl Engine {
    pub fn start(config: &str, start: &str, seed: &str, now: f64) -> Result<Engine, JsValue> {
        wire::Session::start(config, start, seed, unix_ms(now))
            .map(Engine)
            .map_err(|text| JsValue::from_str(&text))
    }

    pub fn resume(
        config: &str,
        snapshot: &str,
        account: &str,
        now: f64,
    ) -> Result<Engine, JsValue> {
        wire::Session::resume(config, snapshot, account, unix_ms(now))
            .map(Engine)
            .map_err(|text| JsValue::from_str(&text))
    }

    pub fn step(&mut self, input: &str) -> String {
        self.0.step(input)
    }
}

#[wasm_bindgen(js_name = pendingSignIn)]
pub fn pending_sign_in(snapshot: &str, now: f64) -> String {
    wire::pending_sign_in(snapshot, unix_ms(now))
}

#[wasm_bindgen(js_name = sessionInfo)]
pub fn session_info(jwt: &str, now: f64) -> String {
    wire::session_info(jwt, unix_ms(now))
}

#[wasm_bindgen(js_name = apiRequest)]
pub fn api_request(name: &str, config: &str, request: &str, jwt: Option<String>) -> String {
    wire::api_request(name, config, request, jwt.as_deref())
}

#[wasm_bindgen(js_name = apiResponse)]
pub fn api_response(name: &str, response: &str, now: f64) -> String {
    wire::api_response(name, response, unix_ms(now))
}
