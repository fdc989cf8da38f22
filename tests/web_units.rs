//! The driver's pieces that need no server, in Chromium: the options rules, the JS error
//! objects, JWT storage, timers and randomness.
#![cfg(target_arch = "wasm32")]

use js_sys::Reflect;
use ratio_auth::backoff::RetryPolicy;
use ratio_auth::secret::Secret;
use ratio_auth::web::auth::session_info;
use ratio_auth::web::config::{
    Config, Credentials, DEFAULT_HTTP_TIMEOUT_MS, DEFAULT_WALLET_TIMEOUT_MS,
};
use ratio_auth::web::errors::{
    ErrorKind, RatioAuthError, is_ratio_auth_error, sanitize_external_text,
};
use ratio_auth::web::http::TransportError;
use ratio_auth::web::prompts::{OtpAnswer, PromptError, Prompts, emit_event};
use ratio_auth::web::storage::{SessionStore, StorageKind};
use ratio_auth::web::time::{
    Aborted, Interrupted, now_ms, race, random_fraction, random_u64, sleep, sleep_until,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use web_sys::AbortController;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function parse(json) { return JSON.parse(json); }
export function isError(value) { return value instanceof Error; }
export function stackOf(value) { return typeof value.stack === "string" && value.stack.length > 0; }
export function hasOwn(value, key) { return Object.prototype.hasOwnProperty.call(value, key); }
export function localStorageDump() {
  const out = [];
  for (let i = 0; i < localStorage.length; i++) { const k = localStorage.key(i); out.push(k + "=" + localStorage.getItem(k)); }
  return out.join("\n");
}
export function sessionStorageGet(key) { return sessionStorage.getItem(key); }
export function sessionStorageSet(key, value) { sessionStorage.setItem(key, value); }
export function plainErrorNamed(name) { const e = new Error("x"); e.name = name; e.kind = "config"; return e; }
export function abortLater(controller, ms) { setTimeout(() => controller.abort(), ms); }
export function resolveLater(value, ms) { return new Promise((resolve) => setTimeout(() => resolve(value), ms)); }
export function testPrompts() {
  return {
    seen: [],
    phoneNumber(ctx) { this.seen.push(["phoneNumber", ctx.attempt]); return "  +12025550143 "; },
    email: async function (ctx) { this.seen.push(["email", ctx.attempt]); return 42; },
    otp: (ctx) => new Promise(() => {}),
    confirmLink: async (ctx) => { if (ctx.walletAddress === "no") throw new Error("user closed the dialog"); return false; },
  };
}
export function withoutConfirmLink(prompts) { const copy = { ...prompts }; delete copy.confirmLink; return copy; }
export function seenCount(prompts) { return prompts.seen.length; }
export function counterCallback() {
  const calls = [];
  const callback = (event) => { calls.push(event.type); if (event.type === "boom") throw new Error("app bug"); };
  callback.calls = calls;
  return callback;
}
export function callbackCalls(callback) { return callback.calls.join(","); }
// Prompts whose otp answers come from `answers`, in order.
export function otpPrompts(answers) {
  return { phoneNumber: () => "", email: () => "", otp: () => answers.shift() };
}
export function ownKeys(value) { return Object.keys(value).sort().join(","); }
export function sessionStorageLength() { return sessionStorage.length; }
"#)]
extern "C" {
    fn parse(json: &str) -> JsValue;
    #[wasm_bindgen(js_name = isError)]
    fn is_error(value: &JsValue) -> bool;
    #[wasm_bindgen(js_name = stackOf)]
    fn has_stack(value: &JsValue) -> bool;
    #[wasm_bindgen(js_name = hasOwn)]
    fn has_own(value: &JsValue, key: &str) -> bool;
    #[wasm_bindgen(js_name = localStorageDump)]
    fn local_storage_dump() -> String;
    #[wasm_bindgen(js_name = sessionStorageGet)]
    fn session_storage_get(key: &str) -> Option<String>;
    #[wasm_bindgen(js_name = sessionStorageSet)]
    fn session_storage_set(key: &str, value: &str);
    #[wasm_bindgen(js_name = plainErrorNamed)]
    fn plain_error_named(name: &str) -> JsValue;
    #[wasm_bindgen(js_name = abortLater)]
    fn abort_later(controller: &AbortController, ms: u32);
    #[wasm_bindgen(js_name = resolveLater)]
    fn resolve_later(value: &JsValue, ms: u32) -> js_sys::Promise;
    #[wasm_bindgen(js_name = testPrompts)]
    fn test_prompts() -> JsValue;
    #[wasm_bindgen(js_name = withoutConfirmLink)]
    fn without_confirm_link(prompts: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = seenCount)]
    fn seen_count(prompts: &JsValue) -> u32;
    #[wasm_bindgen(js_name = counterCallback)]
    fn counter_callback() -> js_sys::Function;
    #[wasm_bindgen(js_name = callbackCalls)]
    fn callback_calls(callback: &js_sys::Function) -> String;
    #[wasm_bindgen(js_name = otpPrompts)]
    fn otp_prompts(answers: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = ownKeys)]
    fn own_keys(value: &JsValue) -> String;
    #[wasm_bindgen(js_name = sessionStorageLength)]
    fn session_storage_length() -> u32;
}

