//! `ratio-load`: runs complete flows of all four kinds through the SDK's sans-IO engine
//! (`ratio_auth::flow::Flow`, as tests/flow_e2e.rs drives it) against an in-process sandbox,
//! optionally with random faults, then checks through `/sandbox/users` that every wallet is on
//! the right user and that the sandbox answered no 500 of its own.
//!
//! `cargo run --release -p ratio-load -- --flows 1000 --concurrency 256 --faults`
//!
//! `--only link --cooldown-ms 0 --json` is what `scripts/bench` runs: only link-path flows, no
//! 429 cool-down after the 409 (so a flow's time is the server's and the engine's, not a back-off
//! sleep), and one JSON line of figures at the end. The driver and the sandbox share one tokio
//! runtime (`#[tokio::main]`: one worker thread per core) in one process.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use k256::ecdsa::SigningKey;
use ratio_auth::eip191::{Address, keccak256, sign_personal};
use ratio_auth::flow::{
    Action, Answer, Channel, ClientContext, Credentials, FirstFactor, Flow, FlowConfig, FlowPath,
    HttpResponse, Prompt, Start, TransportError,
};
use ratio_auth::secret::Secret;
use serde_json::{Value, json};

/// Message of every injected error body, so a real 500 can be told apart.
const INJECTED: &str = "injected by ratio-load";

const ENDPOINTS: [&str; 7] = [
    "/v1/auth/cryptoWallet:start",
    "/v1/auth/cryptoWallet:authenticate",
    "/v1/auth/cryptoWallet:addToUser",
    "/v1/auth/otp/sms:send",
    "/v1/auth/otp/sms:authenticate",
    "/v1/auth/otp/email:send",
    "/v1/auth/otp/email:authenticate",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Returning,
    New,
    Link,
    FactorFirst,
}

struct Args {
    flows: usize,
    concurrency: usize,
    faults: bool,
    /// Only flows of this kind (`--only link`), instead of the four in turn.
    only: Option<Kind>,
    /// The sandbox's conflict cool-down (default 300 ms).
    cooldown_ms: u64,
    /// Also print one JSON line of figures.
    json: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        flows: 100,
        concurrency: 32,
        faults: false,
        only: None,
        cooldown_ms: 300,
        json: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut num = |name: &str| -> Result<usize, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        match a.as_str() {
            "--flows" => args.flows = num("--flows")?,
            "--concurrency" => args.concurrency = num("--concurrency")?.max(1),
            "--faults" => args.faults = true,
            "--cooldown-ms" => args.cooldown_ms = num("--cooldown-ms")? as u64,
            "--json" => args.json = true,
            "--only" => {
                args.only = Some(match it.next().as_deref() {
                    Some("returning") => Kind::Returning,
                    Some("new") => Kind::New,
                    Some("link") => Kind::Link,
                    Some("factor-first") => Kind::FactorFirst,
                    other => {
                        return Err(format!(
                            "--only needs returning, new, link or factor-first, not {other:?}"
                        ));
                    }
                })
            }
            "-h" | "--help" => {
                return Err(
                    "usage: ratio-load [--flows N] [--concurrency N] [--faults] \
                    [--only returning|new|link|factor-first] [--cooldown-ms N] [--json]"
                        .into(),
                );
            }
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(args)
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b)
}

fn key_of(label: &str) -> Result<SigningKey, String> {
    SigningKey::from_bytes(&keccak256(label.as_bytes()).into()).map_err(|e| e.to_string())
}

fn address(key: &SigningKey) -> Address {
    Address::from_verifying_key(key.verifying_key())
}

#[derive(Default)]
struct Stats {
    per_endpoint: HashMap<String, Vec<Duration>>,
    real_500s: Vec<String>,
    injected: usize,
}

struct Env {
    http: reqwest::Client,
    base: String,
    stats: Mutex<Stats>,
}

impl Env {
    async fn sandbox_post(&self, path: &str, body: Value) -> Result<Value, String> {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        if status >= 300 {
            return Err(format!("{path}: {status} {body}"));
        }
        Ok(body)
    }

