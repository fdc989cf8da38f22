//! The four flows of the contract, end to end over real HTTP against an in-process sandbox,
//! with real k256 keys signing real EIP-191 signatures, and the link path 200 times at once.
//!
//! The client here is deliberately naive (plain reqwest calls in the order the guide gives) so
//! that it checks the server's rules, not the SDK's engine.

use std::time::Duration;

use k256::ecdsa::SigningKey;
use ratio_auth::eip191::{Address, keccak256, sign_personal};
use ratio_auth::jwt::{FactorKind, read_claims};
use ratio_sandbox::{Config, Sandbox};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Client {
    http: reqwest::Client,
    base: String,
}

struct Reply {
    status: StatusCode,
    retry_after: Option<u64>,
    body: Value,
}

impl Reply {
    fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
    fn jwt(&self) -> String {
        self.body["sessionJwt"]
            .as_str()
            .expect("sessionJwt in body")
            .to_owned()
    }
}

impl Client {
    fn new(sandbox: &Sandbox, http: reqwest::Client) -> Self {
        Client {
            http,
            base: sandbox.url(),
        }
    }

    async fn post(&self, path: &str, body: Value, bearer: Option<&str>) -> Reply {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("ratio-client-id", "sandbox")
            .header("ratio-client-secret", "sandbox-secret")
            .json(&body);
        if let Some(jwt) = bearer {
            request = request.bearer_auth(jwt);
        }
        let response = request.send().await.expect("request reaches the sandbox");
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let text = response.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("JSON body")
        };
        Reply {
            status,
            retry_after,
            body,
        }
    }

    async fn get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.json().await.expect("JSON")
    }

    async fn create_user(&self, phone: &str, email: &str, wallet: Option<Address>) -> String {
        let mut body = json!({"phoneNumber": phone, "emailAddress": email});
        if let Some(w) = wallet {
            body["walletAddress"] = json!(w.to_checksum());
        }
        let reply = self.post("/sandbox/users", body, None).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["id"].as_str().expect("id").to_owned()
    }

    /// The newest OTP the sandbox sent to `to`.
    async fn otp_for(&self, to: &str) -> String {
        let encoded: String = to.replace('+', "%2B").replace('@', "%40");
        let outbox = self.get(&format!("/sandbox/outbox?to={encoded}")).await;
        outbox[0]["otp"]
            .as_str()
            .expect("an OTP in the outbox")
            .to_owned()
    }

    /// Wallet start → personal_sign → authenticate (with `bearer` when given).
    async fn wallet_sign_in(&self, key: &SigningKey, bearer: Option<&str>) -> Reply {
        let address = address_of(key).to_checksum();
        let start = self
            .post(
                "/v1/auth/cryptoWallet:start",
                json!({"walletAddress": address, "walletType": "EVM"}),
                bearer,
            )
            .await;
        assert_eq!(start.status, StatusCode::OK, "{}", start.body);
        let challenge = start.body["challenge"].as_str().expect("challenge");
        assert!(
            challenge.starts_with("Signing in with Ratio: "),
            "{challenge}"
        );
        let signature = sign_personal(key, challenge.as_bytes());
        self.post(
            "/v1/auth/cryptoWallet:authenticate",
            json!({"walletAddress": address, "walletType": "EVM", "signature": signature}),
            bearer,
        )
        .await
    }

    /// `*:send` then `*:authenticate` with the code from the outbox, both with `bearer`.
    async fn otp_sign_in(&self, channel: Channel, to: &str, bearer: Option<&str>) -> Reply {
        let sent = self
            .post(
                channel.send_path(),
                json!({ channel.dest_field(): to }),
                bearer,
            )
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        self.otp_authenticate(channel, &sent, to, bearer).await
    }

    async fn otp_authenticate(
        &self,
        channel: Channel,
        sent: &Reply,
        to: &str,
        bearer: Option<&str>,
    ) -> Reply {
        let id = sent.body[channel.id_field()]
            .as_str()
            .expect("destination id")
            .to_owned();
        let otp = self.otp_for(to).await;
        self.post(
            channel.auth_path(),
            json!({ channel.id_field(): id, "otp": otp }),
            bearer,
        )
        .await
    }

    async fn wallets_of(&self, user: &str) -> Vec<(Address, bool)> {
        let view = self.get(&format!("/sandbox/users/{user}")).await;
        view["wallets"]
            .as_array()
            .expect("wallets")
            .iter()
            .map(|w| {
                (
                    Address::parse(w["address"].as_str().expect("address")).expect("address"),
                    w["verified"] == true,
                )
            })
            .collect()
    }
}

#[derive(Clone, Copy)]
enum Channel {
    Sms,
    Email,
}

impl Channel {
    fn send_path(self) -> &'static str {
        match self {
            Channel::Sms => "/v1/auth/otp/sms:send",
            Channel::Email => "/v1/auth/otp/email:send",
        }
    }
    fn auth_path(self) -> &'static str {
        match self {
            Channel::Sms => "/v1/auth/otp/sms:authenticate",
            Channel::Email => "/v1/auth/otp/email:authenticate",
        }
    }
    fn dest_field(self) -> &'static str {
        match self {
            Channel::Sms => "phoneNumber",
            Channel::Email => "emailAddress",
        }
    }
    fn id_field(self) -> &'static str {
        match self {
            Channel::Sms => "phoneId",
            Channel::Email => "emailId",
        }
    }
}

