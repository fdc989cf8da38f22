//! Whole sign-ins in Chromium through the JS-facing API (`new RatioAuth(options)`,
//! `auth.signIn(options)`, `auth.api.*`, called through their wasm-bindgen exports with JS
//! objects), against the real sandbox (`scripts/browser-tests` starts it, fixed-OTP off; codes
//! come from `/sandbox/outbox`). The wallet is a JS EIP-1193 provider whose key lives here (k256).
#![cfg(target_arch = "wasm32")]

use js_sys::{Function, Reflect};
use k256::ecdsa::SigningKey;
use ratio_auth::eip191::{self, Address};
use ratio_auth::web::auth::{RatioAuth, session_info};
use ratio_auth::web::time::random_u64;
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

#[path = "support/web_sandbox.rs"]
mod sandbox;
use sandbox::sandbox_url;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "support/web_leaks.rs"]
mod leaks;
use leaks::{CLIENT_SECRET, Leaks, seen_texts, watch_start};

#[wasm_bindgen(inline_js = r#"
export function parse(json) { return JSON.parse(json); }
export function stringify(value) { return JSON.stringify(value); }

export async function post(url, json) {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: json });
  return JSON.stringify({ status: response.status, body: await response.text() });
}
// A backend call: `headers` is a JSON object of extra request headers.
export async function postWithHeaders(url, json, headersJson) {
  const headers = Object.assign({ "content-type": "application/json" }, JSON.parse(headersJson));
  const response = await fetch(url, { method: "POST", headers, body: json });
  return JSON.stringify({ status: response.status, body: await response.text() });
}
export function sessionStorageGet(key) { return window.sessionStorage.getItem(key); }
export function sessionStorageClear() { window.sessionStorage.clear(); }
export function sessionStorageSet(key, value) { window.sessionStorage.setItem(key, value); }
export function storageLength(name) { return window[name].length; }
export function storageDump(name) {
  const storage = window[name];
  const all = {};
  for (let i = 0; i < storage.length; i++) { const key = storage.key(i); all[key] = storage.getItem(key); }
  return JSON.stringify(all);
}
export async function get(url) {
  const response = await fetch(url);
  return JSON.stringify({ status: response.status, body: await response.text() });
}

// An EIP-1193 provider. `sign(hexMessage, address)` is the Rust side's k256 key; `mode` makes it
// reject (4001, the -32603 quirk) or never answer.
export function makeProvider(accounts, sign, mode) {
  const listeners = new Map();
  const provider = {
    calls: [],
    request(args) {
      provider.calls.push(args.method);
      switch (args.method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          if (mode === "disconnected") return Promise.reject(Object.assign(new Error("Disconnected from all chains"), { code: 4900 }));
          return Promise.resolve(accounts.slice());
        case "personal_sign":
          if (mode === "reject4001") return Promise.reject(Object.assign(new Error("User rejected the request."), { code: 4001 }));
          if (mode === "quirk") return Promise.reject({ code: -32603, message: "Internal JSON-RPC error.", data: { originalError: { code: 4001, message: "MetaMask Message Signature: User denied message signature." } } });
          if (mode === "never") return new Promise(() => {});
          return Promise.resolve().then(() => sign(args.params[0], args.params[1]));
        case "eth_getCode":
          // "contract": a deployed smart-contract wallet; other modes keep the 4200 below.
          if (mode === "contract") return Promise.resolve("0x6080604052348015600f57600080fd5b50");
          if (mode === "contractNoCode") return Promise.resolve("0x");
          return Promise.reject({ code: 4200, message: "unsupported " + args.method });
        default:
          return Promise.reject({ code: 4200, message: "unsupported " + args.method });
      }
    },
    on(event, fn) { listeners.set(event, [...(listeners.get(event) || []), fn]); return provider; },
    removeListener(event, fn) { listeners.set(event, (listeners.get(event) || []).filter((f) => f !== fn)); return provider; },
    emit(event, value) { for (const fn of (listeners.get(event) || []).slice()) fn(value); },
  };
  return provider;
}

// The signIn options plus what the test inspects: the prompts' contexts, the events (with the
// time they arrived), the codes typed. `setup`: { base, phone, email, firstFactor, account,
// wrongOtpFirst, otpNever, abortAfterMs, faultOnConfirm, accountsChangedOnOtp }.
export function makeSignIn(provider, setupJson) {
  const setup = JSON.parse(setupJson);
  const run = { prompts: [], events: [], codes: [], typed: [], controller: new AbortController() };
  const codeFor = async (to) => {
    for (let i = 0; i < 100; i++) {
      const response = await fetch(setup.base + "/sandbox/outbox?to=" + encodeURIComponent(to));
      const sent = await response.json();
      if (sent.length) return sent[0].otp;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error("no code sent to " + to);
  };
  let wrongGiven = false;
  const prompts = {
    async phoneNumber(ctx) { run.prompts.push(ctx); return setup.phone; },
    async email(ctx) { run.prompts.push(ctx); return setup.email; },
    async otp(ctx) {
      run.prompts.push(ctx);
      if (setup.accountsChangedOnOtp) { provider.emit("accountsChanged", [setup.accountsChangedOnOtp]); }
      if (setup.resendFirst && !run.resent) { run.resent = true; return setup.resendFirst; }
      if (setup.otpNever) {
        if (setup.abortAfterMs !== undefined) setTimeout(() => run.controller.abort(), setup.abortAfterMs);
        return new Promise(() => {});
      }
      const code = await codeFor(ctx.channel === "sms" ? setup.phone : setup.email);
      if (setup.wrongOtpFirst && !wrongGiven) { wrongGiven = true; const wrong = code === "000000" ? "111111" : "000000"; run.typed.push(wrong); return wrong; }
      run.codes.push(code);
      return code;
    },
    async confirmLink(ctx) {
      run.prompts.push(ctx);
      if (setup.faultOnConfirm) {
        await fetch(setup.base + "/sandbox/faults", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(setup.faultOnConfirm) });
      }
      return true;
    },
  };
  run.options = {
    provider,
    prompts,
    onEvent(event) {
      run.events.push({ event, at: Date.now() });
      // The resend waits out the engine's 30 s cool-down: seeing it scheduled is enough.
      if (setup.resendFirst && event.type === "resendScheduled") run.controller.abort();
    },
    signal: run.controller.signal,
  };
  if (setup.firstFactor) run.options.firstFactor = setup.firstFactor;
  if (setup.account) run.options.account = setup.account;
  return run;
}
export function options(run) { return run.options; }
export function abortRun(run) { run.controller.abort(); }
export function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

export function runJson(run) { return JSON.stringify({ prompts: run.prompts, events: run.events, codes: run.codes, typed: run.typed }); }

export function isTypeError(value) { return value instanceof TypeError; }
export function same(a, b) { return Object.is(a, b); }
export function proxyOf(value) { return new Proxy(value, {}); }
export function newSignal() { return new AbortController().signal; }
// Records every fetch the page makes (the Request objects the SDK hands to fetch); with
// `abortDuring`, aborts `spy.controller` (reason `spy.reason`) once a fetch is under way.
export function fetchSpy(abortDuring) {
  const spy = { requests: [], original: window.fetch, controller: new AbortController(), reason: new Error("the user left the page") };
  window.fetch = function (...args) {
    spy.requests.push(args[0]);
    const pending = spy.original.apply(this, args);
    if (abortDuring) setTimeout(() => spy.controller.abort(spy.reason), 0);
    return pending;
  };
  return spy;
}
export function spySignal(spy) { return spy.controller.signal; }
export function spyReason(spy) { return spy.reason; }
export function spyAbortNow(spy) { spy.controller.abort(spy.reason); }
// Restores fetch; what was fetched, and whether each request's own signal ended aborted.
export function spyStop(spy) {
  window.fetch = spy.original;
  return JSON.stringify(spy.requests.map((r) => (r instanceof Request ? { url: r.url, aborted: r.signal.aborted } : String(r))));
}
"#)]
extern "C" {
    fn parse(json: &str) -> JsValue;
    fn stringify(value: &JsValue) -> String;
    async fn post(url: &str, json: &str) -> JsValue;
    async fn get(url: &str) -> JsValue;
    #[wasm_bindgen(js_name = postWithHeaders)]
    async fn post_with_headers(url: &str, json: &str, headers_json: &str) -> JsValue;
    #[wasm_bindgen(js_name = sessionStorageGet)]
    fn session_storage_get(key: &str) -> Option<String>;
    #[wasm_bindgen(js_name = sessionStorageClear)]
    fn session_storage_clear();
    #[wasm_bindgen(js_name = sessionStorageSet)]
    fn session_storage_set(key: &str, value: &str);
    #[wasm_bindgen(js_name = storageLength)]
    fn storage_length(name: &str) -> u32;
    #[wasm_bindgen(js_name = storageDump)]
    fn storage_dump(name: &str) -> String;
    #[wasm_bindgen(js_name = makeProvider)]
    fn make_provider(accounts: &JsValue, sign: &Function, mode: &str) -> JsValue;
    #[wasm_bindgen(js_name = makeSignIn)]
    fn make_sign_in(provider: &JsValue, setup_json: &str) -> JsValue;
    fn options(run: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = abortRun)]
    fn abort_run(run: &JsValue);
    async fn sleep(ms: u32);
    #[wasm_bindgen(js_name = runJson)]
    fn run_json(run: &JsValue) -> String;
    #[wasm_bindgen(js_name = isTypeError)]
    fn is_type_error(value: &JsValue) -> bool;
    fn same(a: &JsValue, b: &JsValue) -> bool;
    #[wasm_bindgen(js_name = proxyOf)]
    fn proxy_of(value: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = newSignal)]
    fn new_signal() -> JsValue;
    #[wasm_bindgen(js_name = fetchSpy)]
    fn fetch_spy(abort_during: bool) -> JsValue;
    #[wasm_bindgen(js_name = spySignal)]
    fn spy_signal(spy: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = spyReason)]
    fn spy_reason(spy: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = spyAbortNow)]
    fn spy_abort_now(spy: &JsValue);
    #[wasm_bindgen(js_name = spyStop)]
    fn spy_stop(spy: &JsValue) -> String;
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn console_warn(text: &str);
}

