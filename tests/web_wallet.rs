//! The EIP-1193 bridge in Chromium, against JS test providers: one that signs with a k256 key
//! held by Rust, rejecting ones (4001, the -32603 "User denied" quirk, ...), one that never
//! answers, and one that emits `accountsChanged` mid-flow.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Function};
use k256::ecdsa::SigningKey;
use ratio_auth::eip191::{self, Address, challenge_hex};
use ratio_auth::web::abort::FlowAbort;
use ratio_auth::web::errors::{ErrorKind, RatioAuthError};
use ratio_auth::web::time::now_ms;
use ratio_auth::web::wallet::{
    Wallet, WalletError, accounts_change_ends_flow, codes, map_provider_error, select_account,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use web_sys::AbortController;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
function scripted(script, withEvents) {
  const listeners = new Map();
  const calls = [];
  const provider = {
    calls,
    request(args) {
      calls.push({ method: args.method, params: args.params, hasParams: "params" in args });
      const step = script[args.method];
      if (step === undefined) return Promise.reject({ code: 4200, message: "unsupported method " + args.method });
      if (step === "never") return new Promise(() => {});
      if (typeof step === "function") return Promise.resolve().then(() => step(args.params));
      if ("throwSync" in step) throw step.throwSync;
      if ("error" in step) return Promise.reject(step.error);
      return Promise.resolve(step.result);
    },
    emit(event, value) { for (const fn of (listeners.get(event) || []).slice()) fn(value); },
    listenerCount(event) { return (listeners.get(event) || []).length; },
  };
  if (withEvents) {
    provider.on = (event, fn) => { listeners.set(event, [...(listeners.get(event) || []), fn]); return provider; };
    provider.removeListener = (event, fn) => { listeners.set(event, (listeners.get(event) || []).filter((f) => f !== fn)); return provider; };
  }
  return provider;
}
export function signingProvider(accounts, sign) {
  return scripted({
    eth_requestAccounts: { result: accounts },
    eth_accounts: { result: accounts },
    personal_sign: (params) => sign(params[0], params[1]),
  }, true);
}
export function providerWith(scriptJson, withEvents) { return scripted(JSON.parse(scriptJson), withEvents); }
export function errorInstanceProvider(code, message) {
  const error = new Error(message);
  error.code = code;
  return scripted({ personal_sign: { error } }, false);
}
export function onOnlyProvider() {
  const provider = scripted({ eth_accounts: { result: [] } }, false);
  provider.on = (event, fn) => { provider.saved = fn; };
  return provider;
}
export function callSaved(provider, value) {
  try { provider.saved(value); return "ok"; } catch (e) { return "threw: " + e; }
}
export function calls(provider) { return provider.calls; }
export function emit(provider, event, value) { provider.emit(event, value); }
export function emitLater(provider, event, value, ms) { setTimeout(() => provider.emit(event, value), ms); }
export function listenerCount(provider, event) { return provider.listenerCount(event); }
export function abortLater(controller, reason, ms) { setTimeout(() => controller.abort(reason), ms); }
export function jsonError(json) { return JSON.parse(json); }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = signingProvider)]
    fn signing_provider(accounts: &Array, sign: &Function) -> JsValue;
    #[wasm_bindgen(js_name = providerWith)]
    fn provider_with(script_json: &str, with_events: bool) -> JsValue;
    #[wasm_bindgen(js_name = errorInstanceProvider)]
    fn error_instance_provider(code: i32, message: &str) -> JsValue;
    #[wasm_bindgen(js_name = onOnlyProvider)]
    fn on_only_provider() -> JsValue;
    #[wasm_bindgen(js_name = callSaved)]
    fn call_saved(provider: &JsValue, value: &JsValue) -> String;
    fn calls(provider: &JsValue) -> Array;
    fn emit(provider: &JsValue, event: &str, value: &JsValue);
    #[wasm_bindgen(js_name = emitLater)]
    fn emit_later(provider: &JsValue, event: &str, value: &JsValue, ms: u32);
    #[wasm_bindgen(js_name = listenerCount)]
    fn listener_count(provider: &JsValue, event: &str) -> u32;
    #[wasm_bindgen(js_name = abortLater)]
    fn abort_later(controller: &AbortController, reason: &JsValue, ms: u32);
    #[wasm_bindgen(js_name = jsonError)]
    fn json_error(json: &str) -> JsValue;
}