    async fn sandbox_get(&self, path: &str) -> Result<Value, String> {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        r.json().await.map_err(|e| e.to_string())
    }

    async fn latest_otp(&self, to: &str) -> String {
        let encoded = to.replace('+', "%2B").replace('@', "%40");
        let body = self
            .sandbox_get(&format!("/sandbox/outbox?to={encoded}"))
            .await
            .unwrap_or(Value::Null);
        body[0]["otp"].as_str().unwrap_or("000000").to_owned()
    }

    /// One random fault on a random endpoint: 5xx, a lost answer after the handler ran, a delay,
    /// a dropped connection, a 429 storm.
    async fn inject(&self) {
        let path = ENDPOINTS[(random_u64() % ENDPOINTS.len() as u64) as usize];
        let spec = match random_u64() % 6 {
            0 => json!({"path": path, "status": 503, "message": INJECTED}),
            // The call takes effect, its answer is lost: the engine must not repeat it blindly.
            4 => json!({"path": path, "status": 502, "afterHandler": true, "message": INJECTED}),
            1 => json!({"path": path, "status": 500, "message": INJECTED}),
            2 => json!({"path": path, "status": 200, "delayMs": 50 + random_u64() % 400}),
            3 => json!({"path": path, "status": 503, "dropConnection": true}),
            _ => {
                json!({"path": path, "status": 429, "count": 3, "retryAfterSeconds": 1, "message": INJECTED})
            }
        };
        let _ = self.sandbox_post("/sandbox/faults", spec).await;
    }

