//! The engine's JSON protocol (`ratio_auth::wire`, what the package's JS driver speaks) end to
//! end against the real sandbox, in process: a small driver here does what `npm/driver.js`
//! does (sends the requests with reqwest, signs with k256, reads codes from the outbox, sleeps
//! on `wait`) and reads only the JSON the engine writes.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use k256::ecdsa::SigningKey;
use ratio_auth::eip191::sign_personal;
use ratio_auth::wire::{self, Session};
use serde_json::{Value, json};
use support::{Env, address_of, jwt_kinds, key, start_sandbox};

const SECRET_CONFIG: &str = r#"{"credentials":{"kind":"clientSecret","clientId":"sandbox","clientSecret":"sandbox-secret"},"retry":{"maxAttempts":3,"baseDelayMs":20,"maxDelayMs":200,"maxTotalMs":10000}}"#;

fn now() -> u64 {
    support::unix_ms()
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("the engine wrote JSON ({e}): {text}"))
}

/// What the scripted person answers, and what the driver saw.
struct Person<'a> {
    phone: &'a str,
    email: &'a str,
    /// Stop at the first prompt of this name (leave the flow waiting there).
    stop_at: Option<&'a str>,
    prompts: Vec<Value>,
    events: Vec<Value>,
    requests: Vec<String>,
    snapshot: Option<String>,
}

impl<'a> Person<'a> {
    fn new(phone: &'a str, email: &'a str) -> Person<'a> {
        Person {
            phone,
            email,
            stop_at: None,
            prompts: Vec::new(),
            events: Vec::new(),
            requests: Vec::new(),
            snapshot: None,
        }
    }
}

/// Runs `session` until `done`, `fail` or the person's `stop_at`; the last action.
async fn drive(
    env: &Env,
    session: &mut Session,
    signer: &SigningKey,
    person: &mut Person<'_>,
) -> Value {
    let mut input = json!({ "now": now() });
    loop {
        let out = parse(&session.step(&input.to_string()));
        person
            .events
            .extend(out["events"].as_array().cloned().unwrap_or_default());
        if let Some(snapshot) = out["snapshot"].as_str() {
            person.snapshot = Some(snapshot.to_owned());
        }
        let action = out["action"].clone();
        input = if let Some(http) = action.get("http") {
            let path = http["path"].as_str().unwrap_or_default();
            person.requests.push(path.to_owned());
            let url = format!("{}{path}", env.base);
            let mut request = match http["method"].as_str() {
                Some("GET") => env.http.get(url),
                _ => env.http.post(url),
            };
            for header in http["headers"].as_array().cloned().unwrap_or_default() {
                request = request.header(
                    header[0].as_str().unwrap_or_default(),
                    header[1].as_str().unwrap_or_default(),
                );
            }
            if let Some(body) = http["body"].as_str() {
                request = request.body(body.to_owned());
            }
            match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let header = |name: &str| {
                        response
                            .headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    let retry_after = header("retry-after");
                    let refresh = header("ratio-authentication-refresh");
                    let body = response.text().await.unwrap_or_default();
                    json!({ "now": now(), "response": {
                        "status": status, "retryAfter": retry_after, "refreshJwt": refresh, "body": body } })
                }
                Err(error) => {
                    json!({ "now": now(), "transport": { "network": error.to_string() } })
                }
            }
        } else if let Some(sign) = action.get("sign") {
            let message = sign["message"].as_str().unwrap_or_default();
            json!({ "now": now(), "signature": sign_personal(signer, message.as_bytes()) })
        } else if action.get("getCode").is_some() {
            json!({ "now": now(), "hasCode": false })
        } else if let Some(ask) = action.get("ask") {
            let name = ask["name"].as_str().unwrap_or_default().to_owned();
            person.prompts.push(ask["prompt"].clone());
            if person.stop_at == Some(name.as_str()) {
                return action;
            }
            let answer = match name.as_str() {
                "phoneNumber" => json!({ "text": person.phone }),
                "email" => json!({ "text": person.email }),
                "otp" => {
                    let to = if ask["prompt"]["channel"] == "sms" {
                        person.phone
                    } else {
                        person.email
                    };
                    json!({ "text": env.latest_otp(to).await })
                }
                "confirmLink" => json!({ "confirm": true }),
                other => panic!("an unknown prompt {other}"),
            };
            json!({ "now": now(), "answer": answer })
        } else if let Some(wait) = action.get("wait") {
            let until = wait["untilMs"].as_u64().expect("untilMs");
            tokio::time::sleep(Duration::from_millis(until.saturating_sub(now()))).await;
            json!({ "now": now(), "timer": true })
        } else {
            return action;
        };
    }
}