fn key(label: &str) -> SigningKey {
    SigningKey::from_bytes(&keccak256(label.as_bytes()).into()).expect("a hash is a valid scalar")
}

fn address_of(key: &SigningKey) -> Address {
    Address::from_verifying_key(key.verifying_key())
}

fn phone(n: u32) -> String {
    format!("+1415555{n:04}")
}

fn factor_kinds(jwt: &str) -> Vec<FactorKind> {
    let mut kinds: Vec<_> = read_claims(jwt)
        .expect("a readable JWT")
        .factors
        .iter()
        .map(|f| f.kind)
        .collect();
    kinds.sort_by_key(|k| k.as_str());
    kinds
}

async fn start() -> Sandbox {
    Sandbox::start(Config::default())
        .await
        .expect("sandbox starts")
}

#[tokio::test]
async fn returning_user_wallet_then_sms() {
    let sandbox = start().await;
    let c = Client::new(&sandbox, reqwest::Client::new());
    let wallet = key("returning");
    let user = c
        .create_user(&phone(1), "ret@example.com", Some(address_of(&wallet)))
        .await;

    let signed = c.wallet_sign_in(&wallet, None).await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    assert_eq!(signed.body["userMask"]["id"], json!(user));
    assert_eq!(signed.body["userMask"]["phoneMask"], json!("0001"));
    let jwt_w = signed.jwt();
    assert_eq!(factor_kinds(&jwt_w), [FactorKind::Wallet]);

    let two = c.otp_sign_in(Channel::Sms, &phone(1), Some(&jwt_w)).await;
    assert_eq!(two.status, StatusCode::OK, "{}", two.body);
    assert_eq!(two.body["userMask"]["id"], json!(user));
    assert_eq!(
        factor_kinds(&two.jwt()),
        [FactorKind::Sms, FactorKind::Wallet]
    );
    // Same session: the second factor was added to the wallet's session, not a new one.
    assert_eq!(
        read_claims(&two.jwt()).unwrap().session_id,
        read_claims(&jwt_w).unwrap().session_id
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn new_user_wallet_then_sms_then_create() {
    let sandbox = start().await;
    let c = Client::new(&sandbox, reqwest::Client::new());
    let wallet = key("brand-new");

    let signed = c.wallet_sign_in(&wallet, None).await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    assert!(
        signed.body.get("userMask").is_none_or(Value::is_null),
        "new user has no userMask: {}",
        signed.body
    );

    let two = c
        .otp_sign_in(Channel::Sms, &phone(2), Some(&signed.jwt()))
        .await;
    assert_eq!(two.status, StatusCode::OK, "{}", two.body);
    assert_eq!(
        factor_kinds(&two.jwt()),
        [FactorKind::Sms, FactorKind::Wallet]
    );

    let created = c
        .post(
            "/v1/users",
            json!({"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com", "country": "US",
                   "phone": phone(2), "acceptedTerms": true}),
            Some(&two.jwt()),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let user = created.body["id"].as_str().expect("user id").to_owned();
    assert_eq!(c.wallets_of(&user).await, [(address_of(&wallet), true)]);

    // The next sign-in with that wallet is a returning user's.
    let again = c.wallet_sign_in(&wallet, None).await;
    assert_eq!(again.body["userMask"]["id"], json!(user));
    sandbox.shutdown().await;
}

/// The guide's steps 1–8, returning the user id and the new wallet.
async fn link_path(c: &Client, n: u32) -> (String, Address) {
    let old_wallet = key(&format!("old-{n}"));
    let new_wallet = key(&format!("new-{n}"));
    let (tel, email) = (phone(n), format!("user{n}@example.com"));
    let user = c
        .create_user(&tel, &email, Some(address_of(&old_wallet)))
        .await;

    // 1. The new wallet signs in: Ratio sees a brand-new user.
    let signed = c.wallet_sign_in(&new_wallet, None).await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    assert!(signed.body.get("userMask").is_none_or(Value::is_null));
    let jwt_w = signed.jwt();

    // 2–3. The phone belongs to another user: 409.
    let conflict = c
        .post(
            "/v1/auth/otp/sms:send",
            json!({"phoneNumber": tel}),
            Some(&jwt_w),
        )
        .await;
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.body);
    assert_eq!(conflict.code(), "ALREADY_EXISTS_PHONE");

    // 4. SMS as a first factor, no JWT: a 429 right after the 409, then a send after Retry-After.
    let limited = c
        .post("/v1/auth/otp/sms:send", json!({"phoneNumber": tel}), None)
        .await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    assert_eq!(limited.code(), "TOO_MANY_REQUESTS");
    let wait = limited.retry_after.expect("Retry-After on a 429");
    assert!((1..=5).contains(&wait), "Retry-After {wait}");
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let sent = c
        .post("/v1/auth/otp/sms:send", json!({"phoneNumber": tel}), None)
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert_eq!(sent.body["phoneMask"], json!(tel[tel.len() - 4..]));

    // 5. SMS authenticate without JWT: a one-factor session of the existing user.
    let jwt_a = c.otp_authenticate(Channel::Sms, &sent, &tel, None).await;
    assert_eq!(jwt_a.status, StatusCode::OK, "{}", jwt_a.body);
    assert_eq!(jwt_a.body["userMask"]["id"], json!(user));
    let jwt_a = jwt_a.jwt();
    assert_eq!(factor_kinds(&jwt_a), [FactorKind::Sms]);

    // A one-factor session may not add a wallet.
    let early = c
        .post(
            "/v1/auth/cryptoWallet:addToUser",
            json!({"walletAddress": address_of(&new_wallet).to_checksum(), "walletType": "EVM"}),
            Some(&jwt_a),
        )
        .await;
    assert_eq!(
        (early.status, early.code()),
        (StatusCode::FORBIDDEN, "MFA_REQUIRED")
    );

    // 6–7. Email with JWT-A: a two-factor session.
    let jwt_b = c.otp_sign_in(Channel::Email, &email, Some(&jwt_a)).await;
    assert_eq!(jwt_b.status, StatusCode::OK, "{}", jwt_b.body);
    let jwt_b = jwt_b.jwt();
    assert_eq!(factor_kinds(&jwt_b), [FactorKind::Email, FactorKind::Sms]);

    // 8. Attach the wallet that signed in step 1.
    let added = c
        .post(
            "/v1/auth/cryptoWallet:addToUser",
            json!({"walletAddress": address_of(&new_wallet).to_checksum(), "walletType": "EVM"}),
            Some(&jwt_b),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    (user, address_of(&new_wallet))
}

#[tokio::test]
async fn new_wallet_for_existing_user_links_it_unverified_then_verifies_on_sign_in() {
    let sandbox = start().await;
    let c = Client::new(&sandbox, reqwest::Client::new());
    let (user, new_wallet) = link_path(&c, 3).await;
    let old_wallet = address_of(&key("old-3"));

    let mut wallets = c.wallets_of(&user).await;
    wallets.sort();
    let mut expected = vec![(old_wallet, true), (new_wallet, false)];
    expected.sort();
    assert_eq!(
        wallets, expected,
        "attached, and unverified until it signs in"
    );

    // Signing in with the new wallet now finds the user and verifies the wallet.
    let again = c.wallet_sign_in(&key("new-3"), None).await;
    assert_eq!(again.body["userMask"]["id"], json!(user));
    assert!(c.wallets_of(&user).await.contains(&(new_wallet, true)));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn existing_factor_first_links_the_wallet() {
    let sandbox = start().await;
    let c = Client::new(&sandbox, reqwest::Client::new());
    for (n, channel) in [(4, Channel::Sms), (5, Channel::Email)] {
        let (tel, email) = (phone(n), format!("first{n}@example.com"));
        let user = c.create_user(&tel, &email, None).await;
        let to = match channel {
            Channel::Sms => tel.clone(),
            Channel::Email => email.clone(),
        };
        let first = c.otp_sign_in(channel, &to, None).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.body);
        assert_eq!(first.body["userMask"]["id"], json!(user));

        let wallet = key(&format!("factor-first-{n}"));
        let signed = c.wallet_sign_in(&wallet, Some(&first.jwt())).await;
        assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
        assert_eq!(signed.body["userMask"]["id"], json!(user));
        assert_eq!(factor_kinds(&signed.jwt()).len(), 2);
        assert_eq!(c.wallets_of(&user).await, [(address_of(&wallet), true)]);
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_link_paths_at_once() {
    const FLOWS: u32 = 200;
    let sandbox = start().await;
    let http = reqwest::Client::new();
    let base = sandbox.url();
    let tasks: Vec<_> = (0..FLOWS)
        .map(|i| {
            let c = Client {
                http: http.clone(),
                base: base.clone(),
            };
            tokio::spawn(async move { link_path(&c, 1000 + i).await })
        })
        .collect();
    let mut linked = Vec::new();
    for task in tasks {
        linked.push(task.await.expect("flow task did not panic"));
    }

    // Every user holds exactly its own two wallets: nothing lost, nothing crossed.
    let c = Client::new(&sandbox, http);
    let mut users = std::collections::BTreeSet::new();
    for (i, (user, new_wallet)) in linked.iter().enumerate() {
        assert!(users.insert(user.clone()), "user ids are distinct");
        let old_wallet = address_of(&key(&format!("old-{}", 1000 + i)));
        let mut wallets = c.wallets_of(user).await;
        wallets.sort();
        let mut expected = vec![(old_wallet, true), (*new_wallet, false)];
        expected.sort();
        assert_eq!(wallets, expected, "user {user}");
    }
    assert_eq!(users.len(), FLOWS as usize);
    sandbox.shutdown().await;
}