const KEY_A: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
const ADDR_A: &str = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";
const ADDR_B: &str = "0x14791697260E4c9A71f18484C9f997B308e59325";
const CHALLENGE: &str = "Signing in with Ratio: q9JxWcH2v-Lr0e8bZp3FtA";

fn key_a() -> SigningKey {
    let bytes: [u8; 32] = hex::decode(KEY_A).unwrap().try_into().unwrap();
    SigningKey::from_bytes(&bytes.into()).unwrap()
}

fn addr(text: &str) -> Address {
    Address::parse(text).unwrap()
}

fn js_accounts(accounts: &[&str]) -> Array {
    accounts.iter().map(|a| JsValue::from_str(a)).collect()
}

/// The Rust side of the signing provider: `(0x-hex message, address) -> signature`.
type SignCallback = Closure<dyn FnMut(String, String) -> String>;

/// A wallet whose `personal_sign` signs the hex-decoded message with KEY_A, in Rust.
fn k256_wallet(accounts: &[&str]) -> (Wallet, JsValue, SignCallback) {
    let key = key_a();
    let sign = SignCallback::new(move |message_hex: String, _address: String| {
        let bytes = hex::decode(message_hex.trim_start_matches("0x")).unwrap_or_default();
        eip191::sign_personal(&key, &bytes)
    });
    let provider = signing_provider(&js_accounts(accounts), sign.as_ref().unchecked_ref());
    let wallet = Wallet::new(provider.clone(), Some(5_000)).unwrap();
    (wallet, provider, sign)
}

fn call_method(call: &JsValue) -> String {
    js_sys::Reflect::get(call, &"method".into())
        .unwrap()
        .as_string()
        .unwrap()
}

#[wasm_bindgen_test]
async fn accounts_then_personal_sign_with_a_k256_key() {
    let lower_a = ADDR_A.to_lowercase();
    let (wallet, provider, _sign) = k256_wallet(&[&lower_a, ADDR_B]);
    let accounts = wallet.request_accounts(None).await.unwrap();
    assert_eq!(accounts, vec![addr(ADDR_A), addr(ADDR_B)]);
    let account = select_account(&accounts, None).unwrap();
    assert_eq!(account, addr(ADDR_A));

    let signature = wallet
        .personal_sign(CHALLENGE, &account, None)
        .await
        .unwrap();
    assert_eq!(
        eip191::check_signer(CHALLENGE, &signature, &account),
        Ok(())
    );

    let calls = calls(&provider);
    assert_eq!(calls.length(), 2);
    assert_eq!(call_method(&calls.get(0)), "eth_requestAccounts");
    // No `params` for eth_requestAccounts: some wallets refuse even an empty array.
    assert_eq!(
        js_sys::Reflect::get(&calls.get(0), &"hasParams".into()).unwrap(),
        JsValue::FALSE
    );
    let sign_call = calls.get(1);
    assert_eq!(call_method(&sign_call), "personal_sign");
    let params: Array = js_sys::Reflect::get(&sign_call, &"params".into())
        .unwrap()
        .into();
    assert_eq!(params.get(0).as_string().unwrap(), challenge_hex(CHALLENGE));
    assert_eq!(params.get(1).as_string().unwrap(), lower_a);
}

