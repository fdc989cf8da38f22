//! The fetch transport in Chromium against the real sandbox server (`scripts/browser-tests`
//! starts it and passes its URL at compile time through `RATIO_SANDBOX_URL`), with its
//! injected faults: 429 + Retry-After, an HTML 502 page, malformed JSON, a dropped
//! connection, a slow answer.
#![cfg(target_arch = "wasm32")]

use k256::ecdsa::SigningKey;
use ratio_auth::backoff::{RetryAfter, parse_retry_after};
use ratio_auth::eip191::{self, Address};
use ratio_auth::web::config::Config;
use ratio_auth::web::http::{HttpRequest, HttpResponse, TransportError, fetch};
use ratio_auth::web::time::{now_ms, random_u64};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

#[path = "support/web_sandbox.rs"]
mod sandbox;
use sandbox::sandbox_url;
use web_sys::AbortController;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function parse(json) { return JSON.parse(json); }
export function abortLater(controller, ms) { setTimeout(() => controller.abort(), ms); }
const realFetch = globalThis.fetch;
// Replaces the page's fetch, the way an app's wrapper (analytics, error reporting) does.
export function patchFetch(kind) {
  globalThis.fetch = {
    rejectWithString: () => Promise.reject("offline, says the wrapper"),
    rejectWithUndefined: () => Promise.reject(undefined),
    resolveNonResponse: () => Promise.resolve({ status: 200, headers: {}, body: null }),
    throwSynchronously: () => { throw "wrapper bug"; },
  }[kind];
}
export function restoreFetch() { globalThis.fetch = realFetch; }
"#)]
extern "C" {
    fn parse(json: &str) -> JsValue;
    #[wasm_bindgen(js_name = abortLater)]
    fn abort_later(controller: &AbortController, ms: u32);
    #[wasm_bindgen(js_name = patchFetch)]
    fn patch_fetch(kind: &str);
    #[wasm_bindgen(js_name = restoreFetch)]
    fn restore_fetch();
}

/// The driver's config for the sandbox: loopback, so the sandbox's client secret is allowed.
fn sandbox_config() -> Config {
    let options = format!(
        r#"{{"baseUrl":"{}","clientId":"sandbox","clientSecret":"sandbox-secret"}}"#,
        sandbox_url()
    );
    Config::from_js(&parse(&options)).unwrap()
}

fn post(config: &Config, path: &str, body: &Value, bearer: Option<&str>) -> HttpRequest {
    let mut headers = config.client_headers();
    headers.push(("accept".into(), "application/json".into()));
    if let Some(jwt) = bearer {
        headers.push(("authorization".into(), format!("Bearer {jwt}")));
    }
    HttpRequest {
        method: "POST".into(),
        url: config.endpoint(path),
        headers,
        body: Some(body.to_string()),
    }
}

async fn send(request: &HttpRequest) -> HttpResponse {
    fetch(request, Some(10_000), None).await.unwrap()
}

