//! Helpers for the rule tests: an in-process sandbox, a thin HTTP client that keeps status,
//! headers and body, real k256 wallets, and checks of the Ratio error shape.

#![allow(dead_code)]

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use k256::ecdsa::SigningKey;
use ratio_auth::eip191::{Address, keccak256, sign_personal};
use ratio_sandbox::{Config, Sandbox};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

pub const SMS_SEND: &str = "/v1/auth/otp/sms:send";
pub const SMS_AUTH: &str = "/v1/auth/otp/sms:authenticate";
pub const EMAIL_SEND: &str = "/v1/auth/otp/email:send";
pub const EMAIL_AUTH: &str = "/v1/auth/otp/email:authenticate";
pub const WALLET_START: &str = "/v1/auth/cryptoWallet:start";
pub const WALLET_AUTH: &str = "/v1/auth/cryptoWallet:authenticate";
pub const ADD_TO_USER: &str = "/v1/auth/cryptoWallet:addToUser";

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    pub fn jwt(&self) -> String {
        match self.body["sessionJwt"].as_str() {
            Some(jwt) => jwt.to_string(),
            None => panic!("no sessionJwt in {} {}", self.status, self.text),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    #[track_caller]
    pub fn ok(&self) -> &Self {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text);
        self
    }

    /// Asserts status and code, and that the body is the Ratio error shape.
    #[track_caller]
    pub fn error(&self, status: u16, code: &str) -> &Self {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(self.code(), code, "{}", self.text);
        assert_error_shape(self);
        self
    }
}

/// `{createTime: RFC 3339, message: non-empty, code: non-empty}` as `application/json`.
#[track_caller]
pub fn assert_error_shape(reply: &Reply) {
    let ct = reply.header("content-type").unwrap_or_default();
    assert!(
        ct.starts_with("application/json"),
        "content-type {ct:?} of {}",
        reply.text
    );
    let obj = reply
        .body
        .as_object()
        .unwrap_or_else(|| panic!("error body is not an object: {}", reply.text));
    let create_time = obj
        .get("createTime")
        .and_then(Value::as_str)
        .expect("createTime string");
    assert!(
        humantime::parse_rfc3339(create_time).is_ok(),
        "createTime {create_time:?} is not RFC 3339"
    );
    assert!(
        obj.get("message")
            .and_then(Value::as_str)
            .is_some_and(|m| !m.is_empty()),
        "{}",
        reply.text
    );
    assert!(
        obj.get("code")
            .and_then(Value::as_str)
            .is_some_and(|c| !c.is_empty()),
        "{}",
        reply.text
    );
    for key in obj.keys() {
        assert!(
            ["createTime", "message", "code", "data"].contains(&key.as_str()),
            "unexpected key {key}"
        );
    }
}

pub struct Wallet {
    pub key: SigningKey,
    pub address: Address,
}

impl Wallet {
    /// A deterministic key per label.
    pub fn new(label: &str) -> Wallet {
        let key = SigningKey::from_bytes(&keccak256(label.as_bytes()).into())
            .expect("a hash is a valid scalar");
        let address = Address::from_verifying_key(key.verifying_key());
        Wallet { key, address }
    }

    pub fn checksum(&self) -> String {
        self.address.to_checksum()
    }

    pub fn sign(&self, message: &str) -> String {
        sign_personal(&self.key, message.as_bytes())
    }
}

pub fn phone(n: u32) -> String {
    format!("+1415555{n:04}")
}

pub struct T {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    pub base: String,
}

/// A sandbox with a 300 ms conflict window, so tests that wait it out stay fast.
pub async fn start() -> T {
    start_with(Config {
        conflict_cooldown: Duration::from_millis(300),
        ..Config::default()
    })
    .await
}

pub async fn start_with(config: Config) -> T {
    let sandbox = Sandbox::start(config).await.expect("sandbox starts");
    let base = sandbox.url();
    T {
        sandbox,
        http: reqwest::Client::new(),
        base,
    }
}

pub async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        text,
        body,
    }
}

impl T {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request with the default client credentials.
    pub fn with_creds(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        builder
            .header("ratio-client-id", "sandbox")
            .header("ratio-client-secret", "sandbox-secret")
    }

    pub async fn post(&self, path: &str, body: Value, bearer: Option<&str>) -> Reply {
        let mut request = self.with_creds(self.http.post(self.url(path))).json(&body);
        if let Some(jwt) = bearer {
            request = request.bearer_auth(jwt);
        }
        reply(request.send().await.expect("request reaches the sandbox")).await
    }

    pub async fn get(&self, path: &str, bearer: Option<&str>) -> Reply {
        let mut request = self.with_creds(self.http.get(self.url(path)));
        if let Some(jwt) = bearer {
            request = request.bearer_auth(jwt);
        }
        reply(request.send().await.expect("request reaches the sandbox")).await
    }