#[wasm_bindgen_test]
async fn falls_back_to_eth_accounts() {
    // A wallet without eth_requestAccounts (4200).
    let provider = provider_with(
        &format!(r#"{{"eth_accounts":{{"result":["{ADDR_B}"]}}}}"#),
        false,
    );
    let wallet = Wallet::new(provider.clone(), Some(1_000)).unwrap();
    assert_eq!(
        wallet.request_accounts(None).await.unwrap(),
        vec![addr(ADDR_B)]
    );
    let methods: Vec<String> = calls(&provider).iter().map(|c| call_method(&c)).collect();
    assert_eq!(methods, ["eth_requestAccounts", "eth_accounts"]);

    // -32601 (method not found) is the JSON-RPC spelling of the same thing.
    let provider = provider_with(
        &format!(
            r#"{{"eth_requestAccounts":{{"error":{{"code":-32601,"message":"nope"}}}},"eth_accounts":{{"result":["{ADDR_A}"]}}}}"#
        ),
        false,
    );
    let wallet = Wallet::new(provider, Some(1_000)).unwrap();
    assert_eq!(
        wallet.request_accounts(None).await.unwrap(),
        vec![addr(ADDR_A)]
    );

    // An empty eth_requestAccounts answer is followed by eth_accounts, then NoAccounts.
    let provider = provider_with(
        r#"{"eth_requestAccounts":{"result":[]},"eth_accounts":{"result":[]}}"#,
        false,
    );
    let wallet = Wallet::new(provider.clone(), Some(1_000)).unwrap();
    assert_eq!(
        wallet.request_accounts(None).await,
        Err(WalletError::NoAccounts)
    );
    assert_eq!(calls(&provider).length(), 2);
}

#[wasm_bindgen_test]
async fn malformed_wallet_answers_are_bad_responses() {
    for script in [
        r#"{"eth_requestAccounts":{"result":"0x2c7536e3605d9c16a7a3d7b1898e529396a65c23"}}"#,
        r#"{"eth_requestAccounts":{"result":["not an address"]}}"#,
        r#"{"eth_requestAccounts":{"result":[42]}}"#,
    ] {
        let wallet = Wallet::new(provider_with(script, false), Some(1_000)).unwrap();
        let error = wallet.request_accounts(None).await.unwrap_err();
        assert!(
            matches!(error, WalletError::BadResponse { .. }),
            "{script}: {error:?}"
        );
    }
    let wallet = Wallet::new(
        provider_with(r#"{"personal_sign":{"result":{"sig":"0x"}}}"#, false),
        Some(1_000),
    )
    .unwrap();
    let error = wallet
        .personal_sign(CHALLENGE, &addr(ADDR_A), None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, WalletError::BadResponse { .. }),
        "{error:?}"
    );
}

#[wasm_bindgen_test]
async fn user_rejection_4001() {
    let provider = provider_with(
        r#"{"personal_sign":{"error":{"code":4001,"message":"User rejected the request."}}}"#,
        false,
    );
    let wallet = Wallet::new(provider, Some(1_000)).unwrap();
    let error = wallet
        .personal_sign(CHALLENGE, &addr(ADDR_A), None)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        WalletError::UserRejected {
            code: 4001,
            message: "User rejected the request.".into()
        }
    );
    let js_error = RatioAuthError::from(error);
    assert_eq!(js_error.kind(), ErrorKind::UserRejected);
    assert_eq!(js_error.wallet_code(), Some(4001));
}

#[wasm_bindgen_test]
async fn user_rejection_minus_32603_quirk() {
    let provider = provider_with(
        r#"{"personal_sign":{"error":{"code":-32603,"message":"MetaMask Message Signature: User denied message signature."}}}"#,
        false,
    );
    let wallet = Wallet::new(provider, Some(1_000)).unwrap();
    let error = wallet
        .personal_sign(CHALLENGE, &addr(ADDR_A), None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, WalletError::UserRejected { code: -32603, .. }),
        "{error:?}"
    );
    assert_eq!(RatioAuthError::from(error).kind(), ErrorKind::UserRejected);

    // The same quirk with the 4001 nested in `data`, thrown as a real Error with a numeric string code.
    let nested = json_error(
        r#"{"code":-32603,"message":"Internal JSON-RPC error.","data":{"originalError":{"code":4001,"message":"rejected"}}}"#,
    );
    assert!(matches!(
        map_provider_error("personal_sign", &nested),
        WalletError::UserRejected { .. }
    ));
    let wallet = Wallet::new(
        error_instance_provider(-32603, "Error: User denied message signature"),
        Some(1_000),
    )
    .unwrap();
    assert!(matches!(
        wallet.personal_sign(CHALLENGE, &addr(ADDR_A), None).await,
        Err(WalletError::UserRejected { .. })
    ));

    // A real internal error is not a rejection.
    let internal = json_error(r#"{"code":-32603,"message":"Internal JSON-RPC error."}"#);
    assert_eq!(
        map_provider_error("personal_sign", &internal),
        WalletError::Other {
            code: Some(-32603),
            message: "Internal JSON-RPC error.".into()
        }
    );
}