fn json_body(response: &HttpResponse) -> Value {
    serde_json::from_str(&response.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", response.body))
}

async fn add_fault(fault: Value) {
    let request = HttpRequest {
        method: "POST".into(),
        url: format!("{}/sandbox/faults", sandbox_url()),
        headers: vec![],
        body: Some(fault.to_string()),
    };
    let response = send(&request).await;
    assert!(
        response.status == 201 || response.status == 200,
        "fault refused: {} {}",
        response.status,
        response.body
    );
}

fn fresh_key() -> SigningKey {
    loop {
        let mut bytes = [0u8; 32];
        for chunk in bytes.chunks_mut(8) {
            chunk.copy_from_slice(&random_u64().to_le_bytes());
        }
        if let Ok(key) = SigningKey::from_slice(&bytes) {
            return key;
        }
    }
}

/// start → sign → authenticate for a brand-new wallet; returns (address, session JWT).
async fn wallet_sign_in(config: &Config) -> (Address, String) {
    let key = fresh_key();
    let address = Address::from_verifying_key(key.verifying_key());
    let wallet = json!({"walletAddress": address.to_checksum(), "walletType": "EVM"});
    let start = send(&post(config, "/v1/auth/cryptoWallet:start", &wallet, None)).await;
    assert_eq!(start.status, 200, "{}", start.body);
    let challenge = json_body(&start)["challenge"].as_str().unwrap().to_owned();
    assert!(challenge.starts_with("Signing in with Ratio: "));
    let signature = eip191::sign_personal(&key, challenge.as_bytes());
    let body = json!({"walletAddress": address.to_checksum(), "walletType": "EVM", "signature": signature});
    let authenticated = send(&post(
        config,
        "/v1/auth/cryptoWallet:authenticate",
        &body,
        None,
    ))
    .await;
    assert_eq!(authenticated.status, 200, "{}", authenticated.body);
    let reply = json_body(&authenticated);
    assert!(
        reply.get("userMask").is_none(),
        "a fresh wallet is a new user"
    );
    (address, reply["sessionJwt"].as_str().unwrap().to_owned())
}

#[wasm_bindgen_test]
async fn wallet_sign_in_over_real_http() {
    let config = sandbox_config();
    let (address, jwt) = wallet_sign_in(&config).await;
    assert_eq!(jwt.split('.').count(), 3);

    // Error statuses are responses, not transport errors: the challenge is single-use.
    let replay = json!({"walletAddress": address.to_checksum(), "walletType": "EVM", "signature": format!("0x{}", "11".repeat(65))});
    let refused = send(&post(
        &config,
        "/v1/auth/cryptoWallet:authenticate",
        &replay,
        None,
    ))
    .await;
    assert_eq!(refused.status, 400);
    assert_eq!(json_body(&refused)["code"], "INVALID_SIGNATURE");
    assert!(refused.refresh_jwt.is_none());

    let unknown = send(&post(&config, "/v1/nope", &json!({}), None)).await;
    assert_eq!(unknown.status, 404);
}

#[wasm_bindgen_test]
async fn wrong_client_secret_is_a_401_response() {
    let options = format!(
        r#"{{"baseUrl":"{}","clientId":"sandbox","clientSecret":"wrong"}}"#,
        sandbox_url()
    );
    let config = Config::from_js(&parse(&options)).unwrap();
    let body =
        json!({"walletAddress": "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", "walletType": "EVM"});
    let response = send(&post(&config, "/v1/auth/cryptoWallet:start", &body, None)).await;
    assert_eq!(response.status, 401);
    assert_eq!(json_body(&response)["code"], "INVALID_CLIENT_SECRET");
}

#[wasm_bindgen_test]
async fn rate_limit_exposes_retry_after() {
    let config = sandbox_config();
    let path = "/v1/auth/otp/sms:send";
    add_fault(json!({"path": path, "status": 429, "count": 1, "retryAfterSeconds": 7})).await;
    let response = send(&post(
        &config,
        path,
        &json!({"phoneNumber": "+12025550143"}),
        None,
    ))
    .await;
    assert_eq!(response.status, 429);
    assert_eq!(
        response.retry_after.as_deref(),
        Some("7"),
        "Retry-After must be readable cross-origin"
    );
    assert_eq!(
        parse_retry_after(response.retry_after.as_deref().unwrap()),
        Some(RetryAfter::Seconds(7))
    );
    assert_eq!(json_body(&response)["code"], "TOO_MANY_REQUESTS");
}

#[wasm_bindgen_test]
async fn an_html_502_page_is_read_as_text() {
    let config = sandbox_config();
    let path = "/v1/auth/otp/email:send";
    let page = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>";
    add_fault(json!({"path": path, "status": 502, "body": page, "contentType": "text/html"})).await;
    let response = send(&post(
        &config,
        path,
        &json!({"emailAddress": "html@example.com"}),
        None,
    ))
    .await;
    assert_eq!(response.status, 502);
    assert_eq!(response.body, page);
}

#[wasm_bindgen_test]
async fn malformed_json_is_returned_as_it_came() {
    let config = sandbox_config();
    let path = "/v1/auth/cryptoWallet:start";
    add_fault(json!({"path": path, "status": 200, "body": "{\"challenge\": \"Signing in with"}))
        .await;
    let body =
        json!({"walletAddress": "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", "walletType": "EVM"});
    let response = send(&post(&config, path, &body, None)).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body, "{\"challenge\": \"Signing in with");
    assert!(serde_json::from_str::<Value>(&response.body).is_err());
}

#[wasm_bindgen_test]
async fn a_dropped_connection_is_a_network_error() {
    let config = sandbox_config();
    let path = "/v1/auth/otp/sms:authenticate";
    // Count 2: Chromium silently resends a request once when a reused keep-alive connection
    // closes before any response byte, so one drop would be hidden by the retry.
    add_fault(json!({"path": path, "status": 502, "dropConnection": true, "count": 2})).await;
    let request = post(
        &config,
        path,
        &json!({"phoneId": "x", "otp": "000000"}),
        None,
    );
    let error = fetch(&request, Some(10_000), None).await.unwrap_err();
    assert!(matches!(error, TransportError::Network(_)), "{error:?}");
    // The message names the request, never its body (which holds the code).
    assert!(!error.to_string().contains("000000"));
}