    /// Runs one flow to its end; the only place that matches on the engine's actions.
    async fn drive(
        &self,
        start: Start,
        key: &SigningKey,
        phone: &str,
        email: &str,
    ) -> Result<FlowPath, String> {
        let config = FlowConfig::new(ClientContext::new(Credentials::ClientSecret {
            client_id: "sandbox".into(),
            client_secret: Secret::new("sandbox-secret"),
        }));
        let mut flow = Flow::new(config, start, random_u64(), unix_ms());
        for _ in 0..500 {
            match flow.next_action() {
                Action::Http(request) => {
                    let mut builder = self.http.post(format!("{}{}", self.base, request.path));
                    for (name, value) in &request.headers {
                        builder = builder.header(name.as_str(), value.as_str());
                    }
                    if let Some(body) = &request.body {
                        builder = builder.body(body.clone());
                    }
                    let sent = Instant::now();
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
                                    self.record(
                                        request.path.as_str(),
                                        sent.elapsed(),
                                        status,
                                        &text,
                                    );
                                    Ok(HttpResponse::from_parts(status, headers, text))
                                }
                                Err(e) => Err(TransportError::Network(e.to_string())),
                            }
                        }
                        Err(e) if e.is_timeout() => Err(TransportError::Timeout),
                        Err(e) => Err(TransportError::Network(e.to_string())),
                    };
                    flow.on_http(unix_ms(), outcome);
                }
                Action::Sign { message, .. } => {
                    flow.on_signature(unix_ms(), Ok(sign_personal(key, message.as_bytes())));
                }
                // The soak's wallets are keys: no contract code.
                Action::GetCode { .. } => flow.on_code(unix_ms(), Ok(false)),
                Action::Ask(prompt) => {
                    let answer = match &prompt {
                        Prompt::PhoneNumber { .. } => Answer::text(phone.to_owned()),
                        Prompt::Email { .. } => Answer::text(email.to_owned()),
                        Prompt::ConfirmLink { .. } => Answer::Confirm(true),
                        Prompt::Otp { channel, .. } => Answer::text(
                            self.latest_otp(match channel {
                                Channel::Sms => phone,
                                Channel::Email => email,
                            })
                            .await,
                        ),
                    };
                    flow.on_answer(unix_ms(), answer);
                }
                Action::Wait { until_ms } => {
                    let now = unix_ms();
                    tokio::time::sleep(Duration::from_millis(until_ms.saturating_sub(now))).await;
                    flow.on_timer(unix_ms());
                }
                Action::Done(outcome) => return Ok(outcome.path),
                Action::Fail(error) => return Err(format!("{error:?}")),
            }
        }
        Err("no end in 500 actions".into())
    }

    fn record(&self, path: &str, took: Duration, status: u16, text: &str) {
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        stats
            .per_endpoint
            .entry(path.to_owned())
            .or_default()
            .push(took);
        if text.contains(INJECTED) {
            stats.injected += 1;
        } else if status == 500 {
            stats.real_500s.push(format!("{path}: {text}"));
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// What one flow must leave behind: (user id, the wallets it must hold) or "on no user".
struct Expect {
    kind: Kind,
    wallet: Address,
    user: Option<(String, Vec<Address>)>,
    path: Result<FlowPath, String>,
    took: Duration,
}

async fn one_flow(
    env: Arc<Env>,
    n: usize,
    faults: bool,
    only: Option<Kind>,
) -> Result<Expect, String> {
    let kind = only.unwrap_or([Kind::Returning, Kind::New, Kind::Link, Kind::FactorFirst][n % 4]);
    let key = key_of(&format!("load wallet {n} {}", random_u64()))?;
    let wallet = address(&key);
    let phone = format!("+1415{:07}", 2_000_000 + n);
    let email = format!("load{n}@example.com");
    let user = match kind {
        Kind::New => None,
        Kind::Returning => Some(vec![wallet]),
        Kind::Link => Some(vec![address(&key_of(&format!("old {n}"))?)]),
        Kind::FactorFirst => Some(vec![]),
    };
    let user = match user {
        None => None,
        Some(wallets) => {
            let ws: Vec<Value> = wallets
                .iter()
                .map(|w| json!({"address": w.to_checksum()}))
                .collect();
            let created = env
                .sandbox_post(
                    "/sandbox/users",
                    json!({"phoneNumber": phone, "emailAddress": email, "wallets": ws}),
                )
                .await?;
            let id = created["id"].as_str().ok_or("no id")?.to_owned();
            let mut expected = wallets;
            if kind != Kind::Returning {
                expected.push(wallet);
            }
            Some((id, expected))
        }
    };
    if faults {
        env.inject().await;
    }
    let first_factor = if kind == Kind::FactorFirst {
        FirstFactor::Sms
    } else {
        FirstFactor::Wallet
    };
    let began = Instant::now();
    let path = env
        .drive(
            Start {
                wallet,
                first_factor,
            },
            &key,
            &phone,
            &email,
        )
        .await;
    Ok(Expect {
        kind,
        wallet,
        user,
        path,
        took: began.elapsed(),
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) if e.starts_with("usage:") => {
            println!("{e}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("ratio-load: {e}");
            return ExitCode::from(2);
        }
    };
    let sandbox = match ratio_sandbox::Sandbox::start(ratio_sandbox::Config {
        conflict_cooldown: Duration::from_millis(args.cooldown_ms),
        ..ratio_sandbox::Config::default()
    })
    .await
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ratio-load: {e}");
            return ExitCode::FAILURE;
        }
    };
    let env = Arc::new(Env {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default(),
        base: sandbox.url(),
        stats: Mutex::new(Stats::default()),
    });
    let began = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(args.concurrency));
    let mut tasks = Vec::new();
    for n in 0..args.flows {
        let (env, gate) = (env.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let _slot = gate.acquire_owned().await;
            one_flow(env, n, args.faults, args.only).await
        }));
    }
    let mut results = Vec::new();
    let mut problems = Vec::new();
    for t in tasks {
        match t.await {
            Ok(Ok(e)) => results.push(e),
            Ok(Err(e)) => problems.push(format!("setup: {e}")),
            Err(e) => problems.push(format!("task: {e}")),
        }
    }
    let elapsed = began.elapsed();
    // Let the sandbox settle (flows that failed may leave nothing behind) and check every user.
    let mut wallet_users: HashMap<Address, Vec<String>> = HashMap::new();
    let mut user_wallets: HashMap<String, Vec<Address>> = HashMap::new();
    for e in &results {
        if let Some((id, _)) = &e.user {
            let body = env
                .sandbox_get(&format!("/sandbox/users/{id}"))
                .await
                .unwrap_or(Value::Null);
            let ws: Vec<Address> = body["wallets"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|w| w["address"].as_str().and_then(|s| Address::parse(s).ok()))
                        .collect()
                })
                .unwrap_or_default();
            for w in &ws {
                wallet_users.entry(*w).or_default().push(id.clone());
            }
            user_wallets.insert(id.clone(), ws);
        }
    }
    let mut ok_flows = 0;
    let mut failed = HashMap::<String, usize>::new();
    for e in &results {
        let owners = wallet_users.get(&e.wallet).cloned().unwrap_or_default();
        match (&e.user, &e.path) {
            (Some((id, expected)), Ok(_)) => {
                let has = user_wallets.get(id).cloned().unwrap_or_default();
                if expected.iter().any(|w| !has.contains(w)) {
                    problems.push(format!("{:?} flow: user {id} lacks a wallet", e.kind));
                }
                ok_flows += 1;
            }
            (None, Ok(path)) => {
                if *path != FlowPath::New {
                    problems.push(format!("new-user flow ended on path {path:?}"));
                }
                ok_flows += 1;
            }
            (_, Err(why)) => *failed.entry(why.chars().take(80).collect()).or_default() += 1,
        }
        let right = e.user.as_ref().map(|(id, _)| id.clone());
        if owners.iter().any(|o| Some(o) != right.as_ref()) || owners.len() > 1 {
            problems.push(format!(
                "wallet {} is on a wrong user: {owners:?}",
                e.wallet
            ));
        }
    }
    let mut flow_times: Vec<Duration> = results.iter().map(|e| e.took).collect();
    flow_times.sort();
    println!(
        "{} flows ({} complete, {} failed under faults) in {:.1} s: {:.1} flows/s; per flow p50 {:?} p99 {:?}",
        args.flows,
        ok_flows,
        results.len() - ok_flows,
        elapsed.as_secs_f64(),
        args.flows as f64 / elapsed.as_secs_f64(),
        percentile(&flow_times, 0.5),
        percentile(&flow_times, 0.99)
    );
    if args.json {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{}",
            json!({
                "flows": args.flows,
                "complete": ok_flows,
                "concurrency": args.concurrency,
                "seconds": elapsed.as_secs_f64(),
                "flowsPerSecond": args.flows as f64 / elapsed.as_secs_f64(),
                "p50Ms": ms(percentile(&flow_times, 0.5)),
                "p99Ms": ms(percentile(&flow_times, 0.99)),
                "maxMs": ms(flow_times.last().copied().unwrap_or_default()),
            })
        );
    }
    let stats = std::mem::take(&mut *env.stats.lock().unwrap_or_else(|p| p.into_inner()));
    let mut endpoints: Vec<_> = stats.per_endpoint.iter().collect();
    endpoints.sort_by(|a, b| a.0.cmp(b.0));
    for (path, times) in endpoints {
        let mut t = times.clone();
        t.sort();
        println!(
            "  {path:40} {:6} calls  p50 {:?}  p99 {:?}",
            t.len(),
            percentile(&t, 0.5),
            percentile(&t, 0.99)
        );
    }
    println!(
        "injected error answers seen: {}; real 500s: {}",
        stats.injected,
        stats.real_500s.len()
    );
    for (why, n) in &failed {
        println!("  failed x{n}: {why}");
    }
    problems.extend(stats.real_500s.iter().map(|s| format!("a real 500: {s}")));
    if !args.faults && ok_flows != args.flows {
        problems.push("without faults every flow must complete".into());
    }
    sandbox.shutdown().await;
    if problems.is_empty() {
        println!(
            "ok: every wallet on the right user, none on a wrong one, no 500 of the sandbox's own"
        );
        ExitCode::SUCCESS
    } else {
        for p in &problems {
            eprintln!("PROBLEM: {p}");
        }
        ExitCode::FAILURE
    }
}