fn config(json: &str) -> Result<Config, String> {
    Config::from_js(&parse(json)).map_err(|error| error.0)
}

fn refused(json: &str, expected_fragment: &str) {
    match config(json) {
        Ok(config) => panic!("{json} was accepted: {config:?}"),
        Err(message) => assert!(
            message.contains(expected_fragment),
            "{json}: message {message:?} lacks {expected_fragment:?}"
        ),
    }
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &key.into()).unwrap()
}

// --- config -------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn client_secret_is_refused_for_a_non_loopback_base_url() {
    for base in [
        "https://api.ratio.me",
        "https://api.sandbox.ratio.me/",
        "http://192.168.1.20:8080",
        "http://localhost.evil.com",
    ] {
        let json =
            format!(r#"{{"baseUrl":"{base}","clientId":"id","clientSecret":"hunter2-secret"}}"#);
        let message = config(&json).unwrap_err();
        assert!(message.contains("clientSecret is refused"), "{message}");
        assert!(
            !message.contains("hunter2-secret"),
            "the secret is never echoed: {message}"
        );
        let error = RatioAuthError::from(Config::from_js(&parse(&json)).unwrap_err());
        assert_eq!(error.kind(), ErrorKind::Config);
    }
}

#[wasm_bindgen_test]
fn client_secret_is_accepted_for_loopback_or_with_the_dangerous_flag() {
    for base in [
        "http://localhost:8080",
        "http://127.0.0.1:3000/",
        "http://[::1]:9000",
        "https://localhost",
    ] {
        let config = config(&format!(
            r#"{{"baseUrl":"{base}","clientId":"id","clientSecret":"s3cret"}}"#
        ))
        .unwrap();
        assert!(config.base_url_is_loopback, "{base}");
        assert_eq!(
            config.credentials,
            Credentials::ClientSecret {
                client_id: "id".into(),
                client_secret: Secret::new("s3cret")
            }
        );
    }
    let config = config(
        r#"{"baseUrl":"https://api.sandbox.ratio.me","clientId":"id","clientSecret":"s3cret","dangerouslyAllowClientSecretInBrowser":true}"#,
    )
    .unwrap();
    assert!(!config.base_url_is_loopback);
    assert_eq!(
        config.client_headers(),
        vec![
            ("ratio-client-id".to_owned(), "id".to_owned()),
            ("ratio-client-secret".to_owned(), "s3cret".to_owned())
        ]
    );
    assert!(
        !format!("{config:?}").contains("s3cret"),
        "Debug hides the secret"
    );
    refused(
        r#"{"baseUrl":"https://api.ratio.me","clientId":"id","clientSecret":"s","dangerouslyAllowClientSecretInBrowser":false}"#,
        "clientSecret is refused",
    );
}