    /// Sandbox-only call, no credentials.
    pub async fn sandbox_post(&self, path: &str, body: Value) -> Reply {
        reply(
            self.http
                .post(self.url(path))
                .json(&body)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    pub async fn sandbox_get(&self, path: &str) -> Reply {
        reply(self.http.get(self.url(path)).send().await.expect("request")).await
    }

    pub async fn create_user(&self, phone: &str, email: &str, wallet: Option<&Wallet>) -> String {
        let mut body = json!({"phoneNumber": phone, "emailAddress": email});
        if let Some(w) = wallet {
            body["walletAddress"] = json!(w.checksum());
        }
        let r = self.sandbox_post("/sandbox/users", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["id"].as_str().expect("id").to_string()
    }

    pub async fn sandbox_user(&self, id: &str) -> Value {
        let r = self.sandbox_get(&format!("/sandbox/users/{id}")).await;
        r.ok();
        r.body
    }

    /// (address, verified) of a user's wallets.
    pub async fn wallets_of(&self, id: &str) -> Vec<(String, bool)> {
        let user = self.sandbox_user(id).await;
        user["wallets"]
            .as_array()
            .expect("wallets")
            .iter()
            .map(|w| {
                (
                    w["address"].as_str().expect("address").to_string(),
                    w["verified"] == json!(true),
                )
            })
            .collect()
    }

    /// Every OTP sent to `to`, newest first.
    pub async fn outbox(&self, to: &str) -> Vec<String> {
        let encoded = to.replace('+', "%2B").replace('@', "%40");
        let r = self
            .sandbox_get(&format!("/sandbox/outbox?to={encoded}"))
            .await;
        r.ok();
        r.body
            .as_array()
            .expect("a list")
            .iter()
            .map(|m| m["otp"].as_str().expect("otp").to_string())
            .collect()
    }

    pub async fn latest_otp(&self, to: &str) -> String {
        self.outbox(to)
            .await
            .into_iter()
            .next()
            .expect("an OTP in the outbox")
    }

    pub async fn challenge(&self, wallet: &Wallet, bearer: Option<&str>) -> String {
        let r = self
            .post(
                WALLET_START,
                json!({"walletAddress": wallet.checksum(), "walletType": "EVM"}),
                bearer,
            )
            .await;
        r.ok();
        r.body["challenge"].as_str().expect("challenge").to_string()
    }

    pub async fn wallet_authenticate(
        &self,
        wallet: &Wallet,
        signature: &str,
        bearer: Option<&str>,
    ) -> Reply {
        self.post(
            WALLET_AUTH,
            json!({"walletAddress": wallet.checksum(), "walletType": "EVM", "signature": signature}),
            bearer,
        )
        .await
    }

    /// start → sign → authenticate; returns the authenticate reply (not asserted).
    pub async fn wallet_login(&self, wallet: &Wallet, bearer: Option<&str>) -> Reply {
        let challenge = self.challenge(wallet, bearer).await;
        self.wallet_authenticate(wallet, &wallet.sign(&challenge), bearer)
            .await
    }

    /// sms:send (asserted 200) → sms:authenticate with the outbox code (not asserted).
    pub async fn sms_login(&self, phone: &str, bearer: Option<&str>) -> Reply {
        let sent = self
            .post(SMS_SEND, json!({"phoneNumber": phone}), bearer)
            .await;
        sent.ok();
        let otp = self.latest_otp(phone).await;
        self.post(
            SMS_AUTH,
            json!({"phoneId": sent.body["phoneId"], "otp": otp}),
            bearer,
        )
        .await
    }

    pub async fn email_login(&self, email: &str, bearer: Option<&str>) -> Reply {
        let sent = self
            .post(EMAIL_SEND, json!({"emailAddress": email}), bearer)
            .await;
        sent.ok();
        let otp = self.latest_otp(email).await;
        self.post(
            EMAIL_AUTH,
            json!({"emailId": sent.body["emailId"], "otp": otp}),
            bearer,
        )
        .await
    }

    /// A two-factor (SMS then email) JWT of an existing user.
    pub async fn two_factor_of(&self, phone: &str, email: &str) -> String {
        let one = self.sms_login(phone, None).await;
        one.ok();
        let two = self.email_login(email, Some(&one.jwt())).await;
        two.ok();
        two.jwt()
    }

    pub fn advance(&self, by: Duration) {
        self.sandbox.clock().advance(by);
    }
}

/// The decoded JWT header and payload (no verification).
pub fn jwt_parts(jwt: &str) -> (Value, Value) {
    let mut parts = jwt.split('.');
    let mut decode = |what: &str| -> Value {
        let part = parts.next().unwrap_or_else(|| panic!("JWT without {what}"));
        let bytes = URL_SAFE_NO_PAD.decode(part).expect("base64url");
        serde_json::from_slice(&bytes).expect("JSON")
    };
    let header = decode("header");
    let payload = decode("payload");
    (header, payload)
}

pub fn claims(jwt: &str) -> Value {
    jwt_parts(jwt).1
}

pub fn session_claim(jwt: &str) -> Value {
    claims(jwt)["https://stytch.com/session"].clone()
}

/// `delivery_method` of each factor, in token order.
pub fn factor_methods(jwt: &str) -> Vec<String> {
    session_claim(jwt)["authentication_factors"]
        .as_array()
        .expect("factors")
        .iter()
        .map(|f| {
            f["delivery_method"]
                .as_str()
                .expect("delivery_method")
                .to_string()
        })
        .collect()
}

pub fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("JSON"))
}