#[wasm_bindgen_test]
async fn a_slow_server_times_out() {
    let config = sandbox_config();
    let path = "/v1/auth/otp/email:authenticate";
    add_fault(json!({"path": path, "status": 200, "delayMs": 3000})).await;
    let request = post(
        &config,
        path,
        &json!({"emailId": "x", "otp": "000000"}),
        None,
    );
    let started = now_ms();
    let error = fetch(&request, Some(300), None).await.unwrap_err();
    let elapsed = now_ms() - started;
    assert_eq!(error, TransportError::Timeout);
    assert!(
        (250..2_000).contains(&elapsed),
        "timed out after {elapsed} ms"
    );
}

#[wasm_bindgen_test]
async fn the_caller_signal_cancels_a_request() {
    let config = sandbox_config();
    let path = "/v1/auth/cryptoWallet:addToUser";
    add_fault(json!({"path": path, "status": 200, "delayMs": 3000})).await;
    let request = post(
        &config,
        path,
        &json!({"walletAddress": "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", "walletType": "EVM"}),
        None,
    );
    let controller = AbortController::new().unwrap();
    abort_later(&controller, 100);
    let started = now_ms();
    let error = fetch(&request, Some(10_000), Some(&controller.signal()))
        .await
        .unwrap_err();
    assert_eq!(error, TransportError::Aborted);
    assert!(now_ms() - started < 2_000);
    // Already aborted: nothing is sent.
    assert_eq!(
        fetch(&request, Some(10_000), Some(&controller.signal())).await,
        Err(TransportError::Aborted)
    );
}

#[wasm_bindgen_test]
async fn the_refresh_header_is_read() {
    let config = sandbox_config();
    let (address, jwt) = wallet_sign_in(&config).await;
    // Move the sandbox's clock to within a minute of the JWT's expiry (5 min lifetime).
    let advance = HttpRequest {
        method: "POST".into(),
        url: format!("{}/sandbox/clock", sandbox_url()),
        headers: vec![],
        body: Some(json!({"advanceSeconds": 250}).to_string()),
    };
    assert_eq!(send(&advance).await.status, 200);
    let wallet = json!({"walletAddress": address.to_checksum(), "walletType": "EVM"});
    let response = send(&post(
        &config,
        "/v1/auth/cryptoWallet:start",
        &wallet,
        Some(&jwt),
    ))
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let refreshed = response
        .refresh_jwt
        .as_deref()
        .expect("ratio-authentication-refresh must be readable cross-origin");
    assert_eq!(refreshed.split('.').count(), 3);
    assert_ne!(refreshed, jwt);
    assert!(
        !format!("{response:?}").contains(refreshed),
        "Debug hides the JWT"
    );
}

#[wasm_bindgen_test]
async fn no_server_is_a_network_error() {
    let request = HttpRequest {
        method: "POST".into(),
        url: "http://127.0.0.1:59999/v1/x".into(),
        headers: vec![],
        body: Some("{}".into()),
    };
    assert!(matches!(
        fetch(&request, Some(5_000), None).await,
        Err(TransportError::Network(_))
    ));
    // A header the browser refuses to build is a typed error too, not a panic.
    let bad_header = HttpRequest {
        method: "POST".into(),
        url: format!("{}/v1/x", sandbox_url()),
        headers: vec![("x-bad".into(), "line\nbreak".into())],
        body: None,
    };
    assert!(matches!(
        fetch(&bad_header, Some(5_000), None).await,
        Err(TransportError::Network(_))
    ));
}

async fn faults_left() -> Vec<Value> {
    let request = HttpRequest {
        method: "GET".into(),
        url: format!("{}/sandbox/faults", sandbox_url()),
        headers: vec![],
        body: None,
    };
    let response = send(&request).await;
    serde_json::from_str::<Vec<Value>>(&response.body).unwrap()
}