fn start(wallet: &str, first_factor: &str) -> String {
    json!({ "wallet": wallet, "firstFactor": first_factor }).to_string()
}

#[tokio::test]
async fn the_link_path_end_to_end_through_the_json_protocol() {
    let env = start_sandbox(Duration::from_millis(300)).await;
    let old = key("wire-old-wallet");
    let new = key("wire-new-wallet");
    let (phone, email) = ("+14155550191", "wire-link@example.com");
    let id = env.create_user(phone, email, &[address_of(&old)]).await;

    let wallet = address_of(&new).to_lower_hex();
    let mut session = Session::start(
        SECRET_CONFIG,
        &start(&wallet, "wallet"),
        "0123456789abcdef",
        now(),
    )
    .unwrap_or_else(|e| panic!("start: {e}"));
    let mut person = Person::new(phone, email);
    let last = drive(&env, &mut session, &new, &mut person).await;

    let result = &last["done"]["result"];
    assert_eq!(result["path"], "linked", "{last}");
    assert_eq!(result["walletAddress"], address_of(&new).to_checksum());
    assert_eq!(result["walletVerified"], false);
    assert_eq!(result["factors"], json!(["sms", "email"]));
    let jwt = result["sessionJwt"].as_str().expect("a session JWT");
    assert!(jwt_kinds(jwt).is_ok());
    assert!(result["expiresAt"].as_u64().is_some_and(|ms| ms > now()));
    assert!(
        person
            .requests
            .iter()
            .any(|p| p.ends_with("cryptoWallet:addToUser"))
    );
    // The sandbox's own view: the new wallet is the old user's now.
    let wallets = env.wallets_of(&id).await;
    assert!(
        wallets
            .iter()
            .any(|(address, _)| *address == address_of(&new)),
        "{wallets:?}"
    );
    // Every event is an object with a type; the link was confirmed at a prompt that said so.
    assert!(
        person.events.iter().all(|e| e["type"].is_string()),
        "{:?}",
        person.events
    );
    assert!(
        person
            .events
            .iter()
            .all(|e| !e.to_string().contains(":null")),
        "nulls are left out"
    );
    assert!(
        person.prompts.iter().any(|p| p["kind"] == "confirmLink"),
        "{:?}",
        person.prompts
    );
    // Without `snapshots` the engine writes none.
    assert_eq!(person.snapshot, None);
    // Nothing the engine wrote for the driver holds a code.
    let codes: Vec<String> = env
        .sandbox_get("/sandbox/outbox")
        .await
        .1
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|m| m["otp"].as_str().map(str::to_owned))
        .collect();
    for event in &person.events {
        for code in &codes {
            assert!(
                !event.to_string().contains(code.as_str()),
                "an event holds a code: {event}"
            );
        }
    }
}

