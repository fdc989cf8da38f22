//! Shared by `flow_model.rs` and `flow_e2e.rs`: test keys, an independent reading of session
//! JWTs (no `ratio_auth::jwt`, so the engine's own reader is not what checks it), and the native
//! driver that runs a [`Flow`] against a real in-process sandbox over HTTP.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use k256::ecdsa::SigningKey;
use ratio_auth::api::{Endpoint, Method};
use ratio_auth::eip191::{Address, keccak256, sign_personal};
use ratio_auth::flow::{
    Action, Answer, Channel, FlowError, FlowEvent, HttpResponse, Outcome, Prompt, TransportError,
};
use ratio_auth::flow::{Flow, FlowConfig, Start};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Keys and JWTs
// ---------------------------------------------------------------------------------------------

/// A deterministic secp256k1 key per label.
pub fn key(label: &str) -> SigningKey {
    SigningKey::from_bytes(&keccak256(label.as_bytes()).into()).expect("a hash is a valid scalar")
}

pub fn address_of(key: &SigningKey) -> Address {
    Address::from_verifying_key(key.verifying_key())
}

/// A factor kind as the test reads it from a JWT, independently of the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Wallet,
    Sms,
    Email,
}

impl Kind {
    pub fn of(channel: Channel) -> Kind {
        match channel {
            Channel::Sms => Kind::Sms,
            Channel::Email => Kind::Email,
        }
    }
}