/// Small retries so failure tests stay fast; bounded total so nothing can hang.
fn auth_with(extra: Value) -> RatioAuth {
    let mut options = json!({
        "baseUrl": sandbox_url(),
        "clientId": "sandbox",
        "clientSecret": CLIENT_SECRET,
        "retry": {"maxAttempts": 3, "baseDelayMs": 20, "maxDelayMs": 200, "maxTotalMs": 10000},
        "timeoutMs": 5000,
    });
    if let (Some(options), Some(extra)) = (options.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            options.insert(key.clone(), value.clone());
        }
    }
    match RatioAuth::new(parse(&options.to_string())) {
        Ok(auth) => auth,
        Err(error) => panic!("options refused: {}", stringify(&error)),
    }
}

fn auth() -> RatioAuth {
    auth_with(json!({}))
}

async fn sandbox_post(path: &str, body: Value) -> (u16, Value) {
    let reply = post(&format!("{}{path}", sandbox_url()), &body.to_string()).await;
    read_reply(&reply)
}

async fn sandbox_get(path: &str) -> (u16, Value) {
    let reply = get(&format!("{}{path}", sandbox_url())).await;
    read_reply(&reply)
}

fn read_reply(reply: &JsValue) -> (u16, Value) {
    let reply: Value = serde_json::from_str(&reply.as_string().unwrap_or_default()).unwrap();
    let status = reply["status"].as_u64().unwrap() as u16;
    let body =
        serde_json::from_str(reply["body"].as_str().unwrap_or("null")).unwrap_or(Value::Null);
    (status, body)
}

async fn add_fault(fault: Value) {
    let (status, body) = sandbox_post("/sandbox/faults", fault).await;
    assert!(
        status == 201 || status == 200,
        "fault refused: {status} {body}"
    );
}

async fn reset_sandbox() {
    let (status, _) = sandbox_post("/sandbox/reset", json!({})).await;
    assert_eq!(status, 200);
}