#[tokio::test]
async fn a_snapshot_taken_at_the_code_prompt_resumes_with_the_same_wallet_only() {
    let env = start_sandbox(Duration::from_millis(300)).await;
    let wallet_key = key("wire-resume");
    let (phone, email) = ("+14155550192", "wire-resume@example.com");
    env.create_user(phone, email, &[address_of(&wallet_key)])
        .await;
    let wallet = address_of(&wallet_key).to_lower_hex();
    let config = SECRET_CONFIG.replacen('{', r#"{"snapshots":true,"#, 1);

    let mut session =
        Session::start(&config, &start(&wallet, "wallet"), "1", now()).expect("start");
    let mut person = Person::new(phone, email);
    person.stop_at = Some("otp");
    let last = drive(&env, &mut session, &wallet_key, &mut person).await;
    assert_eq!(last["ask"]["name"], "otp", "{last}");
    let snapshot = person
        .snapshot
        .clone()
        .expect("a flow waiting for a code is saved");

    let pending = parse(&wire::pending_sign_in(&snapshot, now()));
    assert_eq!(pending["pending"]["step"], "otp", "{pending}");
    assert_eq!(
        pending["pending"]["walletAddress"],
        address_of(&wallet_key).to_checksum()
    );
    assert!(pending["pending"]["phoneMask"].is_string());

    // Another wallet: refused, and nothing says to clear it.
    let other = address_of(&key("wire-other")).to_lower_hex();
    let refused = match Session::resume(&config, &snapshot, &other, now()) {
        Ok(_) => panic!("another wallet resumed the flow"),
        Err(error) => parse(&error),
    };
    assert_eq!(refused["error"]["kind"], "resume");
    assert_eq!(refused["error"]["reason"], "otherWallet");

    // The same wallet: asks for the code again and finishes.
    let mut resumed = Session::resume(&config, &snapshot, &wallet, now()).expect("resume");
    let mut person = Person::new(phone, email);
    let last = drive(&env, &mut resumed, &wallet_key, &mut person).await;
    assert_eq!(last["done"]["result"]["path"], "returning", "{last}");

    // Expired and damaged snapshots.
    let expired = parse(&wire::pending_sign_in(&snapshot, now() + 3_600_000));
    assert_eq!(expired["error"]["reason"], "expired", "{expired}");
    let damaged = parse(&wire::pending_sign_in("{\"version\":1", now()));
    assert_eq!(damaged["error"]["reason"], "unreadable", "{damaged}");
}

#[tokio::test]
async fn a_network_failure_ends_with_the_browsers_text_as_details() {
    // Nothing listens there: every request fails in transport.
    let config = SECRET_CONFIG;
    let wallet = address_of(&key("wire-network")).to_lower_hex();
    let mut session = Session::start(config, &start(&wallet, "wallet"), "2", now()).expect("start");
    let mut out = parse(&session.step(&json!({ "now": now() }).to_string()));
    let mut steps = 0;
    while out["action"].get("fail").is_none() {
        steps += 1;
        assert!(steps < 20, "the engine keeps retrying: {out}");
        let input = if let Some(wait) = out["action"].get("wait") {
            json!({ "now": wait["untilMs"], "timer": true })
        } else {
            json!({ "now": now(), "transport": { "network": "Failed to fetch" } })
        };
        out = parse(&session.step(&input.to_string()));
    }
    let error = &out["action"]["fail"]["error"];
    assert_eq!(error["kind"], "network", "{error}");
    assert_eq!(error["details"], "Failed to fetch");
    assert!(
        !error["shortMessage"]
            .as_str()
            .unwrap_or_default()
            .contains("Failed to fetch"),
        "{error}"
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Failed to fetch")
    );
}

#[test]
fn the_driver_can_stop_a_flow_and_the_engine_reports_it_failed() {
    let wallet = address_of(&key("wire-stop")).to_lower_hex();
    let mut session =
        Session::start(SECRET_CONFIG, &start(&wallet, "sms"), "3", 1_000).expect("start");
    let first = parse(&session.step(r#"{"now":1000}"#));
    assert_eq!(
        first["action"]["ask"]["name"], "phoneNumber",
        "factor-first SMS asks for the phone: {first}"
    );
    let stop = json!({ "now": 1001, "stop": { "kind": "wallet", "message": "the wallet switched accounts during sign-in", "reason": "accountsChanged" } });
    let out = parse(&session.step(&stop.to_string()));
    assert_eq!(out["action"]["fail"]["error"]["kind"], "wallet", "{out}");
    assert!(
        out["events"]
            .as_array()
            .is_some_and(|events| events.iter().any(|e| e["type"] == "failed")),
        "{out}"
    );
    // An unreadable input ends the flow as a config failure rather than anything undefined.
    let mut session =
        Session::start(SECRET_CONFIG, &start(&wallet, "wallet"), "4", 1_000).expect("start");
    let out = parse(&session.step("{not json"));
    assert_eq!(out["action"]["fail"]["error"]["kind"], "config", "{out}");
}

#[test]
fn bad_settings_and_starts_are_config_errors() {
    let wallet = address_of(&key("wire-bad")).to_lower_hex();
    for config in [
        "",
        "{}",
        r#"{"credentials":{"kind":"clientSecret","clientId":"x"}}"#,
        r#"{"credentials":{"kind":"nope"}}"#,
    ] {
        let error = match Session::start(config, &start(&wallet, "wallet"), "5", 0) {
            Ok(_) => panic!("settings {config:?} accepted"),
            Err(error) => parse(&error),
        };
        assert_eq!(error["error"]["kind"], "config", "{config}: {error}");
    }
    for start_text in [
        "",
        r#"{"wallet":"0x12"}"#,
        &start(&wallet, "carrier-pigeon"),
    ] {
        let error = match Session::start(SECRET_CONFIG, start_text, "6", 0) {
            Ok(_) => panic!("start {start_text:?} accepted"),
            Err(error) => parse(&error),
        };
        assert_eq!(error["error"]["kind"], "config", "{start_text}: {error}");
    }
}

#[tokio::test]
async fn api_calls_build_exact_requests_and_read_answers_with_the_flows_kinds() {
    let env = start_sandbox(Duration::from_millis(300)).await;
    let wallet = address_of(&key("wire-api"));
    let built = parse(&wire::api_request(
        "walletStart",
        SECRET_CONFIG,
        &json!({ "walletAddress": wallet.to_checksum() }).to_string(),
        None,
    ));
    let request = &built["request"];
    assert_eq!(request["method"], "POST", "{built}");
    assert_eq!(request["path"], "/v1/auth/cryptoWallet:start");
    assert!(
        request["headers"]
            .as_array()
            .is_some_and(|h| h.iter().any(|h| h[0] == "ratio-client-id"))
    );
    let mut http = env.http.post(format!(
        "{}{}",
        env.base,
        request["path"].as_str().unwrap_or_default()
    ));
    for header in request["headers"].as_array().cloned().unwrap_or_default() {
        http = http.header(
            header[0].as_str().unwrap_or_default(),
            header[1].as_str().unwrap_or_default(),
        );
    }
    let response = http
        .body(request["body"].as_str().unwrap_or_default().to_owned())
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    let body = response.text().await.expect("a body");
    let read = parse(&wire::api_response(
        "walletStart",
        &json!({ "status": status, "body": body }).to_string(),
        now(),
    ));
    assert!(
        read["ok"]["challenge"]
            .as_str()
            .is_some_and(|c| !c.is_empty()),
        "{read}"
    );

    // A 429 reads as rateLimited with retryAt from Retry-After; a 2xx of the wrong shape as badResponse.
    let limited = parse(&wire::api_response(
        "smsSend",
        &json!({ "status": 429, "retryAfter": "3", "body": "{\"code\":\"TOO_MANY_REQUESTS\",\"message\":\"slow down 123456\"}" }).to_string(),
        1_000_000,
    ));
    let error = &limited["error"];
    assert_eq!(error["kind"], "rateLimited", "{limited}");
    assert_eq!(error["retryAt"], 1_003_000);
    assert_eq!(error["code"], "TOO_MANY_REQUESTS");
    assert!(
        !error.to_string().contains("123456"),
        "a code-shaped run is masked: {error}"
    );
    // An absurd Retry-After still gives an exact JS integer (2^53 - 1 at most), never a rounded float.
    let absurd = parse(&wire::api_response(
        "smsSend",
        &json!({ "status": 429, "retryAfter": "99999999999999999999", "body": "" }).to_string(),
        1_000_000,
    ));
    assert_eq!(absurd["error"]["retryAt"], (1u64 << 53) - 1, "{absurd}");
    let malformed = parse(&wire::api_response(
        "smsSend",
        r#"{"status":200,"body":"[]"}"#,
        0,
    ));
    assert_eq!(malformed["error"]["kind"], "badResponse", "{malformed}");

    // Arguments are checked without echoing them.
    let refused = parse(&wire::api_request(
        "smsAuthenticate",
        SECRET_CONFIG,
        r#"{"phoneId":"p","otp":654321}"#,
        None,
    ));
    assert_eq!(refused["error"]["kind"], "config", "{refused}");
    assert!(!refused.to_string().contains("654321"));
    let refused = parse(&wire::api_request(
        "getUser",
        SECRET_CONFIG,
        r#""  ""#,
        Some("jwt"),
    ));
    assert_eq!(
        refused["error"]["message"],
        "api.getUser expects a non-empty userId"
    );
    let get = parse(&wire::api_request(
        "getUser",
        SECRET_CONFIG,
        r#""user-1""#,
        Some("a.b.c"),
    ));
    assert_eq!(get["request"]["method"], "GET", "{get}");
    assert!(
        get["request"]["headers"].as_array().is_some_and(|h| h
            .iter()
            .any(|h| h[0] == "Authorization" && h[1] == "Bearer a.b.c")),
        "{get}"
    );
}

#[test]
fn session_info_reads_factors_and_expiry_and_never_fails() {
    assert_eq!(wire::session_info("", 0), "{}");
    assert_eq!(wire::session_info("not.a.jwt", 0), "{}");
    let b64 = |v: Value| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let jwt = format!(
        "{}.{}.sig",
        b64(json!({"alg":"none"})),
        b64(
            json!({"exp": 2_000, "https://stytch.com/session": {"authentication_factors": [
            {"delivery_method": "sms"}, {"delivery_method": "crypto_wallet"}, {"delivery_method": "sms"}]}})
        )
    );
    let info = parse(&wire::session_info(&jwt, 1_000_000));
    assert_eq!(
        info,
        json!({"factors": ["sms", "wallet"], "expiresAt": 2_000_000, "expired": false})
    );
    let info = parse(&wire::session_info(&jwt, 2_000_000));
    assert_eq!(info["expired"], true);
}

#[test]
fn external_text_is_masked_and_capped() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln";
    assert_eq!(
        wire::sanitize_external_text(&format!("bad token {jwt}.")),
        "bad token ***."
    );
    assert_eq!(
        wire::sanitize_external_text("code 123456 sent to 5551234"),
        "code *** sent to ***"
    );
    assert_eq!(wire::sanitize_external_text("order 12345"), "order 12345");
    let long = "x ".repeat(300);
    let capped = wire::sanitize_external_text(&long);
    assert_eq!(capped.chars().count(), 201);
    assert!(capped.ends_with('…'));
}