/// A `code` sent as an integer string reads as that integer; anything else in a string is no
/// code at all (the error is then mapped as one without a code).
#[wasm_bindgen_test]
fn string_codes_are_read_as_integers() {
    let with_code = |code: JsValue| {
        let error = js_sys::Object::new();
        js_sys::Reflect::set(&error, &"code".into(), &code).unwrap();
        js_sys::Reflect::set(&error, &"message".into(), &"m".into()).unwrap();
        map_provider_error("personal_sign", &error)
    };
    for (text, number) in [
        ("4001", 4001.0),
        (" -32000\n", -32000.0),
        ("+4100", 4100.0),
        ("-0", 0.0),
    ] {
        assert_eq!(
            with_code(text.into()),
            with_code(JsValue::from_f64(number)),
            "{text:?}"
        );
    }
    assert!(matches!(
        with_code("4001".into()),
        WalletError::UserRejected { code: 4001, .. }
    ));
    for text in [
        "4001.0",
        "4.001e3",
        "1.5",
        "0x10",
        "",
        "NaN",
        "Infinity",
        "1_000",
        "9000000000000000",
    ] {
        assert_eq!(
            with_code(text.into()),
            with_code(JsValue::UNDEFINED),
            "{text:?}"
        );
    }
}

#[wasm_bindgen_test]
fn eip1193_error_codes_are_mapped() {
    let case = |json: &str| map_provider_error("personal_sign", &json_error(json));
    assert!(matches!(
        case(r#"{"code":4100,"message":"m"}"#),
        WalletError::Unauthorized { .. }
    ));
    assert!(matches!(
        case(r#"{"code":4200,"message":"m"}"#),
        WalletError::UnsupportedMethod { .. }
    ));
    assert!(matches!(
        case(r#"{"code":4900,"message":"m"}"#),
        WalletError::Disconnected {
            chain_only: false,
            ..
        }
    ));
    assert!(matches!(
        case(r#"{"code":4901,"message":"m"}"#),
        WalletError::Disconnected {
            chain_only: true,
            ..
        }
    ));
    assert!(matches!(
        case(r#"{"code":-32002,"message":"m"}"#),
        WalletError::RequestPending { .. }
    ));
    assert!(matches!(
        case(r#"{"code":"4001","message":"m"}"#),
        WalletError::UserRejected { .. }
    ));
    assert_eq!(
        case(r#"{"code":-32000,"message":"m"}"#),
        WalletError::Other {
            code: Some(-32000),
            message: "m".into()
        }
    );
    assert_eq!(
        case(r#""just a string""#),
        WalletError::Other {
            code: None,
            message: "just a string".into()
        }
    );
    assert_eq!(
        map_provider_error("x", &JsValue::UNDEFINED),
        WalletError::Other {
            code: None,
            message: "no error value".into()
        }
    );

    // Each becomes a `wallet` error with its reason and code.
    let pending = RatioAuthError::from(case(r#"{"code":-32002,"message":"m"}"#));
    assert_eq!(
        (pending.kind(), pending.reason(), pending.wallet_code()),
        (
            ErrorKind::Wallet,
            Some("requestPending"),
            Some(codes::REQUEST_PENDING)
        )
    );
    let disconnected = RatioAuthError::from(case(r#"{"code":4900,"message":"m"}"#));
    assert_eq!(
        (disconnected.kind(), disconnected.reason()),
        (ErrorKind::Wallet, Some("disconnected"))
    );
    let unauthorized = RatioAuthError::from(case(r#"{"code":4100,"message":"m"}"#));
    assert_eq!(
        (unauthorized.kind(), unauthorized.wallet_code()),
        (ErrorKind::Wallet, Some(4100))
    );

    // A one-time code or a JWT in a wallet's message never reaches ours.
    let leaky = case(
        r#"{"code":-32000,"message":"code 123456 for eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}"#,
    );
    let text = leaky.to_string();
    assert!(!text.contains("123456") && !text.contains("eyJ"), "{text}");
}

#[wasm_bindgen_test]
async fn synchronous_throw_is_mapped_too() {
    let provider = provider_with(
        r#"{"personal_sign":{"throwSync":{"code":4001,"message":"no"}}}"#,
        false,
    );
    let wallet = Wallet::new(provider, Some(1_000)).unwrap();
    assert!(matches!(
        wallet.personal_sign(CHALLENGE, &addr(ADDR_A), None).await,
        Err(WalletError::UserRejected { .. })
    ));
}

#[wasm_bindgen_test]
async fn a_wallet_that_never_answers_times_out() {
    let provider = provider_with(r#"{"personal_sign":"never"}"#, false);
    let wallet = Wallet::new(provider, Some(200)).unwrap();
    let started = now_ms();
    let error = wallet
        .personal_sign(CHALLENGE, &addr(ADDR_A), None)
        .await
        .unwrap_err();
    let elapsed = now_ms() - started;
    assert_eq!(error, WalletError::Timeout);
    assert!(
        (150..2_000).contains(&elapsed),
        "timed out after {elapsed} ms"
    );
    assert_eq!(RatioAuthError::from(error).kind(), ErrorKind::Timeout);
}

#[wasm_bindgen_test]
async fn the_caller_signal_aborts_a_wallet_prompt() {
    let provider = provider_with(r#"{"personal_sign":"never"}"#, false);
    let wallet = Wallet::new(provider.clone(), Some(10_000)).unwrap();
    let controller = AbortController::new().unwrap();
    abort_later(&controller, &JsValue::from_str("user left"), 50);
    let started = now_ms();
    let error = wallet
        .personal_sign(CHALLENGE, &addr(ADDR_A), Some(&controller.signal()))
        .await
        .unwrap_err();
    assert_eq!(error, WalletError::Aborted);
    assert!(now_ms() - started < 2_000);

    // Already aborted: the wallet is not even asked.
    let before = calls(&provider).length();
    let error = wallet
        .personal_sign(CHALLENGE, &addr(ADDR_A), Some(&controller.signal()))
        .await
        .unwrap_err();
    assert_eq!(error, WalletError::Aborted);
    assert_eq!(calls(&provider).length(), before);
}

#[wasm_bindgen_test]
async fn accounts_changed_mid_flow_aborts_it_with_a_typed_error() {
    let provider = provider_with(
        &format!(
            r#"{{"eth_requestAccounts":{{"result":["{ADDR_A}","{ADDR_B}"]}},"personal_sign":"never"}}"#
        ),
        true,
    );
    let wallet = Wallet::new(provider.clone(), Some(10_000)).unwrap();
    let accounts = wallet.request_accounts(None).await.unwrap();
    let mut flow = FlowAbort::new(None).unwrap();
    flow.watch_accounts(&wallet, accounts[0], &accounts);
    assert_eq!(listener_count(&provider, "accountsChanged"), 1);

    // Same selected account (re-emitted, or another account added): the flow goes on.
    emit(&provider, "accountsChanged", &js_accounts(&[ADDR_A]).into());
    emit(&provider, "accountsChanged", &JsValue::from_str("garbage"));
    assert!(!flow.is_aborted());

    emit_later(
        &provider,
        "accountsChanged",
        &js_accounts(&[ADDR_B, ADDR_A]).into(),
        50,
    );
    let error = wallet
        .personal_sign(CHALLENGE, &accounts[0], Some(&flow.signal()))
        .await
        .unwrap_err();
    assert_eq!(error, WalletError::Aborted);
    let flow_error = flow.error();
    assert_eq!(flow_error.kind(), ErrorKind::Wallet);
    assert_eq!(flow_error.reason(), Some("accountsChanged"));

    drop(flow);
    assert_eq!(
        listener_count(&provider, "accountsChanged"),
        0,
        "the listener is removed with the flow"
    );
}

#[wasm_bindgen_test]
async fn caller_abort_through_the_flow_signal_keeps_the_reason() {
    let provider = provider_with(r#"{"personal_sign":"never"}"#, true);
    let wallet = Wallet::new(provider, Some(10_000)).unwrap();
    let caller = AbortController::new().unwrap();
    let flow = FlowAbort::new(Some(&caller.signal())).unwrap();
    abort_later(&caller, &JsValue::from_str("navigated away"), 30);
    let error = wallet
        .personal_sign(CHALLENGE, &addr(ADDR_A), Some(&flow.signal()))
        .await
        .unwrap_err();
    assert_eq!(error, WalletError::Aborted);
    let js = flow.error().into_js();
    assert_eq!(
        js_sys::Reflect::get(&js, &"kind".into()).unwrap(),
        "aborted"
    );
    assert_eq!(
        js_sys::Reflect::get(&js, &"cause".into()).unwrap(),
        "navigated away"
    );
}

#[wasm_bindgen_test]
fn providers_without_events_are_tolerated() {
    let provider = provider_with(r#"{}"#, false);
    let wallet = Wallet::new(provider, None).unwrap();
    let watch = wallet.watch_accounts(|_| panic!("never called"));
    assert!(!watch.is_listening());
    drop(watch);

    // `on` without `removeListener`: after the watch is dropped the provider may still call the
    // listener; it must neither throw inside the provider nor reach the dropped flow.
    let provider = on_only_provider();
    let wallet = Wallet::new(provider.clone(), None).unwrap();
    let watch = wallet.watch_accounts(|_| panic!("not after drop"));
    assert!(watch.is_listening());
    drop(watch);
    assert_eq!(call_saved(&provider, &js_accounts(&[ADDR_B]).into()), "ok");
}

#[wasm_bindgen_test]
fn not_a_provider() {
    for value in [
        JsValue::NULL,
        JsValue::UNDEFINED,
        js_sys::Object::new().into(),
        JsValue::from_str("ethereum"),
    ] {
        assert_eq!(
            Wallet::new(value, None).unwrap_err(),
            WalletError::NotAProvider
        );
    }
    let error = RatioAuthError::from(WalletError::NotAProvider);
    assert_eq!(
        (error.kind(), error.reason()),
        (ErrorKind::Wallet, Some("notAProvider"))
    );
}

#[wasm_bindgen_test]
fn account_selection_and_the_accounts_changed_rule() {
    let (a, b) = (addr(ADDR_A), addr(ADDR_B));
    assert_eq!(select_account(&[a, b], None), Ok(a));
    assert_eq!(
        select_account(&[a, b], Some(&ADDR_B.to_uppercase().replace("0X", "0x"))),
        Ok(b)
    );
    assert_eq!(
        select_account(&[a], Some(ADDR_B)),
        Err(WalletError::AccountNotAvailable {
            requested: ADDR_B.into()
        })
    );
    assert!(select_account(&[a], Some("0xnope")).is_err());
    assert_eq!(select_account(&[], None), Err(WalletError::NoAccounts));

    assert!(!accounts_change_ends_flow(&a, true, &[a, b]));
    assert!(accounts_change_ends_flow(&a, true, &[b, a]));
    assert!(accounts_change_ends_flow(&a, true, &[]));
    assert!(!accounts_change_ends_flow(&b, false, &[a, b]));
    assert!(accounts_change_ends_flow(&b, false, &[a]));
}

#[wasm_bindgen_test]
async fn eth_get_code_reads_code_and_its_absence() {
    for (answer, has_code) in [
        (r#""0x6080604052""#, true),
        (r#""0x""#, false),
        (r#""0x0""#, false),
        (r#""""#, false),
        (r#""0x000""#, false),
    ] {
        let provider = provider_with(
            &format!(r#"{{"eth_getCode":{{"result":{answer}}}}}"#),
            false,
        );
        let wallet = Wallet::new(provider.clone(), Some(1_000)).unwrap();
        assert_eq!(
            wallet.has_code(&addr(ADDR_A), None).await,
            Ok(has_code),
            "{answer}"
        );
        let call = calls(&provider).get(0);
        assert_eq!(call_method(&call), "eth_getCode");
        let params = js_sys::Reflect::get(&call, &"params".into()).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(
                &js_sys::JSON::stringify(&params)
                    .unwrap()
                    .as_string()
                    .unwrap()
            )
            .unwrap(),
            serde_json::json!([addr(ADDR_A).to_lower_hex(), "latest"])
        );
    }
}

#[wasm_bindgen_test]
async fn eth_get_code_failures_are_typed() {
    for script in [
        r#"{"eth_getCode":{"result":{"code":"0x60"}}}"#,
        r#"{"eth_getCode":{"result":96}}"#,
        r#"{"eth_getCode":{"result":"0xnothex"}}"#,
    ] {
        let wallet = Wallet::new(provider_with(script, false), Some(1_000)).unwrap();
        let error = wallet.has_code(&addr(ADDR_A), None).await.unwrap_err();
        assert!(
            matches!(error, WalletError::BadResponse { .. }),
            "{script}: {error:?}"
        );
    }
    let wallet = Wallet::new(provider_with("{}", false), Some(1_000)).unwrap();
    let error = wallet.has_code(&addr(ADDR_A), None).await.unwrap_err();
    assert!(
        matches!(error, WalletError::UnsupportedMethod { .. }),
        "{error:?}"
    );
    let wallet = Wallet::new(
        provider_with(r#"{"eth_getCode":{"throwSync":{"message":"boom"}}}"#, false),
        Some(1_000),
    )
    .unwrap();
    assert!(wallet.has_code(&addr(ADDR_A), None).await.is_err());
    let wallet = Wallet::new(provider_with(r#"{"eth_getCode":"never"}"#, false), Some(50)).unwrap();
    assert_eq!(
        wallet.has_code(&addr(ADDR_A), None).await,
        Err(WalletError::Timeout)
    );
}

#[wasm_bindgen_test]
async fn the_wallets_own_error_is_kept_for_cause_and_its_message_for_details() {
    // A rejection: the very object the provider rejected with.
    let provider = error_instance_provider(4001, "User rejected the request.");
    let wallet = Wallet::new(provider, Some(1_000)).unwrap();
    let error = wallet
        .personal_sign(CHALLENGE, &addr(ADDR_A), None)
        .await
        .unwrap_err();
    let thrown = wallet.take_thrown().expect("the rejection is kept");
    assert!(thrown.is_instance_of::<js_sys::Error>());
    assert_eq!(
        js_sys::Reflect::get(&thrown, &"message".into()).unwrap(),
        "User rejected the request."
    );
    assert!(wallet.take_thrown().is_none(), "taken once");
    let js = RatioAuthError::from(error).into_js();
    let get = |key: &str| js_sys::Reflect::get(&js, &key.into()).unwrap();
    assert_eq!(
        get("message"),
        "the user rejected the request in the wallet: User rejected the request."
    );
    assert_eq!(
        get("shortMessage"),
        "the user rejected the request in the wallet"
    );
    assert_eq!(get("details"), "User rejected the request.");

    // A synchronous throw, and a wallet error with a code in its message: sanitised details.
    let provider = provider_with(
        r#"{"personal_sign":{"throwSync":{"code":4900,"message":"disconnected, retry code 123456"}}}"#,
        false,
    );
    let wallet = Wallet::new(provider, Some(1_000)).unwrap();
    let error = wallet
        .personal_sign(CHALLENGE, &addr(ADDR_A), None)
        .await
        .unwrap_err();
    let thrown = wallet.take_thrown().expect("the throw is kept");
    assert_eq!(js_sys::Reflect::get(&thrown, &"code".into()).unwrap(), 4900);
    let js_error = RatioAuthError::from(error);
    assert_eq!(js_error.short_message(), "the wallet is disconnected");
    assert_eq!(js_error.details(), Some("disconnected, retry code ***"));

    // A request that succeeds, times out or is answered badly leaves nothing behind.
    let provider = provider_with(
        r#"{"eth_requestAccounts":{"error":{"code":4200,"message":"no"}},"eth_accounts":{"result":["0x2c7536e3605d9c16a7a3d7b1898e529396a65c23"]},"personal_sign":{"result":42}}"#,
        false,
    );
    let wallet = Wallet::new(provider, Some(1_000)).unwrap();
    wallet.request_accounts(None).await.unwrap();
    assert!(wallet.take_thrown().is_none(), "the fallback succeeded");
    let bad = wallet
        .personal_sign(CHALLENGE, &addr(ADDR_A), None)
        .await
        .unwrap_err();
    assert!(matches!(bad, WalletError::BadResponse { .. }));
    assert!(wallet.take_thrown().is_none());
    let js_error = RatioAuthError::from(bad);
    assert_eq!(js_error.short_message(), js_error.message());
    assert_eq!(js_error.details(), None);
}