/// The JWT's payload, decoded by hand (base64url, no verification).
pub fn jwt_payload(jwt: &str) -> Result<Value, String> {
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 {
        return Err(format!("a JWT has 3 parts, this one {}", parts.len()));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(parts[1])
        .map_err(|e| format!("payload is not base64url: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("payload is not JSON: {e}"))
}

/// The distinct factor kinds of the `https://stytch.com/session` claim, in token order.
pub fn jwt_kinds(jwt: &str) -> Result<Vec<Kind>, String> {
    let payload = jwt_payload(jwt)?;
    let factors = payload["https://stytch.com/session"]["authentication_factors"]
        .as_array()
        .ok_or("no authentication_factors")?;
    let mut kinds = Vec::new();
    for factor in factors {
        let kind = match factor["delivery_method"].as_str() {
            Some("crypto_wallet") => Kind::Wallet,
            Some("sms") => Kind::Sms,
            Some("email") => Kind::Email,
            other => return Err(format!("unexpected delivery_method {other:?}")),
        };
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    Ok(kinds)
}

pub fn kind_set(kinds: &[Kind]) -> BTreeSet<Kind> {
    kinds.iter().copied().collect()
}

pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Nothing secret in what a UI or a log sees, checked after every driven flow: no JWT that went
/// over the wire or came back (refreshes included), no code the user typed, not the client
/// secret, in any event (Debug and JSON), nor in the error or outcome's printable forms.
pub fn assert_no_secrets(run: &Run) {
    let mut secrets: Vec<String> = run
        .exchanges
        .iter()
        .filter_map(|x| x.bearer.clone())
        .chain(run.issued_jwts.iter().cloned())
        .collect();
    if let Ok(outcome) = &run.result {
        secrets.push(outcome.session_jwt.expose().to_owned());
    }
    let mut texts: Vec<String> = run
        .events
        .iter()
        .map(|event| {
            format!(
                "{event:?} {}",
                ratio_auth::json::ToJson::to_json(event).to_json_string()
            )
        })
        .collect();
    match &run.result {
        Ok(outcome) => texts.push(format!("{outcome:?}")),
        Err(error) => texts.push(format!(
            "{error} {error:?} {}",
            ratio_auth::json::ToJson::to_json(error).to_json_string()
        )),
    }
    for text in &texts {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "a JWT in {text}");
        }
        let digit_runs: Vec<&str> = text.split(|c: char| !c.is_ascii_digit()).collect();
        for code in &run.typed_codes {
            assert!(
                !digit_runs.contains(&code.as_str()),
                "the code {code} in {text}"
            );
        }
        assert!(
            !text.contains("sandbox-secret"),
            "the client secret in {text}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The native driver (end-to-end tests)
// ---------------------------------------------------------------------------------------------

/// How the scripted user answers.
#[derive(Clone, Debug)]
pub struct Script {
    pub phone: String,
    pub email: String,
    /// Answer to the link confirmation.
    pub confirm_link: bool,
    /// Wrong codes to enter at the first code prompts, per channel, before the right one.
    pub wrong_sms_codes: u32,
    pub wrong_email_codes: u32,
    /// The answer to `eth_getCode`: the account is a smart-contract wallet.
    pub has_code: bool,
    /// The signing key need not be the flow's wallet (a contract wallet's owner, or a test of
    /// the local check).
    pub foreign_signer: bool,
}

impl Script {
    pub fn new(phone: &str, email: &str) -> Script {
        Script {
            phone: phone.to_owned(),
            email: email.to_owned(),
            confirm_link: true,
            wrong_sms_codes: 0,
            wrong_email_codes: 0,
            has_code: false,
            foreign_signer: false,
        }
    }
}

/// One request the driver sent and what came back.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub endpoint: Endpoint,
    pub bearer: Option<String>,
    pub body: Value,
    /// Wall-clock unix ms (the clock the engine is given) when the request went out and when
    /// its answer was handed to the engine.
    pub sent_ms: u64,
    pub received_ms: u64,
    pub sent: Instant,
    pub received: Instant,
    /// `None`: transport error.
    pub status: Option<u16>,
    pub code: Option<String>,
    pub retry_after: Option<String>,
}

/// Everything one driven flow did.
#[derive(Debug)]
pub struct Run {
    pub result: Result<Outcome, FlowError>,
    pub exchanges: Vec<Exchange>,
    pub prompts: Vec<Prompt>,
    pub events: Vec<FlowEvent>,
    /// (until_ms the engine asked for, real time slept).
    pub waits: Vec<(u64, Duration)>,
    /// The codes the driver typed (to check they never leak).
    pub typed_codes: Vec<String>,
    /// Every `sessionJwt` and refresh header the server answered with.
    pub issued_jwts: Vec<String>,
}

impl Run {
    pub fn outcome(&self) -> &Outcome {
        match &self.result {
            Ok(outcome) => outcome,
            Err(e) => panic!(
                "the flow failed: {e} ({e:?})\nexchanges: {:#?}",
                self.exchanges
            ),
        }
    }

    pub fn error(&self) -> &FlowError {
        match &self.result {
            Err(e) => e,
            Ok(o) => panic!("the flow should have failed, it ended {:?}", o.path),
        }
    }

    pub fn to(&self, endpoint: Endpoint) -> Vec<&Exchange> {
        self.exchanges
            .iter()
            .filter(|x| x.endpoint == endpoint)
            .collect()
    }
}

/// An in-process sandbox and a client for it.
pub struct Env {
    pub sandbox: ratio_sandbox::Sandbox,
    pub http: reqwest::Client,
    pub base: String,
}

pub async fn start_sandbox(conflict_cooldown: Duration) -> Env {
    start_sandbox_with(ratio_sandbox::Config {
        conflict_cooldown,
        ..ratio_sandbox::Config::default()
    })
    .await
}

pub async fn start_sandbox_with(config: ratio_sandbox::Config) -> Env {
    let sandbox = ratio_sandbox::Sandbox::start(config)
        .await
        .expect("the sandbox starts");
    let base = sandbox.url();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a reqwest client");
    Env {
        sandbox,
        http,
        base,
    }
}

impl Env {
    pub async fn sandbox_post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("the sandbox answers");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    pub async fn sandbox_get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("the sandbox answers");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// An existing user with verified phone and email, and these wallets (verified).
    pub async fn create_user(&self, phone: &str, email: &str, wallets: &[Address]) -> String {
        let wallets: Vec<Value> = wallets
            .iter()
            .map(|w| json!({"address": w.to_checksum(), "verified": true}))
            .collect();
        let (status, body) = self
            .sandbox_post(
                "/sandbox/users",
                json!({"phoneNumber": phone, "emailAddress": email, "wallets": wallets}),
            )
            .await;
        assert_eq!(status, 201, "create user: {body}");
        body["id"].as_str().expect("a user id").to_owned()
    }

    /// The sandbox's own view: `{id, phoneNumber, emailAddress, wallets: [{address, verified}]}`.
    pub async fn user(&self, id: &str) -> Value {
        let (status, body) = self.sandbox_get(&format!("/sandbox/users/{id}")).await;
        assert_eq!(status, 200, "GET /sandbox/users/{id}: {body}");
        body
    }

    /// (address, verified) of a user's wallets, sorted.
    pub async fn wallets_of(&self, id: &str) -> Vec<(Address, bool)> {
        let user = self.user(id).await;
        let mut wallets: Vec<(Address, bool)> = user["wallets"]
            .as_array()
            .expect("wallets")
            .iter()
            .map(|w| {
                let address = Address::parse(w["address"].as_str().expect("address"))
                    .expect("an EIP-55 address");
                (address, w["verified"] == json!(true))
            })
            .collect();
        wallets.sort();
        wallets
    }

    /// The newest code the sandbox sent to `to`.
    pub async fn latest_otp(&self, to: &str) -> String {
        let encoded = to.replace('+', "%2B").replace('@', "%40");
        let (status, body) = self
            .sandbox_get(&format!("/sandbox/outbox?to={encoded}"))
            .await;
        assert_eq!(status, 200, "outbox: {body}");
        body[0]["otp"]
            .as_str()
            .unwrap_or_else(|| panic!("no code in the outbox for {to}: {body}"))
            .to_owned()
    }

    pub async fn fault(&self, spec: Value) {
        let (status, body) = self.sandbox_post("/sandbox/faults", spec).await;
        assert_eq!(status, 201, "fault: {body}");
    }

    /// Runs a flow to its end: real HTTP, real signatures, real sleeps.
    pub async fn drive(
        &self,
        config: FlowConfig,
        start: Start,
        key: &SigningKey,
        script: &Script,
    ) -> Run {
        let run = self.drive_inner(config, start, key, script);
        let run = tokio::time::timeout(Duration::from_secs(60), run)
            .await
            .expect("the flow ended within 60 s");
        assert_no_secrets(&run);
        run
    }

    async fn drive_inner(
        &self,
        config: FlowConfig,
        start: Start,
        key: &SigningKey,
        script: &Script,
    ) -> Run {
        let mut flow = Flow::new(config, start, unix_ms() ^ 0x5eed, unix_ms());
        let mut run = Run {
            result: Err(FlowError::new(
                ratio_auth::flow::ErrorKind::Config,
                "not run",
            )),
            exchanges: Vec::new(),
            prompts: Vec::new(),
            events: Vec::new(),
            waits: Vec::new(),
            typed_codes: Vec::new(),
            issued_jwts: Vec::new(),
        };
        let mut wrong_left = (script.wrong_sms_codes, script.wrong_email_codes);
        for _ in 0..500 {
            run.events.extend(flow.drain_events());
            match flow.next_action() {
                Action::Http(request) => {
                    assert_eq!(request.method, Method::Post);
                    let mut builder = self.http.post(format!("{}{}", self.base, request.path));
                    for (name, value) in &request.headers {
                        builder = builder.header(name.as_str(), value.as_str());
                    }
                    if let Some(body) = &request.body {
                        builder = builder.body(body.clone());
                    }
                    let sent = Instant::now();
                    let sent_ms = unix_ms();
                    let mut exchange = Exchange {
                        endpoint: request.endpoint,
                        bearer: request.bearer().map(str::to_owned),
                        body: request
                            .body
                            .as_deref()
                            .and_then(|b| serde_json::from_str(b).ok())
                            .unwrap_or(Value::Null),
                        sent_ms,
                        received_ms: sent_ms,
                        sent,
                        received: sent,
                        status: None,
                        code: None,
                        retry_after: None,
                    };
                    let outcome = match builder.send().await {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            let headers: Vec<(String, String)> = response
                                .headers()
                                .iter()
                                .map(|(n, v)| {
                                    (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())
                                })
                                .collect();
                            match response.text().await {
                                Ok(text) => {
                                    let parsed = HttpResponse::from_parts(status, headers, text);
                                    exchange.status = Some(status);
                                    exchange.retry_after = parsed.retry_after.clone();
                                    let json = serde_json::from_str::<Value>(&parsed.body).ok();
                                    exchange.code = json
                                        .as_ref()
                                        .and_then(|b| b["code"].as_str().map(str::to_owned));
                                    run.issued_jwts.extend(
                                        json.as_ref()
                                            .and_then(|b| b["sessionJwt"].as_str())
                                            .map(str::to_owned),
                                    );
                                    run.issued_jwts.extend(
                                        parsed.refresh_jwt.as_ref().map(|j| j.expose().to_owned()),
                                    );
                                    Ok(parsed)
                                }
                                Err(e) => Err(TransportError::Network(e.to_string())),
                            }
                        }
                        Err(e) if e.is_timeout() => Err(TransportError::Timeout),
                        Err(e) => Err(TransportError::Network(e.to_string())),
                    };
                    exchange.received = Instant::now();
                    exchange.received_ms = unix_ms();
                    let received_ms = exchange.received_ms;
                    run.exchanges.push(exchange);
                    flow.on_http(received_ms, outcome);
                }
                Action::Sign { address, message } => {
                    if !script.foreign_signer {
                        assert_eq!(
                            address,
                            address_of(key),
                            "asked to sign with another account"
                        );
                    }
                    let signature = sign_personal(key, message.as_bytes());
                    flow.on_signature(unix_ms(), Ok(signature));
                }
                Action::GetCode { address } => {
                    assert_eq!(address, start.wallet, "asked about another account");
                    flow.on_code(unix_ms(), Ok(script.has_code));
                }
                Action::Ask(prompt) => {
                    run.prompts.push(prompt.clone());
                    let answer = match &prompt {
                        Prompt::PhoneNumber { .. } => Answer::text(script.phone.clone()),
                        Prompt::Email { .. } => Answer::text(script.email.clone()),
                        Prompt::ConfirmLink { .. } => Answer::Confirm(script.confirm_link),
                        Prompt::Otp { channel, .. } => {
                            let to = match channel {
                                Channel::Sms => &script.phone,
                                Channel::Email => &script.email,
                            };
                            let right = self.latest_otp(to).await;
                            let wrong = match channel {
                                Channel::Sms => &mut wrong_left.0,
                                Channel::Email => &mut wrong_left.1,
                            };
                            let code = if *wrong > 0 {
                                *wrong -= 1;
                                // Every digit moved by one: 6 digits, never the right code.
                                right
                                    .chars()
                                    .map(|c| {
                                        let d = c.to_digit(10).unwrap_or(0);
                                        char::from_digit((d + 1) % 10, 10).unwrap_or('0')
                                    })
                                    .collect()
                            } else {
                                right
                            };
                            run.typed_codes.push(code.clone());
                            Answer::text(code)
                        }
                    };
                    flow.on_answer(unix_ms(), answer);
                }
                Action::Wait { until_ms } => {
                    let began = Instant::now();
                    loop {
                        let now = unix_ms();
                        if now >= until_ms {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(until_ms - now)).await;
                    }
                    run.waits.push((until_ms, began.elapsed()));
                    flow.on_timer(unix_ms());
                }
                Action::Done(outcome) => {
                    run.result = Ok(outcome);
                    break;
                }
                Action::Fail(error) => {
                    run.result = Err(error);
                    break;
                }
            }
        }
        run.events.extend(flow.drain_events());
        assert!(flow.is_finished(), "the flow did not end in 500 actions");
        run
    }
}
