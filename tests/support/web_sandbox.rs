//! The sandbox the browser tests talk to. `scripts/browser-tests` starts one on a free port and
//! bakes its URL in at compile time (`RATIO_SANDBOX_URL`); by hand, `wasm-pack test --headless
//! --chrome` uses the default port, where a sandbox started as the message below says listens.
//! Without one, every test fails with that one line instead of a network error deep inside a
//! flow.

use std::cell::Cell;

use wasm_bindgen::prelude::*;

pub const DEFAULT_SANDBOX_URL: &str = "http://127.0.0.1:8080";

// A synchronous request, once per test binary: the check has to happen inside the sync helpers
// that build each test's options. Any answer counts, an error status included (only CORS or a
// dead port give status 0).
#[wasm_bindgen(inline_js = r#"
export function sandboxAnswers(url) {
  try {
    const xhr = new XMLHttpRequest();
    xhr.open("GET", url + "/v1/client/sessions/ping", false);
    xhr.send();
    return xhr.status > 0;
  } catch {
    return false;
  }
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = sandboxAnswers)]
    fn sandbox_answers(url: &str) -> bool;
}

thread_local! {
    static ANSWERED: Cell<bool> = const { Cell::new(false) };
}

/// The sandbox's base URL; panics with how to start one when nothing answers there.
pub fn sandbox_url() -> &'static str {
    let url = option_env!("RATIO_SANDBOX_URL")
        .filter(|url| !url.is_empty())
        .unwrap_or(DEFAULT_SANDBOX_URL)
        .trim_end_matches('/');
    if !ANSWERED.with(Cell::get) {
        if !sandbox_answers(url) {
            panic!(
                "no Ratio sandbox answers at {url}: run ./scripts/browser-tests (it starts one), or start one with `cargo run --release -p ratio-sandbox -- --addr 127.0.0.1:8080 --allow-origin 'http://127.0.0.1:*'` and run wasm-pack test again"
            );
        }
        ANSWERED.with(|answered| answered.set(true));
    }
    url
}