#[wasm_bindgen_test]
fn credential_combinations() {
    refused(
        r#"{"baseUrl":"http://localhost","clientSecret":"s"}"#,
        "clientSecret needs clientId",
    );
    refused(
        r#"{"baseUrl":"http://localhost","clientId":"id","clientSecret":"s","clientSessionId":"cs"}"#,
        "not both",
    );
    refused(
        r#"{"baseUrl":"https://api.ratio.me","clientId":"id"}"#,
        "clientId alone",
    );
    refused(
        r#"{"baseUrl":"https://api.ratio.me","clientSessionId":""}"#,
        "must not be empty",
    );
    refused(
        r#"{"baseUrl":"https://api.ratio.me","clientSessionId":"line\nbreak"}"#,
        "printable ASCII",
    );

    let session = config(r#"{"baseUrl":"https://api.ratio.me","clientSessionId":"cs_123","deviceFingerprint":"eyJpcCI6IjEuMi4zLjQifQ=="}"#).unwrap();
    assert_eq!(
        session.credentials,
        Credentials::ClientSession {
            session_id: Secret::new("cs_123"),
            client_id: None
        }
    );
    assert_eq!(
        session.client_headers(),
        vec![
            ("ratio-client-session-id".to_owned(), "cs_123".to_owned()),
            (
                "ratio-device-fingerprint".to_owned(),
                "eyJpcCI6IjEuMi4zLjQifQ==".to_owned()
            ),
        ]
    );
    let proxy = config(r#"{"baseUrl":"https://dapp.example/api/ratio/"}"#).unwrap();
    assert_eq!(proxy.credentials, Credentials::Proxy);
    assert!(proxy.client_headers().is_empty());
    assert_eq!(proxy.base_url, "https://dapp.example/api/ratio");
    assert_eq!(
        proxy.endpoint("/v1/auth/cryptoWallet:start"),
        "https://dapp.example/api/ratio/v1/auth/cryptoWallet:start"
    );
}

#[wasm_bindgen_test]
fn base_url_rules() {
    refused(r#"{}"#, "baseUrl is required");
    refused(r#"{"baseUrl":"api.ratio.me"}"#, "absolute http(s) URL");
    refused(r#"{"baseUrl":"/v1"}"#, "absolute http(s) URL");
    refused(
        r#"{"baseUrl":"ftp://api.ratio.me"}"#,
        "absolute http(s) URL",
    );
    refused(
        r#"{"baseUrl":"javascript:alert(1)"}"#,
        "absolute http(s) URL",
    );
    refused(
        r#"{"baseUrl":"https://api.ratio.me?x=1"}"#,
        "query or fragment",
    );
    refused(
        r#"{"baseUrl":"https://api.ratio.me/#top"}"#,
        "query or fragment",
    );
    let message = config(r#"{"baseUrl":"https://user:pw@api.ratio.me"}"#).unwrap_err();
    assert!(
        message.contains("user name or password") && !message.contains("pw@"),
        "{message}"
    );
    refused(r#"{"baseUrl":42}"#, "invalid RatioAuth options");
    assert_eq!(
        config(r#"{"baseUrl":"https://api.ratio.me"}"#)
            .unwrap()
            .base_url,
        "https://api.ratio.me"
    );
    assert_eq!(
        config(r#"{"baseUrl":"HTTPS://API.Ratio.me:443/"}"#)
            .unwrap()
            .base_url,
        "https://api.ratio.me"
    );
}

#[wasm_bindgen_test]
fn cleartext_http_only_to_loopback() {
    for base in [
        "http://localhost:8080",
        "http://127.0.0.1",
        "http://127.8.9.10:3000",
        "http://127.1",
        "http://[::1]:9000",
    ] {
        let config = config(&format!(r#"{{"baseUrl":"{base}"}}"#))
            .unwrap_or_else(|message| panic!("{base} refused: {message}"));
        assert!(config.base_url_is_loopback, "{base}");
    }
    for base in [
        "http://api.ratio.me",
        "http://192.168.1.20:8080",
        "http://localhost.evil.com",
        "http://127.0.0.1.evil.com",
        "http://128.0.0.1",
        "http://[::2]",
        "http://0.0.0.0",
    ] {
        refused(&format!(r#"{{"baseUrl":"{base}"}}"#), "cleartext http");
        refused(
            &format!(r#"{{"baseUrl":"{base}","dangerouslyAllowInsecureHttp":false}}"#),
            "cleartext http",
        );
        let config = config(&format!(
            r#"{{"baseUrl":"{base}","dangerouslyAllowInsecureHttp":true}}"#
        ))
        .unwrap_or_else(|message| panic!("{base} with the flag refused: {message}"));
        assert!(!config.base_url_is_loopback, "{base}");
    }
    let error = RatioAuthError::from(
        Config::from_js(&parse(r#"{"baseUrl":"http://api.ratio.me"}"#)).unwrap_err(),
    );
    assert_eq!(error.kind(), ErrorKind::Config);
    assert!(config(r#"{"baseUrl":"https://api.ratio.me"}"#).is_ok());
}

#[wasm_bindgen_test]
fn base_url_ending_in_slash_or_v1_gives_one_v1() {
    for (base, prefix) in [
        ("https://api.ratio.me", "https://api.ratio.me"),
        ("https://api.ratio.me/", "https://api.ratio.me"),
        ("https://api.ratio.me//", "https://api.ratio.me"),
        ("https://api.ratio.me/v1", "https://api.ratio.me"),
        ("https://api.ratio.me/v1/", "https://api.ratio.me"),
        ("https://api.ratio.me//v1//", "https://api.ratio.me"),
        (
            "https://proxy.example/ratio/v1/",
            "https://proxy.example/ratio",
        ),
        (
            "https://proxy.example/ratio/",
            "https://proxy.example/ratio",
        ),
        ("https://proxy.example/v10", "https://proxy.example/v10"),
    ] {
        let config = config(&format!(r#"{{"baseUrl":"{base}"}}"#)).unwrap();
        assert_eq!(config.base_url, prefix, "{base}");
        let url = config.endpoint("/v1/auth/cryptoWallet:start");
        assert_eq!(
            url,
            format!("{prefix}/v1/auth/cryptoWallet:start"),
            "{base}"
        );
        assert!(
            !url.contains("/v1/v1") && !url["https://".len()..].contains("//"),
            "{url}"
        );
    }
}

#[wasm_bindgen_test]
fn retry_timeout_and_storage_ranges() {
    let defaults = config(r#"{"baseUrl":"https://api.ratio.me"}"#).unwrap();
    assert_eq!(defaults.retry, RetryPolicy::default());
    assert_eq!(defaults.http_timeout_ms(), DEFAULT_HTTP_TIMEOUT_MS);
    assert_eq!(defaults.wallet_timeout_ms(), DEFAULT_WALLET_TIMEOUT_MS);
    assert_eq!(defaults.storage, StorageKind::Memory);

    let custom = config(
        r#"{"baseUrl":"https://api.ratio.me","retry":{"maxAttempts":3,"baseDelayMs":100,"maxDelayMs":1000,"maxTotalMs":5000},"timeoutMs":2500,"storage":"sessionStorage"}"#,
    )
    .unwrap();
    assert_eq!(
        custom.retry,
        RetryPolicy {
            max_attempts: 3,
            base_delay_ms: 100,
            max_delay_ms: 1000,
            max_total_ms: 5000
        }
    );
    assert_eq!(
        (custom.http_timeout_ms(), custom.wallet_timeout_ms()),
        (2500, 2500)
    );
    assert_eq!(custom.storage, StorageKind::SessionStorage);

    for (json, fragment) in [
        (r#""retry":{"maxAttempts":0}"#, "retry.maxAttempts"),
        (r#""retry":{"maxAttempts":11}"#, "retry.maxAttempts"),
        (r#""retry":{"maxAttempts":2.5}"#, "retry.maxAttempts"),
        (r#""retry":{"baseDelayMs":-1}"#, "retry.baseDelayMs"),
        (r#""retry":{"maxDelayMs":700000}"#, "retry.maxDelayMs"),
        (r#""retry":{"maxTotalMs":1e12}"#, "retry.maxTotalMs"),
        (
            r#""retry":{"baseDelayMs":5000,"maxDelayMs":1000}"#,
            "at least retry.baseDelayMs",
        ),
        (
            r#""retry":{"maxAttempt":3}"#,
            "unknown option retry.\"maxAttempt\"",
        ),
        (r#""timeoutMs":50"#, "timeoutMs"),
        (r#""timeoutMs":600001"#, "timeoutMs"),
        (r#""storage":"localStorage""#, "not supported"),
        (
            r#""storage":"cookies""#,
            "\"memory\", \"sessionStorage\" or \"none\"",
        ),
        (
            r#""clientsecret":"typo""#,
            "unknown option \"clientsecret\"",
        ),
    ] {
        refused(
            &format!(r#"{{"baseUrl":"https://api.ratio.me",{json}}}"#),
            fragment,
        );
    }
}

#[wasm_bindgen_test]
fn option_errors_never_echo_credentials() {
    // serde quotes the offending value; when that value is the secret, it is masked.
    let message = config(r#"{"baseUrl":"http://localhost","clientId":"id","clientSecret":"TopSecret99","retry":"TopSecret99"}"#).unwrap_err();
    assert!(!message.contains("TopSecret99"), "{message}");
    assert_eq!(
        Config::from_js(&JsValue::UNDEFINED).unwrap_err().0,
        "RatioAuth options must be an object with at least baseUrl"
    );
    assert!(Config::from_js(&JsValue::from_str("https://api.ratio.me")).is_err());
}

// --- errors -------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn errors_are_real_js_errors_with_kind_code_status() {
    let js = RatioAuthError::new(ErrorKind::RateLimited, "too many SMS sends; retry later")
        .with_code("TOO_MANY_REQUESTS")
        .with_status(429)
        .with_retry_at(1_700_000_000_000)
        .into_js();
    assert!(is_error(&js), "instanceof Error");
    assert!(has_stack(&js), "has a stack");
    assert_eq!(get(&js, "name"), "RatioAuthError");
    assert_eq!(get(&js, "message"), "too many SMS sends; retry later");
    assert_eq!(get(&js, "kind"), "rateLimited");
    assert_eq!(get(&js, "code"), "TOO_MANY_REQUESTS");
    assert_eq!(get(&js, "status"), 429);
    assert_eq!(get(&js, "retryAt"), 1_700_000_000_000.0);
    assert!(!has_own(&js, "signedBy"));
    assert!(is_ratio_auth_error(&js));

    let mismatch = RatioAuthError::new(ErrorKind::SignatureMismatch, "signed by another account")
        .with_signed_by("0x14791697260E4c9A71f18484C9f997B308e59325")
        .into_js();
    assert_eq!(
        get(&mismatch, "signedBy"),
        "0x14791697260E4c9A71f18484C9f997B308e59325"
    );
    // Absent code and status are still own properties, `undefined`: one shape for all errors.
    assert!(has_own(&mismatch, "code") && get(&mismatch, "code").is_undefined());
    assert!(has_own(&mismatch, "status") && get(&mismatch, "status").is_undefined());

    for kind in ErrorKind::ALL {
        let js = RatioAuthError::new(kind, "x").into_js();
        assert_eq!(get(&js, "kind").as_string().unwrap(), kind.as_str());
        assert!(is_ratio_auth_error(&js));
    }
    // The package's JS error guard (usable before the wasm loads) keeps its own copy of the
    // kinds: it must list exactly these, in this order.
    let kinds: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(kinds, js_error_kinds());
}

/// The names in `npm/errors.js`'s `RatioAuthErrorKinds` array, in order.
fn js_error_kinds() -> Vec<&'static str> {
    let source = include_str!("../npm/errors.js");
    let start = source
        .find("RatioAuthErrorKinds = Object.freeze([")
        .expect("npm/errors.js declares RatioAuthErrorKinds");
    let list = &source[start..];
    let list = &list[list.find('[').unwrap() + 1..list.find(']').unwrap()];
    list.split(',')
        .map(|item| item.trim().trim_matches('"'))
        .filter(|item| !item.is_empty())
        .collect()
}

#[wasm_bindgen_test]
fn retry_at_handed_to_js_is_an_exact_integer() {
    // An absurd Retry-After makes an absurd retry time: JS must still get a safe integer.
    let error = RatioAuthError::new(ErrorKind::RateLimited, "slow down")
        .with_retry_at(u64::MAX)
        .into_js();
    let retry_at = get(&error, "retryAt").as_f64().unwrap();
    assert_eq!(retry_at, 9_007_199_254_740_991.0);
    assert!(js_sys::Number::is_safe_integer(&JsValue::from_f64(
        retry_at
    )));
    let error = RatioAuthError::new(ErrorKind::RateLimited, "slow down")
        .with_retry_at(1_800_000_000_000)
        .into_js();
    assert_eq!(get(&error, "retryAt").as_f64(), Some(1_800_000_000_000.0));
}

#[wasm_bindgen_test]
fn the_type_guard_accepts_only_ours() {
    assert!(!is_ratio_auth_error(&js_sys::Error::new("plain").into()));
    assert!(!is_ratio_auth_error(&parse(
        r#"{"name":"RatioAuthError","kind":"config"}"#
    )));
    assert!(!is_ratio_auth_error(&plain_error_named("TypeError")));
    assert!(is_ratio_auth_error(&plain_error_named("RatioAuthError")));
    assert!(!is_ratio_auth_error(&JsValue::NULL));
    assert!(!is_ratio_auth_error(&JsValue::from_str("RatioAuthError")));
}

#[wasm_bindgen_test]
fn messages_never_carry_jwts_or_codes() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl";
    let error = RatioAuthError::new(ErrorKind::Server, format!("token {jwt} was refused"));
    assert!(!error.message().contains(jwt));
    assert!(
        !get(&error.clone().into_js(), "message")
            .as_string()
            .unwrap()
            .contains("eyJ")
    );
    assert_eq!(error.message(), "token *** was refused");

    let external = sanitize_external_text(&format!(
        "Bearer {jwt}. Your code is 482913, request 42 (error 4001)."
    ));
    assert_eq!(
        external,
        "Bearer ***. Your code is ***, request 42 (error 4001)."
    );
    let page = sanitize_external_text(&"<html>".repeat(100));
    assert!(page.chars().count() <= 201 && page.ends_with('…'));
}

#[wasm_bindgen_test]
fn transport_errors_map_to_kinds() {
    assert_eq!(
        RatioAuthError::from(TransportError::Timeout).kind(),
        ErrorKind::Timeout
    );
    assert_eq!(
        RatioAuthError::from(TransportError::Aborted).kind(),
        ErrorKind::Aborted
    );
    assert_eq!(
        RatioAuthError::from(TransportError::Network("Failed to fetch".into())).kind(),
        ErrorKind::Network
    );
    let aborted = RatioAuthError::aborted(Some(JsValue::from_str("bye"))).into_js();
    assert_eq!(get(&aborted, "cause"), "bye");
}

// --- storage ------------------------------------------------------------------------------

const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzdG9yZWQifQ.c2ln";

#[wasm_bindgen_test]
fn memory_storage_touches_no_web_storage() {
    let local_before = local_storage_dump();
    let mut store = SessionStore::new(StorageKind::Memory, "https://api.ratio.me");
    assert!(store.load().is_none());
    store.save(&Secret::new(JWT));
    assert_eq!(store.load().unwrap().expose(), JWT);
    assert!(session_storage_get(store.key()).is_none());
    assert!(!format!("{store:?}").contains(JWT));
    store.clear();
    assert!(store.load().is_none());
    assert_eq!(local_storage_dump(), local_before);
}

#[wasm_bindgen_test]
fn session_storage_survives_a_new_instance_and_never_uses_local_storage() {
    let local_before = local_storage_dump();
    let base = "http://127.0.0.1:9/storage-test";
    let mut store = SessionStore::new(StorageKind::SessionStorage, base);
    store.save(&Secret::new(JWT));
    assert_eq!(session_storage_get(store.key()).as_deref(), Some(JWT));
    // A reload of the tab: a new store for the same server finds it.
    let reloaded = SessionStore::new(StorageKind::SessionStorage, base);
    assert_eq!(reloaded.load().unwrap().expose(), JWT);
    // Another server's instance does not.
    assert!(
        SessionStore::new(StorageKind::SessionStorage, "http://127.0.0.1:9/other")
            .load()
            .is_none()
    );
    assert_eq!(
        local_storage_dump(),
        local_before,
        "localStorage is never written"
    );
    assert!(!local_storage_dump().contains(JWT));

    store.clear();
    assert!(session_storage_get(store.key()).is_none());
    assert!(reloaded.load().is_none());
    // An empty value left by someone else reads as nothing.
    session_storage_set(store.key(), "");
    assert!(store.load().is_none());
    store.clear();
}

// --- time ---------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn sleep_waits_and_aborts() {
    let started = now_ms();
    sleep(60, None).await.unwrap();
    let elapsed = now_ms() - started;
    assert!((55..1_000).contains(&elapsed), "slept {elapsed} ms");

    let controller = AbortController::new().unwrap();
    abort_later(&controller, 30);
    let started = now_ms();
    assert_eq!(sleep(5_000, Some(&controller.signal())).await, Err(Aborted));
    assert!(now_ms() - started < 1_000);
    assert_eq!(
        sleep(5_000, Some(&controller.signal())).await,
        Err(Aborted),
        "already aborted"
    );

    let started = now_ms();
    sleep_until(started.saturating_sub(10_000), None)
        .await
        .unwrap();
    assert!(
        now_ms() - started < 100,
        "a deadline in the past does not wait"
    );
    sleep_until(now_ms() + 40, None).await.unwrap();
    assert!(now_ms() - started >= 35);
}

#[wasm_bindgen_test]
async fn race_against_timeout_and_signal() {
    let slow = wasm_bindgen_futures::JsFuture::from(resolve_later(&JsValue::from(7), 500));
    assert_eq!(
        race(slow, Some(50), None).await.unwrap_err(),
        Interrupted::TimedOut
    );

    let fast = wasm_bindgen_futures::JsFuture::from(resolve_later(&JsValue::from(7), 10));
    assert_eq!(race(fast, Some(1_000), None).await.unwrap().unwrap(), 7);

    let controller = AbortController::new().unwrap();
    abort_later(&controller, 20);
    let slow = wasm_bindgen_futures::JsFuture::from(resolve_later(&JsValue::from(7), 1_000));
    assert_eq!(
        race(slow, None, Some(&controller.signal()))
            .await
            .unwrap_err(),
        Interrupted::Aborted
    );
}

#[wasm_bindgen_test]
fn randomness_from_crypto() {
    let draws: Vec<u64> = (0..8).map(|_| random_u64()).collect();
    let mut distinct = draws.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), draws.len());
    for _ in 0..100 {
        let fraction = random_fraction();
        assert!((0.0..1.0).contains(&fraction));
    }
}

// --- prompts ------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn prompts_are_called_checked_and_cancellable() {
    let object = test_prompts();
    let prompts = Prompts::from_js(&object).unwrap();
    let ctx =
        parse(r#"{"attempt":1,"walletAddress":"0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"}"#);

    // A plain (non-async) function works, `this` is the prompts object, answers are trimmed.
    assert_eq!(
        prompts.ask_text("phoneNumber", &ctx, None).await.unwrap(),
        "+12025550143"
    );
    assert_eq!(seen_count(&object), 1);
    // A number where a string is due is the app's bug: a config error.
    let bad = prompts.ask_text("email", &ctx, None).await.unwrap_err();
    assert_eq!(
        bad,
        PromptError::BadAnswer {
            prompt: "email".into(),
            expected: "a non-empty string"
        }
    );
    assert_eq!(RatioAuthError::from(bad).kind(), ErrorKind::Config);

    // A prompt that never answers ends with the flow's signal, and only then.
    let controller = AbortController::new().unwrap();
    abort_later(&controller, 30);
    assert_eq!(
        prompts
            .ask_text("otp", &ctx, Some(&controller.signal()))
            .await,
        Err(PromptError::Aborted)
    );

    // A rejection is the app cancelling: `aborted`, with its reason as `cause`.
    assert_eq!(
        prompts.ask_yes_no("confirmLink", &ctx, None, true).await,
        Ok(false)
    );
    let cancelled = prompts
        .ask_yes_no(
            "confirmLink",
            &parse(r#"{"walletAddress":"no"}"#),
            None,
            true,
        )
        .await
        .unwrap_err();
    let js = RatioAuthError::from(cancelled).into_js();
    assert_eq!(get(&js, "kind"), "aborted");
    assert_eq!(get(&get(&js, "cause"), "message"), "user closed the dialog");
    // No confirmLink: the default.
    let without = Prompts::from_js(&without_confirm_link(&object)).unwrap();
    assert_eq!(
        without.ask_yes_no("confirmLink", &ctx, None, true).await,
        Ok(true)
    );
}

#[wasm_bindgen_test]
fn prompts_object_is_checked_up_front() {
    assert_eq!(
        Prompts::from_js(&JsValue::UNDEFINED).unwrap_err().kind(),
        ErrorKind::Config
    );
    let missing_otp = parse(r#"{"phoneNumber":1,"email":2}"#);
    assert!(
        Prompts::from_js(&missing_otp)
            .unwrap_err()
            .message()
            .contains("prompts.phoneNumber")
    );
}

#[wasm_bindgen_test]
fn a_throwing_on_event_does_not_stop_the_flow() {
    let callback = counter_callback();
    emit_event(Some(&callback), &parse(r#"{"type":"walletSigned"}"#));
    emit_event(Some(&callback), &parse(r#"{"type":"boom"}"#));
    emit_event(Some(&callback), &parse(r#"{"type":"otpSent"}"#));
    emit_event(None, &parse(r#"{"type":"nobody listens"}"#));
    assert_eq!(callback_calls(&callback), "walletSigned,boom,otpSent");
}

// --- storage "none" and flowStorage ----------------------------------------------------------

#[wasm_bindgen_test]
fn storage_none_is_accepted_and_allows_flow_storage() {
    let none = config(r#"{"baseUrl":"https://api.ratio.me","storage":"none"}"#).unwrap();
    assert_eq!(none.storage, StorageKind::None);
    assert!(!none.flow_storage);
    // The caller keeps the final JWT: the saved flow may be in sessionStorage.
    let with_flow = config(
        r#"{"baseUrl":"https://api.ratio.me","storage":"none","flowStorage":"sessionStorage"}"#,
    )
    .unwrap();
    assert_eq!(
        (with_flow.storage, with_flow.flow_storage),
        (StorageKind::None, true)
    );
    let session = config(
        r#"{"baseUrl":"https://api.ratio.me","storage":"sessionStorage","flowStorage":"sessionStorage"}"#,
    )
    .unwrap();
    assert!(session.flow_storage);
    // "memory" still refuses it (explicitly or by default), and unknown values stay errors.
    for storage in [r#""storage":"memory","#, ""] {
        refused(
            &format!(
                r#"{{"baseUrl":"https://api.ratio.me",{storage}"flowStorage":"sessionStorage"}}"#
            ),
            "needs storage \"sessionStorage\" or \"none\"",
        );
    }
    refused(
        r#"{"baseUrl":"https://api.ratio.me","storage":"None"}"#,
        "storage must be",
    );
    refused(
        r#"{"baseUrl":"https://api.ratio.me","storage":"none","flowStorage":"localStorage"}"#,
        "flowStorage must be",
    );
}

#[wasm_bindgen_test]
fn storage_none_keeps_nothing_anywhere() {
    let local_before = local_storage_dump();
    let session_before = session_storage_length();
    let mut store = SessionStore::new(StorageKind::None, "http://127.0.0.1:9/none-test");
    store.save(&Secret::new(JWT));
    assert!(store.load().is_none(), "nothing kept in memory");
    assert!(session_storage_get(store.key()).is_none());
    assert_eq!(session_storage_length(), session_before);
    assert_eq!(local_storage_dump(), local_before);
    assert!(!format!("{store:?}").contains(JWT));
    // Someone else's value under the key is not read either.
    session_storage_set(store.key(), JWT);
    assert!(store.load().is_none());
    store.clear();
    assert_eq!(
        session_storage_get(store.key()).as_deref(),
        Some(JWT),
        "not ours to clear"
    );
    let mut owner = SessionStore::new(StorageKind::SessionStorage, "http://127.0.0.1:9/none-test");
    owner.clear();
}

// --- sessionInfo ------------------------------------------------------------------------------

fn b64url(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

/// A JWT with `payload` (not signed: `sessionInfo` reads, never verifies).
fn jwt_with(payload: &str) -> String {
    format!("{}.{}.c2ln", b64url(r#"{"alg":"RS256"}"#), b64url(payload))
}

#[wasm_bindgen_test]
fn session_info_reads_factors_and_expiry_and_never_throws() {
    let future = jwt_with(
        r#"{"exp":4102444800,"https://stytch.com/session":{"authentication_factors":[
        {"delivery_method":"crypto_wallet"},{"delivery_method":"sms"},{"delivery_method":"crypto_wallet"},
        {"type":"totp"}]}}"#,
    );
    let info = session_info(JsValue::from_str(&future));
    assert_eq!(own_keys(&info), "expired,expiresAt,factors");
    assert_eq!(
        js_sys::JSON::stringify(&get(&info, "factors")).unwrap(),
        r#"["wallet","sms","other"]"#,
        "distinct, in token order"
    );
    assert_eq!(get(&info, "expiresAt").as_f64(), Some(4_102_444_800_000.0));
    assert_eq!(get(&info, "expired").as_bool(), Some(false));

    let past = session_info(JsValue::from_str(&jwt_with(r#"{"exp":1000000000}"#)));
    assert_eq!(get(&past, "expired").as_bool(), Some(true));
    assert_eq!(get(&past, "expiresAt").as_f64(), Some(1_000_000_000_000.0));
    assert_eq!(
        js_sys::JSON::stringify(&get(&past, "factors")).unwrap(),
        "[]"
    );

    // No exp: factors only.
    let no_exp = session_info(JsValue::from_str(&jwt_with(r#"{"sub":"u"}"#)));
    assert_eq!(own_keys(&no_exp), "factors");

    // Anything unreadable is `{}`: not a string, not a JWT, bad base64, a JSON array payload.
    for value in [
        JsValue::UNDEFINED,
        JsValue::NULL,
        JsValue::from_f64(42.0),
        parse(r#"{"sessionJwt":"x"}"#),
        js_sys::Symbol::for_("jwt").into(),
        JsValue::from_str(""),
        JsValue::from_str("not-a-jwt"),
        JsValue::from_str("a.b!.c"),
        JsValue::from_str(&jwt_with("[1,2]")),
        JsValue::from_str(&jwt_with(r#"{"exp":"tomorrow"}"#)),
    ] {
        let info = session_info(value);
        assert!(info.is_object());
        assert_eq!(own_keys(&info), "");
    }
}

// --- error texts: message, shortMessage, details ----------------------------------------------

#[wasm_bindgen_test]
fn every_error_has_short_message_and_details() {
    // An error of the SDK's own text only: shortMessage is the message, details undefined.
    let plain = RatioAuthError::config("baseUrl is required").into_js();
    assert_eq!(get(&plain, "shortMessage"), "baseUrl is required");
    assert!(has_own(&plain, "details") && get(&plain, "details").is_undefined());

    // With a detail from outside: message = short + detail; the detail is sanitised.
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl";
    let error = RatioAuthError::detailed(
        ErrorKind::Server,
        "api.smsSend: HTTP 500",
        &format!("token {jwt} and code 482913 refused"),
        true,
    );
    assert_eq!(error.short_message(), "api.smsSend: HTTP 500");
    assert_eq!(error.details(), Some("token *** and code *** refused"));
    let js = error.into_js();
    assert_eq!(
        get(&js, "message"),
        "api.smsSend: HTTP 500 (Ratio: token *** and code *** refused)"
    );
    assert_eq!(get(&js, "shortMessage"), "api.smsSend: HTTP 500");
    assert_eq!(get(&js, "details"), "token *** and code *** refused");
    let wallet = RatioAuthError::detailed(ErrorKind::Wallet, "wallet error", "popup closed", false);
    assert_eq!(wallet.message(), "wallet error: popup closed");
    // An empty detail is none.
    let empty = RatioAuthError::detailed(ErrorKind::Wallet, "wallet error", "  ", false);
    assert_eq!((empty.message(), empty.details()), ("wallet error", None));

    // A flow's error: Ratio's message is the details, never part of shortMessage.
    let flow = ratio_auth::flow::FlowError::new(
        ratio_auth::flow::ErrorKind::Server,
        "/v1/users answered 503",
    );
    let mut with_server = flow.clone();
    with_server.server_message = Some("maintenance until 10:00, call 55512345".into());
    let js = RatioAuthError::from(&with_server).into_js();
    assert_eq!(get(&js, "shortMessage"), "/v1/users answered 503");
    assert_eq!(get(&js, "details"), "maintenance until 10:00, call ***");
    assert_eq!(
        get(&js, "message"),
        "/v1/users answered 503 (Ratio: maintenance until 10:00, call ***)"
    );
    let js = RatioAuthError::from(&flow).into_js();
    assert_eq!(get(&js, "message"), get(&js, "shortMessage"));
    assert!(get(&js, "details").is_undefined());

    // A network failure: the browser's text is the details.
    let js = RatioAuthError::from(TransportError::Network(
        "POST http://127.0.0.1:9/v1/users: Failed to fetch".into(),
    ))
    .into_js();
    assert_eq!(get(&js, "shortMessage"), "network error");
    assert_eq!(
        get(&js, "details"),
        "POST http://127.0.0.1:9/v1/users: Failed to fetch"
    );
    assert_eq!(
        get(&js, "message"),
        "network error: POST http://127.0.0.1:9/v1/users: Failed to fetch"
    );
    let js = RatioAuthError::from(TransportError::Timeout).into_js();
    assert_eq!(get(&js, "shortMessage"), get(&js, "message"));
    assert!(get(&js, "details").is_undefined());
}

// --- prompts.otp: only { resend: true } means resend ------------------------------------------

#[wasm_bindgen_test]
async fn only_the_resend_object_asks_for_a_new_code() {
    let answers = parse(r#"["resend", " resend ", {"resend": true}, "123456", {"resend": false}]"#);
    let prompts = Prompts::from_js(&otp_prompts(&answers)).unwrap();
    let ctx = parse(r#"{"kind":"otp","attempt":1}"#);
    for expected in ["resend", " resend "] {
        match prompts.ask_otp(&ctx, None).await {
            Ok(OtpAnswer::Code(code)) => assert_eq!(code, expected),
            Ok(OtpAnswer::Resend) => panic!("the string {expected:?} was read as a resend"),
            Err(error) => panic!("{error:?}"),
        }
    }
    assert!(matches!(
        prompts.ask_otp(&ctx, None).await,
        Ok(OtpAnswer::Resend)
    ));
    assert!(matches!(
        prompts.ask_otp(&ctx, None).await,
        Ok(OtpAnswer::Code(code)) if code == "123456"
    ));
    assert_eq!(
        prompts.ask_otp(&ctx, None).await.err(),
        Some(PromptError::BadAnswer {
            prompt: "otp".into(),
            expected: "a code string or { resend: true }"
        })
    );
}