#[wasm_bindgen_test]
async fn a_redirect_is_never_followed() {
    let config = sandbox_config();
    // The redirect target is a sandbox path whose fault rule is consumed by any request to it:
    // while the rule is still listed, nothing (credentials, code) reached the target.
    let target = format!("/v1/redirect-target-{}", random_u64());
    add_fault(json!({"path": target, "status": 503, "count": 1})).await;
    let path = "/v1/auth/otp/sms:authenticate";
    for (status, location) in [
        (302, format!("{}{target}", sandbox_url())),
        (307, format!("{}{target}", sandbox_url())),
        (308, "http://evil.example/steal".to_owned()),
    ] {
        add_fault(json!({"path": path, "status": status, "location": location})).await;
        let request = post(
            &config,
            path,
            &json!({"phoneId": "x", "otp": "424242"}),
            None,
        );
        let error = fetch(&request, Some(10_000), None).await.unwrap_err();
        assert_eq!(error, TransportError::Redirected, "{status}");
        let js = ratio_auth::web::errors::RatioAuthError::from(error);
        assert_eq!(js.kind(), ratio_auth::web::errors::ErrorKind::BadResponse);
    }
    let left = faults_left().await;
    assert!(
        left.iter()
            .any(|rule| rule["path"] == target.as_str() && rule["count"] == 1),
        "the redirect target was requested: {left:?}"
    );
}

#[wasm_bindgen_test]
async fn a_huge_body_is_refused_while_reading_and_fetch_stays_usable() {
    let config = sandbox_config();
    let path = "/v1/auth/cryptoWallet:start";
    let body =
        json!({"walletAddress": "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", "walletType": "EVM"});
    // Under the cap: read whole.
    add_fault(json!({"path": path, "status": 200, "body": "{}", "bodyBytes": 200_000})).await;
    let response = send(&post(&config, path, &body, None)).await;
    assert_eq!(response.body.len(), 200_002);
    // 30 MB: refused at the cap, well inside the timeout (reading it all is not needed).
    add_fault(json!({"path": path, "status": 200, "body": "{}", "bodyBytes": 30_000_000})).await;
    let error = fetch(&post(&config, path, &body, None), Some(10_000), None)
        .await
        .unwrap_err();
    assert_eq!(error, TransportError::BodyTooLarge);
    // Just past the cap is refused too: the cap is exact, not a rough bound.
    add_fault(json!({"path": path, "status": 200, "body": "{}", "bodyBytes": 256 * 1024 - 1}))
        .await;
    let error = fetch(&post(&config, path, &body, None), Some(10_000), None)
        .await
        .unwrap_err();
    assert_eq!(error, TransportError::BodyTooLarge);
    // The module is still usable.
    let response = send(&post(&config, path, &body, None)).await;
    assert_eq!(response.status, 200);
    assert!(json_body(&response)["challenge"].is_string());
}

/// A page's own `fetch` wrapper may reject with a non-`Error`, resolve to a fake, or throw: each
/// is a typed network error (gloo-net's `send()` would panic on the first two and kill the
/// module), and the transport works again once the real `fetch` is back.
#[wasm_bindgen_test]
async fn a_hostile_fetch_wrapper_is_a_network_error_not_a_dead_module() {
    let config = sandbox_config();
    let request = post(
        &config,
        "/v1/auth/cryptoWallet:start",
        &json!({"walletAddress": "0x0000000000000000000000000000000000000001", "walletType": "EVM"}),
        None,
    );
    for kind in [
        "rejectWithString",
        "rejectWithUndefined",
        "resolveNonResponse",
        "throwSynchronously",
    ] {
        patch_fetch(kind);
        let outcome = fetch(&request, Some(5_000), None).await;
        restore_fetch();
        assert!(
            matches!(outcome, Err(TransportError::Network(_))),
            "{kind}: {outcome:?}"
        );
    }
    let response = send(&request).await;
    assert_eq!(response.status, 200, "{}", response.body);
}

/// A header value the browser refuses (a JWT with a line break, from a hostile server) is a
/// typed error, not a JS exception thrown through wasm.
#[wasm_bindgen_test]
async fn a_header_value_the_browser_refuses_is_a_network_error() {
    let config = sandbox_config();
    let request = post(
        &config,
        "/v1/users/u1/cryptoWallet:addToUser",
        &json!({}),
        Some("eyJhbGciOi\r\nx-injected: 1"),
    );
    let outcome = fetch(&request, Some(5_000), None).await;
    assert!(
        matches!(outcome, Err(TransportError::Network(_))),
        "{outcome:?}"
    );
    let (_, jwt) = wallet_sign_in(&config).await;
    assert!(!jwt.is_empty());
}