fn random_key() -> SigningKey {
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

/// A US number the sandbox accepts (area code and exchange start with 2-9), fresh per test so
/// per-number send limits never carry over.
fn random_phone() -> String {
    let r = random_u64();
    format!("+1{}{}", 200 + r % 800, 2_000_000 + (r >> 16) % 8_000_000)
}

fn random_email() -> String {
    format!("user{}@example.com", random_u64() % 1_000_000_000)
}

/// A test wallet: a k256 key in Rust behind a JS EIP-1193 provider.
struct TestWallet {
    address: Address,
    provider: JsValue,
    _sign: Closure<dyn Fn(String, String) -> String>,
}

impl TestWallet {
    fn new(mode: &str) -> TestWallet {
        let key = random_key();
        TestWallet::with_keys(&key, key.clone(), mode)
    }

    /// Reports `account`'s address but signs with `signer` (the wrong-account wallet).
    fn with_keys(account: &SigningKey, signer: SigningKey, mode: &str) -> TestWallet {
        let address = Address::from_verifying_key(account.verifying_key());
        let sign = Closure::<dyn Fn(String, String) -> String>::new(
            move |hex_message: String, _address: String| {
                let bytes = hex::decode(hex_message.trim_start_matches("0x")).unwrap_or_default();
                eip191::sign_personal(&signer, &bytes)
            },
        );
        let accounts = parse(&json!([address.to_lower_hex()]).to_string());
        let provider = make_provider(&accounts, sign.as_ref().unchecked_ref(), mode);
        TestWallet {
            address,
            provider,
            _sign: sign,
        }
    }
}

struct Contact {
    phone: String,
    email: String,
}

fn contact() -> Contact {
    Contact {
        phone: random_phone(),
        email: random_email(),
    }
}

/// `POST /sandbox/users`; returns the user's id.
async fn create_user(contact: &Contact, wallet: Option<&Address>) -> String {
    let mut body = json!({"phoneNumber": contact.phone, "emailAddress": contact.email});
    if let Some(wallet) = wallet {
        body["walletAddress"] = json!(wallet.to_checksum());
    }
    let (status, reply) = sandbox_post("/sandbox/users", body).await;
    assert_eq!(status, 201, "{reply}");
    reply["id"].as_str().unwrap().to_owned()
}

struct Run {
    handle: JsValue,
}

impl Run {
    fn new(wallet: &TestWallet, setup: Value) -> Run {
        let mut setup = setup;
        setup["base"] = json!(sandbox_url());
        Run {
            handle: make_sign_in(&wallet.provider, &setup.to_string()),
        }
    }

    /// Every flow goes through here: besides the outcome, it checks that no event, no part of
    /// the error and no console line of the flow holds a JWT, a code or the client secret.
    async fn sign_in(&self, auth: &RatioAuth) -> Result<Value, JsValue> {
        self.checked(auth.sign_in(options(&self.handle))).await
    }

    /// `resumeSignIn`, with the same checks as [`Run::sign_in`].
    async fn resume(&self, auth: &RatioAuth) -> Result<Value, JsValue> {
        self.checked(auth.resume_sign_in(options(&self.handle)))
            .await
    }

    async fn checked(&self, promise: js_sys::Promise) -> Result<Value, JsValue> {
        let watch = watch_start();
        let (outcome, seen) = watched(watch, promise).await;
        let record = self.record();
        let mut secrets = Leaks::from_seen(&seen);
        if let Ok(result) = &outcome {
            let jwt = result["sessionJwt"].as_str().unwrap();
            assert!(
                secrets.jwts.iter().any(|seen| seen == jwt),
                "the watch saw no response with the session JWT: it is not watching"
            );
        }
        for code in ["codes", "typed"]
            .iter()
            .flat_map(|key| record[key].as_array().unwrap())
        {
            secrets.otps.push(code.as_str().unwrap().to_owned());
        }
        let mut texts = seen_texts(&seen);
        texts.push(("an event", serde_json::to_string(&self.events()).unwrap()));
        if let Err(leak) = secrets.check(&texts) {
            panic!("{leak}");
        }
        outcome
    }

    fn record(&self) -> Value {
        serde_json::from_str(&run_json(&self.handle)).unwrap()
    }

    fn events(&self) -> Vec<Value> {
        self.record()["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["event"].clone())
            .collect()
    }

    fn prompts(&self) -> Vec<Value> {
        self.record()["prompts"].as_array().unwrap().clone()
    }
}

/// [`leaks::watched`], with the result as JSON.
async fn watched(watch: JsValue, promise: js_sys::Promise) -> (Result<Value, JsValue>, Value) {
    let (outcome, seen) = leaks::watched(watch, promise).await;
    let outcome = outcome.map(|result| serde_json::from_str(&stringify(&result)).unwrap());
    (outcome, seen)
}

fn prop(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Asserts a `RatioAuthError` of `kind`; returns it for more checks.
fn expect_error(result: Result<Value, JsValue>, kind: &str) -> JsValue {
    let error = match result {
        Ok(value) => panic!("expected a {kind} error, got {value}"),
        Err(error) => error,
    };
    assert!(error.is_instance_of::<js_sys::Error>(), "not an Error");
    assert_eq!(
        prop(&error, "name").as_string().as_deref(),
        Some("RatioAuthError")
    );
    assert_eq!(
        prop(&error, "kind").as_string().as_deref(),
        Some(kind),
        "message: {:?}",
        prop(&error, "message").as_string()
    );
    error
}

fn assert_signed_in(result: &Value, path: &str, wallet: &TestWallet, verified: bool) {
    assert_eq!(result["path"], path, "{result}");
    assert_eq!(result["walletAddress"], wallet.address.to_checksum());
    assert_eq!(result["walletVerified"], verified);
    assert_eq!(result["sessionJwt"].as_str().unwrap().split('.').count(), 3);
}

/// Events must be typed, end with `finished`/`failed`, and never carry the JWT or a code.
fn assert_events_clean(run: &Run, secrets: &[&str]) {
    let events = run.events();
    assert!(!events.is_empty());
    for event in &events {
        assert!(event["type"].is_string(), "{event}");
    }
    let text = serde_json::to_string(&events).unwrap();
    for secret in secrets {
        assert!(!secret.is_empty());
        assert!(!text.contains(secret), "an event carries a secret");
    }
}

// ---------------------------------------------------------------------------------------------
// The four flows
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn returning_user_wallet_then_sms() {
    let wallet = TestWallet::new("sign");
    let contact = contact();
    create_user(&contact, Some(&wallet.address)).await;
    let auth = auth();
    let run = Run::new(
        &wallet,
        json!({"phone": contact.phone, "email": contact.email}),
    );
    let result = run.sign_in(&auth).await.unwrap();

    assert_signed_in(&result, "returning", &wallet, true);
    assert_eq!(result["factors"], json!(["wallet", "sms"]));
    assert!(result["userMask"]["phoneMask"].is_string(), "{result}");
    // sms:send needs the whole number: asked, with Ratio's last 4 digits as a hint.
    let prompts = run.prompts();
    assert_eq!(prompts.len(), 2, "{prompts:?}");
    assert_eq!(prompts[0]["kind"], "phoneNumber");
    assert_eq!(prompts[0]["purpose"], "secondFactor");
    assert_eq!(
        prompts[0]["phoneMask"],
        contact.phone[contact.phone.len() - 4..]
    );
    assert_eq!(prompts[1]["kind"], "otp");
    assert_eq!(prompts[1]["channel"], "sms");
    assert_eq!(prompts[1]["attempt"], 1);
    assert!(prompts[1]["resendAvailableAt"].is_number());

    let jwt = result["sessionJwt"].as_str().unwrap();
    let record = run.record();
    let code = record["codes"][0].as_str().unwrap();
    assert_events_clean(&run, &[jwt, code, &contact.phone]);
    let events = run.events();
    assert!(events.iter().any(|e| e["type"] == "signatureChecked"));
    assert_eq!(events.last().unwrap()["type"], "finished");

    // The JWT is kept (memory by default) until signOut.
    let session = auth.session();
    assert_eq!(
        prop(&session, "sessionJwt").as_string().as_deref(),
        Some(jwt)
    );
    assert_eq!(stringify(&prop(&session, "factors")), r#"["wallet","sms"]"#);
    auth.sign_out();
    assert!(auth.session().is_undefined());
}

#[wasm_bindgen_test]
async fn new_user_wallet_then_phone() {
    let wallet = TestWallet::new("sign");
    let contact = contact();
    let run = Run::new(
        &wallet,
        json!({"phone": contact.phone, "email": contact.email}),
    );
    let result = run.sign_in(&auth()).await.unwrap();

    assert_signed_in(&result, "new", &wallet, true);
    assert_eq!(result["walletKind"], "eoa");
    assert_eq!(result["factors"], json!(["wallet", "sms"]));
    assert!(result.get("userMask").is_none(), "{result}");
    let kinds: Vec<Value> = run.prompts().iter().map(|p| p["kind"].clone()).collect();
    assert_eq!(kinds, vec![json!("phoneNumber"), json!("otp")]);
}

#[wasm_bindgen_test]
async fn new_wallet_of_an_existing_user_takes_the_link_path() {
    let wallet = TestWallet::new("sign");
    let contact = contact();
    let user_id = create_user(&contact, None).await;
    let run = Run::new(
        &wallet,
        json!({"phone": contact.phone, "email": contact.email}),
    );
    let result = run.sign_in(&auth()).await.unwrap();

    assert_signed_in(&result, "linked", &wallet, false);
    let kinds: Vec<Value> = run.prompts().iter().map(|p| p["kind"].clone()).collect();
    assert_eq!(
        kinds,
        vec![
            json!("phoneNumber"),
            json!("confirmLink"),
            json!("otp"),
            json!("email"),
            json!("otp")
        ]
    );
    assert_eq!(
        run.prompts()[1]["walletAddress"],
        wallet.address.to_checksum()
    );
    let events = run.events();
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "pathChosen" && e["path"] == "linked")
    );
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "walletLinked" && e["verified"] == false)
    );

    // The sandbox agrees: the wallet is the user's, unverified until it next signs in.
    let (status, user) = sandbox_get(&format!("/sandbox/users/{user_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        user["wallets"],
        json!([{"address": wallet.address.to_checksum(), "verified": false}])
    );
}

#[wasm_bindgen_test]
async fn link_path_waits_out_a_429_retry_after() {
    let wallet = TestWallet::new("sign");
    let contact = contact();
    create_user(&contact, None).await;
    // Posted at the confirm prompt, i.e. after the 409: it hits the first-factor resend.
    let fault =
        json!({"path": "/v1/auth/otp/sms:send", "status": 429, "retryAfterSeconds": 2, "count": 1});
    let run = Run::new(
        &wallet,
        json!({"phone": contact.phone, "email": contact.email, "faultOnConfirm": fault}),
    );
    let result = run.sign_in(&auth()).await.unwrap();
    assert_signed_in(&result, "linked", &wallet, false);

    let record = run.record();
    let entries = record["events"].as_array().unwrap();
    let limited_at = entries
        .iter()
        .find(|e| e["event"]["type"] == "responseReceived" && e["event"]["status"] == 429)
        .map(|e| e["at"].as_f64().unwrap())
        .expect("a 429 was received");
    let next_send_at = entries
        .iter()
        .filter(|e| e["at"].as_f64().unwrap() >= limited_at)
        .find(|e| e["event"]["type"] == "requestSent" && e["event"]["endpoint"] == "smsSend")
        .map(|e| e["at"].as_f64().unwrap())
        .expect("the send was retried");
    // Both stamps are taken after the engine's own clock readings; allow 1 ms of clock skew.
    assert!(
        next_send_at - limited_at >= 1999.0,
        "retried {} ms after a Retry-After of 2 s",
        next_send_at - limited_at
    );
    assert!(entries.iter().any(|e| e["event"]["type"] == "backingOff"
        && e["event"]["reason"] == "rateLimited"
        && e["event"]["retryAfterMs"].is_number()));
}

#[wasm_bindgen_test]
async fn factor_first_sms_then_wallet() {
    let wallet = TestWallet::new("sign");
    let contact = contact();
    let user_id = create_user(&contact, None).await;
    let run = Run::new(
        &wallet,
        json!({"phone": contact.phone, "email": contact.email, "firstFactor": "sms"}),
    );
    let result = run.sign_in(&auth()).await.unwrap();

    assert_signed_in(&result, "factorFirst", &wallet, true);
    assert_eq!(result["factors"], json!(["sms", "wallet"]));
    let (_, user) = sandbox_get(&format!("/sandbox/users/{user_id}")).await;
    assert_eq!(
        user["wallets"],
        json!([{"address": wallet.address.to_checksum(), "verified": true}])
    );
}

// ---------------------------------------------------------------------------------------------
// Users and wallets misbehaving
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn wrong_code_then_right_code() {
    let wallet = TestWallet::new("sign");
    let contact = contact();
    create_user(&contact, Some(&wallet.address)).await;
    let run = Run::new(
        &wallet,
        json!({"phone": contact.phone, "email": contact.email, "wrongOtpFirst": true}),
    );
    let result = run.sign_in(&auth()).await.unwrap();
    assert_signed_in(&result, "returning", &wallet, true);

    let otp: Vec<Value> = run
        .prompts()
        .into_iter()
        .filter(|p| p["kind"] == "otp")
        .collect();
    assert_eq!(otp.len(), 2);
    assert_eq!(otp[0]["attempt"], 1);
    assert!(otp[0].get("problem").is_none());
    assert_eq!(otp[1]["attempt"], 2);
    assert_eq!(otp[1]["problem"], "wrongCode");
    assert!(run.events().iter().any(|e| e["type"] == "otpRejected"));
}

#[wasm_bindgen_test]
async fn the_otp_prompt_asks_for_a_resend() {
    let wallet = TestWallet::new("sign");
    let run = Run::new(
        &wallet,
        json!({"phone": random_phone(), "email": random_email(), "resendFirst": {"resend": true}}),
    );
    expect_error(run.sign_in(&auth()).await, "aborted");
    let scheduled: Vec<Value> = run
        .events()
        .into_iter()
        .filter(|e| e["type"] == "resendScheduled")
        .collect();
    assert_eq!(scheduled.len(), 1);
    assert_eq!(scheduled[0]["channel"], "sms");
}

#[wasm_bindgen_test]
async fn the_string_resend_is_a_code_that_is_not_six_digits() {
    let wallet = TestWallet::new("sign");
    let phone = random_phone();
    let run = Run::new(
        &wallet,
        json!({"phone": phone, "email": random_email(), "resendFirst": "resend"}),
    );
    let result = run.sign_in(&auth()).await.unwrap();
    assert_signed_in(&result, "new", &wallet, true);
    let otp: Vec<Value> = run
        .prompts()
        .into_iter()
        .filter(|p| p["kind"] == "otp")
        .collect();
    assert_eq!(otp.len(), 2, "asked again");
    assert!(otp[0].get("problem").is_none());
    assert_eq!(otp[1]["problem"], "notSixDigits");
    let events = run.events();
    assert!(
        !events.iter().any(|e| e["type"] == "resendScheduled"),
        "{events:?}"
    );
    assert!(events.iter().any(|e| e["type"] == "answerRejected"
        && e["prompt"] == "otp"
        && e["problem"] == "notSixDigits"));
    assert_eq!(sms_sent_to(&phone).await, 1, "no second code was sent");
}

#[wasm_bindgen_test]
async fn user_rejection_4001() {
    let wallet = TestWallet::new("reject4001");
    let run = Run::new(
        &wallet,
        json!({"phone": random_phone(), "email": random_email()}),
    );
    let error = expect_error(run.sign_in(&auth()).await, "userRejected");
    assert_eq!(prop(&error, "walletCode").as_f64(), Some(4001.0));
    // The wallet's own error is the cause; its message is the details, not the short message.
    let cause = prop(&error, "cause");
    assert!(cause.is_instance_of::<js_sys::Error>(), "cause: {cause:?}");
    assert_eq!(prop(&cause, "code").as_f64(), Some(4001.0));
    assert_eq!(
        prop(&cause, "message").as_string().as_deref(),
        Some("User rejected the request.")
    );
    assert_eq!(
        prop(&error, "details").as_string().as_deref(),
        Some("User rejected the request.")
    );
    assert_eq!(
        prop(&error, "shortMessage").as_string().as_deref(),
        Some("the user rejected the request in the wallet")
    );
    let events = run.events();
    assert_eq!(events.last().unwrap()["type"], "failed");
    assert_eq!(events.last().unwrap()["error"]["kind"], "userRejected");
}

#[wasm_bindgen_test]
async fn user_rejection_minus_32603_quirk() {
    let wallet = TestWallet::new("quirk");
    let run = Run::new(
        &wallet,
        json!({"phone": random_phone(), "email": random_email()}),
    );
    let error = expect_error(run.sign_in(&auth()).await, "userRejected");
    assert_eq!(prop(&error, "walletCode").as_f64(), Some(-32603.0));
    let cause = prop(&error, "cause");
    assert_eq!(prop(&cause, "code").as_f64(), Some(-32603.0));
    assert_eq!(
        prop(&prop(&prop(&cause, "data"), "originalError"), "code").as_f64(),
        Some(4001.0)
    );
}

#[wasm_bindgen_test]
async fn a_wallet_failure_while_connecting_keeps_the_wallets_error() {
    let wallet = TestWallet::new("disconnected");
    let run = Run::new(
        &wallet,
        json!({"phone": random_phone(), "email": random_email()}),
    );
    let error = expect_error(run.sign_in(&auth()).await, "wallet");
    assert_eq!(
        prop(&error, "reason").as_string().as_deref(),
        Some("disconnected")
    );
    let cause = prop(&error, "cause");
    assert!(cause.is_instance_of::<js_sys::Error>());
    assert_eq!(prop(&cause, "code").as_f64(), Some(4900.0));
    assert_eq!(
        prop(&error, "shortMessage").as_string().as_deref(),
        Some("the wallet is disconnected")
    );
    assert_eq!(
        prop(&error, "details").as_string().as_deref(),
        Some("Disconnected from all chains")
    );
}

#[wasm_bindgen_test]
async fn abort_mid_flow() {
    let wallet = TestWallet::new("sign");
    let run = Run::new(
        &wallet,
        json!({"phone": random_phone(), "email": random_email(), "otpNever": true, "abortAfterMs": 100}),
    );
    expect_error(run.sign_in(&auth()).await, "aborted");
    let events = run.events();
    assert_eq!(events.last().unwrap()["error"]["kind"], "aborted");
}

#[wasm_bindgen_test]
async fn accounts_changed_mid_flow() {
    let wallet = TestWallet::new("sign");
    let other = TestWallet::new("sign");
    let run = Run::new(
        &wallet,
        json!({"phone": random_phone(), "email": random_email(),
               "accountsChangedOnOtp": other.address.to_lower_hex(), "otpNever": true}),
    );
    let error = expect_error(run.sign_in(&auth()).await, "wallet");
    assert_eq!(
        prop(&error, "reason").as_string().as_deref(),
        Some("accountsChanged")
    );
}

#[wasm_bindgen_test]
async fn a_wallet_that_never_answers_times_out() {
    let wallet = TestWallet::new("never");
    let run = Run::new(
        &wallet,
        json!({"phone": random_phone(), "email": random_email()}),
    );
    let started = js_sys::Date::now();
    expect_error(
        run.sign_in(&auth_with(json!({"timeoutMs": 300}))).await,
        "timeout",
    );
    assert!(js_sys::Date::now() - started < 4000.0);
}

#[wasm_bindgen_test]
async fn a_signature_from_another_account() {
    let account = random_key();
    let signer = random_key();
    let signer_address = Address::from_verifying_key(signer.verifying_key());
    let wallet = TestWallet::with_keys(&account, signer, "sign");
    let run = Run::new(
        &wallet,
        json!({"phone": random_phone(), "email": random_email()}),
    );
    let error = expect_error(run.sign_in(&auth()).await, "signatureMismatch");
    assert_eq!(
        prop(&error, "signedBy").as_string(),
        Some(signer_address.to_checksum())
    );
    // Checked locally: the bad signature never reached the server.
    assert!(
        !run.events()
            .iter()
            .any(|e| e["type"] == "requestSent" && e["endpoint"] == "walletAuthenticate")
    );
    // This provider has no eth_getCode (4200): treated as no code, and said so.
    assert!(
        run.events()
            .iter()
            .any(|e| e["type"] == "codeCheckFailed" && e["walletCode"] == 4200),
        "{:?}",
        run.events()
    );
}

// ---------------------------------------------------------------------------------------------
// Smart-contract wallets (the sandbox plays both servers: with and without EIP-1271)
// ---------------------------------------------------------------------------------------------

/// A contract wallet at a fresh address, registered with the sandbox, whose provider answers
/// `eth_getCode` with code (`mode`) and signs with the owner's key.
async fn contract_wallet(mode: &str) -> TestWallet {
    let (account, owner) = (random_key(), random_key());
    let wallet = TestWallet::with_keys(&account, owner.clone(), mode);
    let owner_address = Address::from_verifying_key(owner.verifying_key());
    let (status, body) = sandbox_post(
        "/sandbox/contract-wallets",
        json!({"address": wallet.address.to_checksum(), "owner": owner_address.to_checksum()}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    wallet
}

async fn set_contract_support(accept: bool) {
    let (status, body) = sandbox_post(
        "/sandbox/contract-wallets/support",
        json!({"accept": accept}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"accept": accept})));
}

#[wasm_bindgen_test]
async fn a_contract_wallet_signs_in_when_the_server_accepts_it() {
    set_contract_support(true).await;
    let wallet = contract_wallet("contract").await;
    let contact = contact();
    let run = Run::new(
        &wallet,
        json!({"phone": contact.phone, "email": contact.email}),
    );
    let result = run.sign_in(&auth()).await.unwrap();
    assert_signed_in(&result, "new", &wallet, true);
    assert_eq!(result["walletKind"], "contract");
    let events = run.events();
    assert!(
        events.iter().any(|e| e["type"] == "signatureLeftToServer"
            && e["walletKind"] == "contract"
            && e["evidence"] == "code"
            && e["address"] == json!(wallet.address.to_checksum())),
        "{events:?}"
    );
    assert_eq!(
        events
            .last()
            .map(|e| (e["type"].clone(), e["walletKind"].clone())),
        Some((json!("finished"), json!("contract")))
    );
    assert!(!events.iter().any(|e| e["type"] == "signatureChecked"));
}

#[wasm_bindgen_test]
async fn a_server_without_contract_wallets_refuses_with_a_typed_error() {
    let wallet = contract_wallet("contract").await;
    set_contract_support(false).await;
    let run = Run::new(
        &wallet,
        json!({"phone": random_phone(), "email": random_email()}),
    );
    let outcome = run.sign_in(&auth()).await;
    // Put back before asserting, so a failure here does not spill into other tests.
    set_contract_support(true).await;
    let error = expect_error(outcome, "contractWalletRefused");
    assert_eq!(prop(&error, "status").as_f64(), Some(401.0));
    let message = prop(&error, "message").as_string().unwrap_or_default();
    assert!(
        message.contains("does not accept contract-wallet signatures"),
        "{message}"
    );
    assert!(!message.contains("made by"), "{message}");
    assert!(
        run.events()
            .iter()
            .any(|e| e["type"] == "requestSent" && e["endpoint"] == "walletAuthenticate"),
        "the server was asked"
    );
}

#[wasm_bindgen_test]
async fn an_owner_signature_for_an_account_without_code_stays_a_mismatch() {
    let wallet = contract_wallet("contractNoCode").await;
    let run = Run::new(
        &wallet,
        json!({"phone": random_phone(), "email": random_email()}),
    );
    expect_error(run.sign_in(&auth()).await, "signatureMismatch");
    assert!(
        !run.events()
            .iter()
            .any(|e| e["type"] == "requestSent" && e["endpoint"] == "walletAuthenticate")
    );
}

// ---------------------------------------------------------------------------------------------
// Servers misbehaving (sandbox faults; each test resets them so none carry over)
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn malformed_json_is_a_bad_response() {
    reset_sandbox().await;
    add_fault(json!({"path": "/v1/auth/cryptoWallet:start", "status": 200, "body": "{\"challenge\": \"Signing in"})).await;
    let wallet = TestWallet::new("sign");
    let run = Run::new(
        &wallet,
        json!({"phone": random_phone(), "email": random_email()}),
    );
    let error = expect_error(run.sign_in(&auth()).await, "badResponse");
    assert_eq!(prop(&error, "status").as_f64(), Some(200.0));
    reset_sandbox().await;
}

#[wasm_bindgen_test]
async fn an_html_502_page_is_a_server_error() {
    reset_sandbox().await;
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    add_fault(
        json!({"path": "/v1/auth/cryptoWallet:start", "status": 502, "body": page,
                     "contentType": "text/html", "count": 3}),
    )
    .await;
    let wallet = TestWallet::new("sign");
    let run = Run::new(
        &wallet,
        json!({"phone": random_phone(), "email": random_email()}),
    );
    let error = expect_error(run.sign_in(&auth()).await, "server");
    assert_eq!(prop(&error, "status").as_f64(), Some(502.0));
    assert!(
        !prop(&error, "message")
            .as_string()
            .unwrap_or_default()
            .contains("<html>")
    );
    let retries = run
        .events()
        .iter()
        .filter(|e| e["type"] == "requestSent" && e["endpoint"] == "walletStart")
        .count();
    assert_eq!(retries, 3, "maxAttempts is 3");
    reset_sandbox().await;
}

#[wasm_bindgen_test]
async fn a_dropped_connection_is_a_network_error() {
    reset_sandbox().await;
    // Chromium silently retries a POST on a dropped keep-alive connection, once per stale
    // pooled socket, so how many drops one attempt uses varies: keep dropping for the whole
    // test (the reset below clears it) so every engine attempt surely meets a dropped line.
    add_fault(json!({"path": "/v1/auth/cryptoWallet:start", "status": 502,
                     "dropConnection": true, "count": 100}))
    .await;
    let wallet = TestWallet::new("sign");
    let run = Run::new(
        &wallet,
        json!({"phone": random_phone(), "email": random_email()}),
    );
    let outcome = run.sign_in(&auth()).await;
    reset_sandbox().await;
    let error = expect_error(outcome, "network");
    assert!(
        run.events()
            .iter()
            .any(|e| e["type"] == "transportFailed" && e["timeout"] == false)
    );
    // fetch's rejection is the cause; the browser's text is the details only.
    let cause = prop(&error, "cause");
    assert!(is_type_error(&cause), "cause: {cause:?}");
    let browser_text = prop(&cause, "message").as_string().unwrap();
    let details = prop(&error, "details").as_string().unwrap();
    let short = prop(&error, "shortMessage").as_string().unwrap();
    assert!(details.ends_with(&browser_text), "{details}");
    assert!(
        short.starts_with("/v1/auth/cryptoWallet:start could not be reached"),
        "{short}"
    );
    assert!(!short.contains(&browser_text), "{short}");
    assert!(!short.contains("POST "), "{short}");
    let message = prop(&error, "message").as_string().unwrap();
    assert!(message.contains(&details), "{message}");
}

// ---------------------------------------------------------------------------------------------
// Options and the low-level calls
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn client_secret_with_a_remote_base_url_is_refused() {
    let options = json!({"baseUrl": "https://api.ratio.me", "clientId": "id", "clientSecret": "s3cr3t-value"});
    let error = match RatioAuth::new(parse(&options.to_string())) {
        Ok(_) => panic!("a client secret for a remote baseUrl was accepted"),
        Err(error) => error,
    };
    assert_eq!(prop(&error, "kind").as_string().as_deref(), Some("config"));
    assert!(
        !prop(&error, "message")
            .as_string()
            .unwrap_or_default()
            .contains("s3cr3t-value")
    );

    // Allowed when asked for explicitly, and always for loopback.
    let allowed = json!({"baseUrl": "https://api.ratio.me", "clientId": "id", "clientSecret": "s",
                         "dangerouslyAllowClientSecretInBrowser": true});
    assert!(RatioAuth::new(parse(&allowed.to_string())).is_ok());
}

#[wasm_bindgen_test]
async fn sign_in_options_are_checked() {
    let wallet = TestWallet::new("sign");
    let auth = auth();
    let bad = parse(r#"{"prompts": {}, "provder": 1}"#);
    let result = JsFuture::from(auth.sign_in(bad)).await.map(|_| Value::Null);
    expect_error(result, "config");
    let no_prompts = js_sys::Object::new();
    Reflect::set(&no_prompts, &"provider".into(), &wallet.provider).unwrap();
    let result = JsFuture::from(auth.sign_in(no_prompts.into()))
        .await
        .map(|_| Value::Null);
    expect_error(result, "config");
}

/// A low-level call; like a flow, its error and the console must hold no JWT, code or secret
/// (its result holds the JWT on purpose).
async fn api_call(promise: js_sys::Promise) -> Result<Value, JsValue> {
    // The call's fetch starts in a later microtask, so the watch sees it.
    let (outcome, seen) = watched(watch_start(), promise).await;
    if let Err(leak) = Leaks::from_seen(&seen).check(&seen_texts(&seen)) {
        panic!("{leak}");
    }
    outcome
}

#[wasm_bindgen_test]
async fn low_level_api_calls() {
    let auth = auth();
    let api = auth.api();
    let key = random_key();
    let address = Address::from_verifying_key(key.verifying_key());
    let wallet = parse(&json!({"walletAddress": address.to_checksum()}).to_string());

    let start = api_call(api.wallet_start(wallet, JsValue::UNDEFINED))
        .await
        .unwrap();
    let challenge = start["challenge"].as_str().unwrap();
    let signature = eip191::sign_personal(&key, challenge.as_bytes());
    let request = json!({"walletAddress": address.to_checksum(), "signature": signature});
    let signed_in = api_call(api.wallet_authenticate(
        parse(&request.to_string()),
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    ))
    .await
    .unwrap();
    let wallet_jwt = signed_in["sessionJwt"].as_str().unwrap().to_owned();
    assert!(signed_in.get("userMask").is_none(), "a new user");

    let phone = random_phone();
    let sent = api_call(api.sms_send(
        parse(&json!({"phoneNumber": phone}).to_string()),
        wallet_jwt.as_str().into(),
        JsValue::UNDEFINED,
    ))
    .await
    .unwrap();
    let phone_id = sent["phoneId"].as_str().unwrap().to_owned();

    let wrong = json!({"phoneId": phone_id, "otp": "000000"});
    let error = expect_error(
        api_call(api.sms_authenticate(
            parse(&wrong.to_string()),
            wallet_jwt.as_str().into(),
            JsValue::UNDEFINED,
        ))
        .await,
        "invalidOtp",
    );
    assert_eq!(prop(&error, "status").as_f64(), Some(401.0));
    assert_eq!(
        prop(&error, "code").as_string().as_deref(),
        Some("INVALID_OTP")
    );
    // Ratio's own message is the details; the short message is the SDK's line.
    let short = prop(&error, "shortMessage").as_string().unwrap();
    let details = prop(&error, "details").as_string().unwrap();
    assert!(short.starts_with("api.smsAuthenticate: "), "{short}");
    assert!(!short.contains("Ratio:"), "{short}");
    assert_eq!(
        prop(&error, "message").as_string().unwrap(),
        format!("{short} (Ratio: {details})")
    );

    let (_, outbox) =
        sandbox_get(&format!("/sandbox/outbox?to={}", phone.replace('+', "%2B"))).await;
    let code = outbox[0]["otp"].as_str().unwrap();
    let right = json!({"phoneId": phone_id, "otp": code});
    let two_factor = api_call(api.sms_authenticate(
        parse(&right.to_string()),
        wallet_jwt.as_str().into(),
        JsValue::UNDEFINED,
    ))
    .await
    .unwrap();
    assert_eq!(
        two_factor["sessionJwt"]
            .as_str()
            .unwrap()
            .split('.')
            .count(),
        3
    );

    // Arguments are checked before anything is sent, without echoing them.
    let error = expect_error(
        api_call(api.wallet_start(parse(r#"{"walletAddress": "0x12"}"#), JsValue::UNDEFINED)).await,
        "config",
    );
    assert!(prop(&error, "message").as_string().is_some());
    // A JWT Ratio cannot read is refused (401 INVALID_JWT).
    let key2 = random_key();
    let other = Address::from_verifying_key(key2.verifying_key());
    let add = parse(&json!({"walletAddress": other.to_checksum()}).to_string());
    let error = expect_error(
        api_call(api.wallet_add_to_user(add, "not-a-jwt".into(), JsValue::UNDEFINED)).await,
        "server",
    );
    assert_eq!(prop(&error, "status").as_f64(), Some(401.0));
}

// ---------------------------------------------------------------------------------------------
// Options in whole sign-ins: `storage: "sessionStorage"` and `clientSessionId`
// ---------------------------------------------------------------------------------------------

/// The `sessionStorage` key of `src/web/storage.rs` for a `baseUrl` (normalised: no trailing `/`).
fn session_key(base_url: &str) -> String {
    format!("ratio-auth:sessionJwt:{base_url}")
}

#[wasm_bindgen_test]
async fn session_storage_keeps_the_session_for_the_tab() {
    session_storage_clear();
    assert_eq!(storage_length("sessionStorage"), 0);
    let local_before = storage_length("localStorage");
    let key = session_key(sandbox_url());

    let wallet = TestWallet::new("sign");
    let contact = contact();
    create_user(&contact, Some(&wallet.address)).await;
    let options = json!({"storage": "sessionStorage"});
    let auth = auth_with(options.clone());
    assert!(auth.session().is_undefined());
    let run = Run::new(
        &wallet,
        json!({"phone": contact.phone, "email": contact.email}),
    );
    let result = run.sign_in(&auth).await.unwrap();
    assert_signed_in(&result, "returning", &wallet, true);
    let jwt = result["sessionJwt"].as_str().unwrap().to_owned();

    // Stored under the SDK's key, and nowhere else.
    assert_eq!(session_storage_get(&key).as_deref(), Some(jwt.as_str()));
    assert_eq!(
        storage_length("sessionStorage"),
        1,
        "{}",
        storage_dump("sessionStorage")
    );
    // Never localStorage.
    assert_eq!(storage_length("localStorage"), local_before);
    assert_eq!(
        storage_length("localStorage"),
        0,
        "{}",
        storage_dump("localStorage")
    );
    assert!(!storage_dump("localStorage").contains(&jwt));

    // The instance reads it back, with what the JWT says about itself.
    let session = auth.session();
    assert_eq!(
        prop(&session, "sessionJwt").as_string().as_deref(),
        Some(jwt.as_str())
    );
    assert_eq!(stringify(&prop(&session, "factors")), r#"["wallet","sms"]"#);
    assert_eq!(prop(&session, "expired").as_bool(), Some(false));

    // A new instance (a reload of the tab) with the same options and baseUrl sees it too.
    let reloaded = auth_with(options.clone());
    let again = reloaded.session();
    assert_eq!(
        prop(&again, "sessionJwt").as_string().as_deref(),
        Some(jwt.as_str())
    );
    assert_eq!(stringify(&prop(&again, "factors")), r#"["wallet","sms"]"#);
    // ...but not one keeping its session in memory (the default), nor one for another baseUrl.
    assert!(auth_with(json!({})).session().is_undefined());
    let elsewhere = auth_with(json!({"storage": "sessionStorage",
                                     "baseUrl": format!("{}/proxy", sandbox_url())}));
    assert!(elsewhere.session().is_undefined());

    // signOut removes it from sessionStorage, for every instance.
    auth.sign_out();
    assert_eq!(session_storage_get(&key), None);
    assert_eq!(storage_length("sessionStorage"), 0);
    assert!(auth.session().is_undefined());
    assert!(reloaded.session().is_undefined());
    assert_eq!(storage_length("localStorage"), 0);

    session_storage_clear();
}

/// What an integrator's backend does: `POST /v1/client/sessions` with the client secret, for
/// the wallet that will sign in. Returns the client session's id.
async fn create_client_session(signing: &Address) -> String {
    let body = json!({"signingAddress": signing.to_checksum(), "signingType": "EVM"});
    let headers = json!({"ratio-client-id": "sandbox", "ratio-client-secret": "sandbox-secret"});
    let reply = post_with_headers(
        &format!("{}/v1/client/sessions", sandbox_url()),
        &body.to_string(),
        &headers.to_string(),
    )
    .await;
    let (status, reply) = read_reply(&reply);
    assert_eq!(status, 201, "{reply}");
    assert_eq!(reply["signingAddress"], signing.to_checksum());
    reply["id"].as_str().unwrap().to_owned()
}

/// A `RatioAuth` that proves itself with a client session only (no clientId, no secret).
fn auth_with_client_session(id: &str) -> RatioAuth {
    let options = json!({
        "baseUrl": sandbox_url(),
        "clientSessionId": id,
        "retry": {"maxAttempts": 3, "baseDelayMs": 20, "maxDelayMs": 200, "maxTotalMs": 10000},
        "timeoutMs": 5000,
    });
    match RatioAuth::new(parse(&options.to_string())) {
        Ok(auth) => auth,
        Err(error) => panic!("options refused: {}", stringify(&error)),
    }
}

#[wasm_bindgen_test]
async fn client_session_id_signs_in_without_the_secret() {
    // A returning user, then a new one: each under a client session minted for its wallet.
    for returning in [true, false] {
        let wallet = TestWallet::new("sign");
        let contact = contact();
        if returning {
            create_user(&contact, Some(&wallet.address)).await;
        }
        let id = create_client_session(&wallet.address).await;
        let auth = auth_with_client_session(&id);
        let run = Run::new(
            &wallet,
            json!({"phone": contact.phone, "email": contact.email}),
        );
        let result = run.sign_in(&auth).await.unwrap();
        let path = if returning { "returning" } else { "new" };
        assert_signed_in(&result, path, &wallet, true);
        assert_eq!(result["factors"], json!(["wallet", "sms"]));
        let jwt = result["sessionJwt"].as_str().unwrap();
        assert_eq!(
            prop(&auth.session(), "sessionJwt").as_string().as_deref(),
            Some(jwt)
        );

        // The sandbox recorded the sign-in under that client session: the integrator's backend
        // reads back the final, two-factor JWT (once).
        let (status, body) = sandbox_get(&format!("/v1/client/sessions/{id}")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["id"], id);
        assert_eq!(body["sessionJwt"], jwt, "{path}");
        if returning {
            assert!(body["userMask"].is_object(), "{body}");
        }
    }
}

#[wasm_bindgen_test]
async fn client_session_of_another_wallet_is_refused() {
    let wallet = TestWallet::new("sign");
    let other = Address::from_verifying_key(random_key().verifying_key());
    let id = create_client_session(&other).await;
    let run = Run::new(
        &wallet,
        json!({"phone": random_phone(), "email": random_email()}),
    );
    let error = expect_error(run.sign_in(&auth_with_client_session(&id)).await, "config");
    assert_eq!(
        prop(&error, "code").as_string().as_deref(),
        Some("INVALID_WALLET_ADDRESS")
    );
    assert_eq!(prop(&error, "status").as_f64(), Some(400.0));
    // Refused at wallet start: the wallet was never asked to sign, and nothing was retried.
    let calls = stringify(&prop(&wallet.provider, "calls"));
    assert!(!calls.contains("personal_sign"), "{calls}");
    let starts = run
        .events()
        .iter()
        .filter(|e| e["type"] == "requestSent" && e["endpoint"] == "walletStart")
        .count();
    assert_eq!(starts, 1);
    let events = run.events();
    assert_eq!(events.last().unwrap()["type"], "failed");
    let failed = &events.last().unwrap()["error"];
    assert_eq!(failed["code"], "INVALID_WALLET_ADDRESS");
    assert_eq!(failed["endpoint"], "walletStart");
}

#[wasm_bindgen_test]
async fn a_new_sign_in_forgets_the_previous_session() {
    let wallet = TestWallet::new("sign");
    let contact = contact();
    create_user(&contact, Some(&wallet.address)).await;
    let auth = auth();
    let run = Run::new(
        &wallet,
        json!({"phone": contact.phone, "email": contact.email}),
    );
    let result = run.sign_in(&auth).await.unwrap();
    let jwt = result["sessionJwt"].as_str().unwrap().to_owned();
    assert_eq!(
        prop(&auth.session(), "sessionJwt").as_string().as_deref(),
        Some(jwt.as_str())
    );

    // The next user's sign-in fails (the wallet refuses to sign): the last user's JWT is gone.
    let refusing = TestWallet::new("reject4001");
    let run = Run::new(
        &refusing,
        json!({"phone": random_phone(), "email": random_email()}),
    );
    expect_error(run.sign_in(&auth).await, "userRejected");
    assert!(
        auth.session().is_undefined(),
        "the previous session survived"
    );
}

#[wasm_bindgen_test]
async fn base_url_ending_in_v1_signs_in() {
    for suffix in ["/", "/v1", "/v1/"] {
        let wallet = TestWallet::new("sign");
        let contact = contact();
        create_user(&contact, Some(&wallet.address)).await;
        let auth = auth_with(json!({"baseUrl": format!("{}{suffix}", sandbox_url())}));
        let run = Run::new(
            &wallet,
            json!({"phone": contact.phone, "email": contact.email}),
        );
        let result = run.sign_in(&auth).await;
        assert!(
            result.is_ok(),
            "{suffix}: {:?}",
            result.err().map(|e| stringify(&e))
        );
    }
}

#[wasm_bindgen_test]
fn cleartext_base_url_off_loopback_is_a_config_error() {
    let refused = RatioAuth::new(parse(r#"{"baseUrl":"http://api.ratio.me"}"#));
    let error = match refused {
        Ok(_) => panic!("http://api.ratio.me was accepted"),
        Err(error) => error,
    };
    assert_eq!(prop(&error, "kind").as_string().as_deref(), Some("config"));
    assert!(
        RatioAuth::new(parse(
            r#"{"baseUrl":"http://api.ratio.me","dangerouslyAllowInsecureHttp":true}"#
        ))
        .is_ok()
    );
}

#[wasm_bindgen_test]
async fn an_absurd_retry_after_ends_the_flow_promptly_with_a_typed_error() {
    let wallet = TestWallet::new("sign");
    add_fault(json!({"path": "/v1/auth/cryptoWallet:start", "status": 429,
                     "retryAfterSeconds": 10_000_000_000_000u64}))
    .await;
    let run = Run::new(
        &wallet,
        json!({"phone": random_phone(), "email": random_email()}),
    );
    let started = js_sys::Date::now();
    let result = run.sign_in(&auth()).await;
    // The issue's bound: promptly, not after waiting out ~317 000 years.
    let elapsed = js_sys::Date::now() - started;
    let error = match result {
        Ok(value) => panic!("signed in despite the 429: {value}"),
        Err(error) => error,
    };
    assert_eq!(
        prop(&error, "name").as_string().as_deref(),
        Some("RatioAuthError")
    );
    assert!(prop(&error, "kind").is_string());
    let retry_at = prop(&error, "retryAt");
    assert!(
        retry_at.is_undefined() || js_sys::Number::is_safe_integer(&retry_at),
        "retryAt {retry_at:?}"
    );
    assert!(elapsed < 10_000.0, "took {elapsed} ms");
    let events = run.events();
    assert!(!events.is_empty());
    for event in &events {
        assert!(event.is_object() && event["type"].is_string(), "{event}");
    }
    assert_eq!(events.last().unwrap()["type"], "failed");
}

#[wasm_bindgen_test]
async fn a_redirect_or_a_huge_body_ends_sign_in_with_bad_response() {
    for fault in [
        json!({"path": "/v1/auth/cryptoWallet:start", "status": 302,
               "location": "http://evil.example/"}),
        json!({"path": "/v1/auth/cryptoWallet:start", "status": 200, "body": "{}",
               "bodyBytes": 30_000_000}),
    ] {
        let wallet = TestWallet::new("sign");
        add_fault(fault.clone()).await;
        let run = Run::new(
            &wallet,
            json!({"phone": random_phone(), "email": random_email()}),
        );
        let error = expect_error(run.sign_in(&auth()).await, "badResponse");
        assert!(prop(&error, "message").is_string(), "{fault}");
        let starts = run
            .events()
            .iter()
            .filter(|e| e["type"] == "requestSent" && e["endpoint"] == "walletStart")
            .count();
        assert_eq!(starts, 1, "not retried: {fault}");
        assert_eq!(run.events().last().unwrap()["type"], "failed");
    }
}

#[wasm_bindgen_test]
async fn the_leak_check_sees_console_lines_errors_and_received_jwts() {
    let auth = auth();
    let key = random_key();
    let address = Address::from_verifying_key(key.verifying_key());
    let wallet = parse(&json!({"walletAddress": address.to_checksum()}).to_string());
    let watch = watch_start();
    let (start, _) = watched(watch, auth.api().wallet_start(wallet, JsValue::UNDEFINED)).await;
    let challenge = start.unwrap()["challenge"].as_str().unwrap().to_owned();
    let signature = eip191::sign_personal(&key, challenge.as_bytes());
    let request = json!({"walletAddress": address.to_checksum(), "signature": signature});
    let watch = watch_start();
    let call = auth.api().wallet_authenticate(
        parse(&request.to_string()),
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    );
    let rejected = js_sys::Promise::reject(&js_sys::Error::new("plain"));
    let (signed_in, _) = watched(watch, call).await;
    let jwt = signed_in.unwrap()["sessionJwt"]
        .as_str()
        .unwrap()
        .to_owned();

    // A JWT in a console line, in an error's `cause` or in the secret are all caught; so is a
    // code typed, but not the same digits inside a longer number.
    let watch = watch_start();
    console_warn(&format!("token {jwt}"));
    let (_, seen) = watched(watch, rejected).await;
    let leaks = Leaks::from_seen(&seen);
    assert!(leaks.jwts.is_empty(), "no fetch while watching");
    let with_jwt = Leaks {
        jwts: vec![jwt.clone()],
        otps: vec!["123456".to_owned()],
    };
    assert!(with_jwt.check(&seen_texts(&seen)).is_err(), "{seen}");
    let error = js_sys::Error::new("outer");
    error.set_cause(&js_sys::Error::new(&format!("inner {jwt}")));
    let watch = watch_start();
    let (_, seen) = watched(watch, js_sys::Promise::reject(&error)).await;
    assert!(with_jwt.check(&seen_texts(&seen)).is_err(), "cause: {seen}");
    for (text, leaks) in [
        (format!("x {CLIENT_SECRET}"), true),
        ("code 123456.".to_owned(), true),
        ("at 1712345678901".to_owned(), false),
    ] {
        let result = with_jwt.check(&[("a console line", text.clone())]);
        assert_eq!(result.is_err(), leaks, "{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// A sign-in that survives a reload (flowStorage). The page cannot reload under the test runner:
// the first instance is stopped with its signal (which, like a reload, keeps the saved flow)
// and a second instance, as a fresh page would, resumes it.
// ---------------------------------------------------------------------------------------------

fn auth_with_flow_storage() -> RatioAuth {
    auth_with(json!({"storage": "sessionStorage", "flowStorage": "sessionStorage"}))
}

/// Polls a fresh instance's `pendingSignIn()` until it waits for `step`; returns it.
async fn pending_at(step: &str) -> Value {
    for _ in 0..200 {
        let pending = auth_with_flow_storage().pending_sign_in();
        if !pending.is_null() {
            let pending: Value = serde_json::from_str(&stringify(&pending)).unwrap();
            if pending["step"] == step {
                return pending;
            }
        }
        sleep(25).await;
    }
    panic!("no sign-in was saved at the {step} step");
}

async fn sms_sent_to(phone: &str) -> usize {
    let (status, sent) =
        sandbox_get(&format!("/sandbox/outbox?to={}", phone.replace('+', "%2B"))).await;
    assert_eq!(status, 200);
    sent.as_array().map_or(0, Vec::len)
}

async fn wallets_of(user_id: &str) -> Value {
    let (status, user) = sandbox_get(&format!("/sandbox/users/{user_id}")).await;
    assert_eq!(status, 200);
    user["wallets"].clone()
}

#[wasm_bindgen_test]
async fn a_reload_at_the_link_paths_code_prompt_resumes_and_links() {
    session_storage_clear();
    let wallet = TestWallet::new("sign");
    let contact = contact();
    let user_id = create_user(&contact, None).await;
    let first = Run::new(
        &wallet,
        json!({"phone": contact.phone, "email": contact.email, "otpNever": true}),
    );
    let first_auth = auth_with_flow_storage();
    let abandoned = first_auth.sign_in(options(&first.handle));
    let pending = pending_at("otp").await;
    assert_eq!(pending["path"], "linked");
    assert_eq!(pending["walletAddress"], wallet.address.to_checksum());
    assert_eq!(
        pending["phoneMask"],
        contact.phone[contact.phone.len() - 4..]
    );
    assert!(pending["expiresAt"].as_f64().unwrap() > 0.0);
    abort_run(&first.handle);
    let stopped = JsFuture::from(abandoned).await;
    expect_error(stopped.map(|_| Value::Null), "aborted");
    assert_eq!(sms_sent_to(&contact.phone).await, 1);

    // The "reloaded page": a new instance, a new set of prompts, the same wallet.
    let resumed_auth = auth_with_flow_storage();
    assert!(!resumed_auth.pending_sign_in().is_null());
    let second = Run::new(
        &wallet,
        json!({"phone": contact.phone, "email": contact.email}),
    );
    let result = second.resume(&resumed_auth).await.unwrap();
    assert_signed_in(&result, "linked", &wallet, false);
    // It went on from the code prompt: no phone prompt, no second confirmation, no new SMS.
    let kinds: Vec<Value> = second.prompts().iter().map(|p| p["kind"].clone()).collect();
    assert_eq!(kinds, vec![json!("otp"), json!("email"), json!("otp")]);
    assert_eq!(sms_sent_to(&contact.phone).await, 1);
    let events = second.events();
    assert_eq!(events[0]["type"], "resumed", "{events:?}");
    assert_eq!(events[0]["state"], "smsOtpPrompt");
    assert_eq!(
        wallets_of(&user_id).await,
        json!([{"address": wallet.address.to_checksum(), "verified": false}])
    );
    // Finished: nothing is pending any more, and the session is stored.
    assert!(resumed_auth.pending_sign_in().is_null());
    assert!(resumed_auth.session().is_object());
}

#[wasm_bindgen_test]
async fn a_reload_during_the_back_off_resumes_after_it() {
    session_storage_clear();
    let wallet = TestWallet::new("sign");
    let contact = contact();
    let user_id = create_user(&contact, None).await;
    // Posted at the confirm prompt: the link path's token-less SMS send meets a 429.
    let fault =
        json!({"path": "/v1/auth/otp/sms:send", "status": 429, "retryAfterSeconds": 2, "count": 1});
    let first = Run::new(
        &wallet,
        json!({"phone": contact.phone, "email": contact.email, "faultOnConfirm": fault}),
    );
    let abandoned = auth_with_flow_storage().sign_in(options(&first.handle));
    let pending = pending_at("backoff").await;
    assert_eq!(pending["path"], "linked");
    abort_run(&first.handle);
    expect_error(
        JsFuture::from(abandoned).await.map(|_| Value::Null),
        "aborted",
    );
    let until_ms = first
        .events()
        .iter()
        .find(|e| e["type"] == "backingOff" && e["reason"] == "rateLimited")
        .and_then(|e| e["untilMs"].as_f64())
        .expect("the first page backed off");
    assert_eq!(sms_sent_to(&contact.phone).await, 0);

    let second = Run::new(
        &wallet,
        json!({"phone": contact.phone, "email": contact.email}),
    );
    let auth = auth_with_flow_storage();
    let result = second.resume(&auth).await.unwrap();
    assert_signed_in(&result, "linked", &wallet, false);
    let kinds: Vec<Value> = second.prompts().iter().map(|p| p["kind"].clone()).collect();
    assert_eq!(kinds, vec![json!("otp"), json!("email"), json!("otp")]);
    assert_eq!(sms_sent_to(&contact.phone).await, 1);
    // The resumed flow still waited out the server's Retry-After before sending.
    let record = second.record();
    let sent_at = record["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"]["type"] == "requestSent" && e["event"]["endpoint"] == "smsSend")
        .map(|e| e["at"].as_f64().unwrap())
        .expect("the send went out");
    // Both clocks are the page's; allow 1 ms for the engine reading it first.
    assert!(
        sent_at >= until_ms - 1.0,
        "sent {} ms before the back-off ended",
        until_ms - sent_at
    );
    assert_eq!(
        wallets_of(&user_id).await,
        json!([{"address": wallet.address.to_checksum(), "verified": false}])
    );
}

#[wasm_bindgen_test]
async fn resume_refuses_another_account_nothing_saved_and_damaged_saves() {
    session_storage_clear();
    let auth = auth_with_flow_storage();
    let wallet = TestWallet::new("sign");
    let run = Run::new(&wallet, json!({}));

    // Nothing saved.
    assert!(auth.pending_sign_in().is_null());
    let error = expect_error(run.resume(&auth).await, "resume");
    assert_eq!(
        prop(&error, "reason").as_string().as_deref(),
        Some("noPendingSignIn")
    );

    // A saved flow of another wallet: refused, and kept.
    let contact = contact();
    create_user(&contact, None).await;
    let first = Run::new(
        &wallet,
        json!({"phone": contact.phone, "email": contact.email, "otpNever": true}),
    );
    let abandoned = auth.sign_in(options(&first.handle));
    pending_at("otp").await;
    abort_run(&first.handle);
    let _ = JsFuture::from(abandoned).await;
    let other = TestWallet::new("sign");
    let other_run = Run::new(&other, json!({}));
    let error = expect_error(other_run.resume(&auth).await, "resume");
    assert_eq!(
        prop(&error, "reason").as_string().as_deref(),
        Some("otherWallet")
    );
    assert!(
        !auth.pending_sign_in().is_null(),
        "a refused resume changed the saved flow"
    );

    // Damaged: cleared, and a typed error.
    let key = format!("ratio-auth:pendingSignIn:{}", sandbox_url());
    let saved = session_storage_get(&key).expect("the flow is saved under its key");
    session_storage_set(&key, &saved.replacen("\"version\":1", "\"version\":99", 1));
    let error = expect_error(run.resume(&auth).await, "resume");
    assert_eq!(
        prop(&error, "reason").as_string().as_deref(),
        Some("unreadable")
    );
    assert!(session_storage_get(&key).is_none());

    // discardPendingSignIn forgets it.
    session_storage_set(&key, &saved);
    assert!(!auth.pending_sign_in().is_null());
    auth.discard_pending_sign_in();
    assert!(auth.pending_sign_in().is_null());

    // flowStorage without a sessionStorage session is refused, and "none" saves nothing.
    let refused = RatioAuth::new(parse(
        &json!({"baseUrl": sandbox_url(), "clientId": "sandbox", "clientSecret": CLIENT_SECRET,
                "flowStorage": "sessionStorage"})
        .to_string(),
    ));
    match refused {
        Ok(_) => panic!("flowStorage with a memory session was accepted"),
        Err(error) => assert_eq!(prop(&error, "kind").as_string().as_deref(), Some("config")),
    }
    session_storage_set(&key, &saved);
    assert!(auth_with(json!({})).pending_sign_in().is_null());
}

// ---------------------------------------------------------------------------------------------
// The pieces the JS shell builds on: storage "none", sessionInfo, causes and signals of auth.api
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn storage_none_keeps_no_session_and_session_info_reads_the_result() {
    session_storage_clear();
    let auth = auth_with(json!({"storage": "none"}));
    let wallet = TestWallet::new("sign");
    let run = Run::new(
        &wallet,
        json!({"phone": random_phone(), "email": random_email()}),
    );
    let result = run.sign_in(&auth).await.unwrap();
    assert_signed_in(&result, "new", &wallet, true);
    let jwt = result["sessionJwt"].as_str().unwrap();
    assert!(auth.session().is_undefined(), "no session kept");
    assert_eq!(storage_length("sessionStorage"), 0);
    auth.sign_out();
    assert!(auth.session().is_undefined());

    // sessionInfo reads the JWT the caller keeps, as session() would.
    let info: Value = serde_json::from_str(&stringify(&session_info(jwt.into()))).unwrap();
    assert_eq!(
        info,
        json!({"factors": ["wallet", "sms"], "expiresAt": result["expiresAt"], "expired": false})
    );

    // A memory instance's session() is exactly { sessionJwt, ...sessionInfo(sessionJwt) }.
    let memory = auth_with(json!({}));
    let run = Run::new(
        &wallet,
        json!({"phone": random_phone(), "email": random_email()}),
    );
    run.sign_in(&memory).await.unwrap();
    let session: Value = serde_json::from_str(&stringify(&memory.session())).unwrap();
    let jwt = session["sessionJwt"].as_str().unwrap();
    let mut expected: Value = serde_json::from_str(&stringify(&session_info(jwt.into()))).unwrap();
    expected["sessionJwt"] = json!(jwt);
    assert_eq!(session, expected);
    assert_eq!(session["factors"], json!(["wallet", "sms"]));
}

#[wasm_bindgen_test]
async fn storage_none_can_save_an_unfinished_sign_in() {
    session_storage_clear();
    let auth = auth_with(json!({"storage": "none", "flowStorage": "sessionStorage"}));
    let wallet = TestWallet::new("sign");
    let run = Run::new(
        &wallet,
        json!({"phone": random_phone(), "email": random_email(), "otpNever": true, "abortAfterMs": 100}),
    );
    expect_error(run.sign_in(&auth).await, "aborted");
    let pending: Value = serde_json::from_str(&stringify(&auth.pending_sign_in())).unwrap();
    assert_eq!(pending["step"], "otp", "{pending}");
    assert_eq!(pending["walletAddress"], wallet.address.to_checksum());
    assert!(auth.session().is_undefined());
    auth.discard_pending_sign_in();
    assert!(auth.pending_sign_in().is_null());
    assert_eq!(storage_length("sessionStorage"), 0);
}

#[wasm_bindgen_test]
async fn an_api_network_failure_keeps_fetchs_error_as_cause() {
    let auth = auth_with(json!({"baseUrl": "http://127.0.0.1:9"}));
    let key = random_key();
    let address = Address::from_verifying_key(key.verifying_key());
    let wallet = parse(&json!({"walletAddress": address.to_checksum()}).to_string());
    let error = expect_error(
        api_call(auth.api().wallet_start(wallet, JsValue::NULL)).await,
        "network",
    );
    let cause = prop(&error, "cause");
    assert!(is_type_error(&cause), "cause: {cause:?}");
    assert_eq!(
        prop(&error, "shortMessage").as_string().as_deref(),
        Some("api.walletStart: network error")
    );
    let details = prop(&error, "details").as_string().unwrap();
    assert!(
        details.starts_with("POST http://127.0.0.1:9/v1/auth/cryptoWallet:start: "),
        "{details}"
    );
    assert!(details.ends_with(&prop(&cause, "message").as_string().unwrap()));
}

/// Every `auth.api` call, with `signal` as its last argument.
fn every_api_call(auth: &RatioAuth, signal: &JsValue) -> Vec<(&'static str, js_sys::Promise)> {
    let api = auth.api();
    let wallet = || parse(r#"{"walletAddress": "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"}"#);
    let jwt = || JsValue::from_str("eyJhbGciOiJub25lIn0.e30.");
    let body = |json: &str| parse(json);
    vec![
        ("walletStart", api.wallet_start(wallet(), signal.clone())),
        (
            "walletAuthenticate",
            api.wallet_authenticate(
                body(r#"{"walletAddress": "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", "signature": "0x00"}"#),
                JsValue::UNDEFINED,
                signal.clone(),
            ),
        ),
        (
            "walletAddToUser",
            api.wallet_add_to_user(wallet(), jwt(), signal.clone()),
        ),
        (
            "smsSend",
            api.sms_send(body(r#"{"phoneNumber": "+12025550143"}"#), jwt(), signal.clone()),
        ),
        (
            "smsAuthenticate",
            api.sms_authenticate(
                body(r#"{"phoneId": "p", "otp": "000000"}"#),
                jwt(),
                signal.clone(),
            ),
        ),
        (
            "emailSend",
            api.email_send(
                body(r#"{"emailAddress": "a@example.com"}"#),
                jwt(),
                signal.clone(),
            ),
        ),
        (
            "emailAuthenticate",
            api.email_authenticate(
                body(r#"{"emailId": "e", "otp": "000000"}"#),
                jwt(),
                signal.clone(),
            ),
        ),
        (
            "createUser",
            api.create_user(
                body(
                    r#"{"firstName": "A", "lastName": "B", "email": "a@example.com", "country": "US",
                        "phone": "+12025550143", "acceptedTerms": true}"#,
                ),
                jwt(),
                signal.clone(),
            ),
        ),
        ("getUser", api.get_user("user-1".into(), jwt(), signal.clone())),
    ]
}

#[wasm_bindgen_test]
async fn api_calls_abort_with_the_signals_reason_before_and_during_the_request() {
    let auth = auth();
    // Already aborted: every call rejects `aborted` with the reason, and nothing is fetched.
    let spy = fetch_spy(false);
    spy_abort_now(&spy);
    let signal = spy_signal(&spy);
    for (name, promise) in every_api_call(&auth, &signal) {
        let error = expect_error(api_call(promise).await, "aborted");
        assert!(
            same(&prop(&error, "cause"), &spy_reason(&spy)),
            "api.{name}: the cause is the signal's reason"
        );
    }
    assert_eq!(spy_stop(&spy), "[]", "nothing was sent");

    // Aborted while the request is under way (the server holds it): the fetch itself is
    // aborted, and the call rejects with the reason.
    reset_sandbox().await;
    add_fault(json!({"path": "/v1/auth/cryptoWallet:start", "status": 200, "delayMs": 5000})).await;
    let key = random_key();
    let address = Address::from_verifying_key(key.verifying_key());
    let wallet = parse(&json!({"walletAddress": address.to_checksum()}).to_string());
    let spy = fetch_spy(true);
    let outcome = api_call(auth.api().wallet_start(wallet, spy_signal(&spy))).await;
    let fetched: Value = serde_json::from_str(&spy_stop(&spy)).unwrap();
    reset_sandbox().await;
    let error = expect_error(outcome, "aborted");
    assert!(same(&prop(&error, "cause"), &spy_reason(&spy)));
    let fetched = fetched.as_array().unwrap();
    assert_eq!(fetched.len(), 1, "{fetched:?}");
    assert!(
        fetched[0]["url"]
            .as_str()
            .unwrap()
            .ends_with("/v1/auth/cryptoWallet:start")
    );
    assert_eq!(
        fetched[0]["aborted"], true,
        "the request's own signal fired"
    );

    // A signal that never fires changes nothing: the call goes through.
    let spy = fetch_spy(false);
    let wallet = parse(&json!({"walletAddress": address.to_checksum()}).to_string());
    let start = api_call(auth.api().wallet_start(wallet, spy_signal(&spy)))
        .await
        .unwrap();
    assert!(start["challenge"].is_string());
    let fetched: Value = serde_json::from_str(&spy_stop(&spy)).unwrap();
    assert_eq!(fetched[0]["aborted"], false);
}

#[wasm_bindgen_test]
async fn an_api_signal_that_is_not_an_abort_signal_is_a_config_error() {
    let auth = auth();
    let real = new_signal();
    let spy = fetch_spy(false);
    for (label, signal) in [
        ("an object", parse(r#"{"aborted": false}"#)),
        ("a string", JsValue::from_str("signal")),
        ("a number", JsValue::from_f64(1.0)),
        ("true", JsValue::TRUE),
        ("a Proxy of a signal", proxy_of(&real)),
    ] {
        for (name, promise) in every_api_call(&auth, &signal) {
            let error = expect_error(api_call(promise).await, "config");
            let message = prop(&error, "message").as_string().unwrap();
            assert!(
                message.contains("AbortSignal"),
                "api.{name} with {label}: {message}"
            );
        }
    }
    assert_eq!(spy_stop(&spy), "[]", "nothing was sent");
}
