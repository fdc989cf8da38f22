//! Scripted runs of the engine: hand-written responses, real signatures, exact requests.

use std::fmt;

use k256::ecdsa::SigningKey;
use serde_json::{Value, json};

use super::testkit::{jwt_tagged, key_a, key_b, wallet_a, wallet_b};
use super::*;
use crate::api::Method;

const T0: u64 = 1_700_000_000_000;
const CHALLENGE: &str = "Signing in with Ratio: q9Xv-3kd_81LmZ";
const PHONE: &str = "+15555550100";
const EMAIL: &str = "ratio@example.com";
const CLIENT_SECRET: &str = "client-secret-xyz";

fn ok<T, E: fmt::Debug>(result: Result<T, E>) -> T {
    match result {
        Ok(value) => value,
        Err(e) => panic!("unexpected error: {e:?}"),
    }
}

fn config() -> FlowConfig {
    FlowConfig {
        client: ClientContext {
            credentials: Credentials::ClientSecret {
                client_id: "client-1".into(),
                client_secret: Secret::new(CLIENT_SECRET),
            },
            device_fingerprint: Some("eyJpcCI6IjEuMi4zLjQifQ==".into()),
        },
        retry: RetryPolicy {
            max_attempts: 5,
            base_delay_ms: 500,
            max_delay_ms: 30_000,
            max_total_ms: 120_000,
        },
        ..FlowConfig::default()
    }
}

/// Tokens of the scripted server.
struct Tokens {
    wallet_new: String,
    wallet_returning: String,
    wallet_sms: String,
    sms_only: String,
    sms_email: String,
    sms_email_wallet: String,
    email_only: String,
    email_wallet: String,
    sms_wallet: String,
}

fn tokens() -> Tokens {
    Tokens {
        wallet_new: jwt_tagged("w-new", "user-new", &["wallet"]),
        wallet_returning: jwt_tagged("w-ret", "user-old", &["wallet"]),
        wallet_sms: jwt_tagged("w-sms", "user-old", &["wallet", "sms"]),
        sms_only: jwt_tagged("a", "user-old", &["sms"]),
        sms_email: jwt_tagged("b", "user-old", &["sms", "email"]),
        sms_email_wallet: jwt_tagged("v", "user-old", &["sms", "email", "wallet"]),
        email_only: jwt_tagged("e", "user-old", &["email"]),
        email_wallet: jwt_tagged("ew", "user-old", &["email", "wallet"]),
        sms_wallet: jwt_tagged("sw", "user-old", &["sms", "wallet"]),
    }
}

/// Drives a [`Flow`] step by step, checking each action, and keeps every event and the `Debug`
/// text of everything the flow produced (for leak checks).
struct Harness {
    flow: Flow,
    now: u64,
    events: Vec<FlowEvent>,
    requests: Vec<HttpRequest>,
    debug: String,
}

impl Harness {
    fn new(config: FlowConfig, first_factor: FirstFactor) -> Self {
        let flow = Flow::new(
            config,
            Start {
                wallet: wallet_a(),
                first_factor,
            },
            7,
            T0,
        );
        let mut harness = Harness {
            flow,
            now: T0,
            events: Vec::new(),
            requests: Vec::new(),
            debug: String::new(),
        };
        harness.collect();
        harness
    }

    fn collect(&mut self) {
        let events = self.flow.drain_events();
        for event in &events {
            self.debug.push_str(&format!("{event:?}\n"));
            // Every event must serialise for JS.
            self.debug
                .push_str(&crate::json::ToJson::to_json(event).to_json_string());
            self.debug.push('\n');
        }
        self.events.extend(events);
        self.debug.push_str(&format!("{:?}\n", self.flow));
    }

    fn action(&mut self) -> Action {
        let action = self.flow.next_action();
        // Idempotent until an input is fed.
        assert_eq!(self.flow.next_action(), action);
        self.debug.push_str(&format!("{action:?}\n"));
        action
    }

    fn expect_http(&mut self, endpoint: Endpoint) -> HttpRequest {
        match self.action() {
            Action::Http(request) => {
                assert_eq!(request.endpoint, endpoint, "{request:?}");
                assert_eq!(request.path, endpoint.path());
                assert_eq!(request.method, Method::Post);
                let authorizations = request
                    .headers
                    .iter()
                    .filter(|(n, _)| n == "Authorization")
                    .count();
                assert!(authorizations <= 1);
                self.requests.push(request.clone());
                request
            }
            other => panic!("expected a request to {endpoint:?}, got {other:?}"),
        }
    }

    fn respond(&mut self, status: u16, body: Value) {
        self.respond_raw(HttpResponse::new(status, body.to_string()));
    }

    fn respond_raw(&mut self, response: HttpResponse) {
        self.now += 100;
        self.flow.on_http(self.now, Ok(response));
        self.collect();
    }

    fn error(&mut self, status: u16, code: &str) {
        self.respond(
            status,
            json!({"createTime": "2023-11-14T22:13:20Z", "message": "m", "code": code}),
        );
    }

    fn transport(&mut self, error: TransportError) {
        self.now += 100;
        self.flow.on_http(self.now, Err(error));
        self.collect();
    }

    fn expect_sign(&mut self) -> String {
        match self.action() {
            Action::Sign { address, message } => {
                assert_eq!(address, wallet_a());
                message
            }
            other => panic!("expected a signature request, got {other:?}"),
        }
    }

    fn sign_with(&mut self, key: &SigningKey) {
        let challenge = self.expect_sign();
        let signature = eip191::sign_personal(key, challenge.as_bytes());
        self.now += 100;
        self.flow.on_signature(self.now, Ok(signature));
        self.collect();
    }

    fn expect_get_code(&mut self) {
        match self.action() {
            Action::GetCode { address } => assert_eq!(address, wallet_a()),
            other => panic!("expected eth_getCode, got {other:?}"),
        }
    }

    fn code(&mut self, result: Result<bool, WalletError>) {
        self.now += 100;
        self.flow.on_code(self.now, result);
        self.collect();
    }

    fn expect_prompt(&mut self) -> Prompt {
        match self.action() {
            Action::Ask(prompt) => prompt,
            other => panic!("expected a prompt, got {other:?}"),
        }
    }

    fn answer(&mut self, answer: Answer) {
        self.now += 100;
        self.flow.on_answer(self.now, answer);
        self.collect();
    }

    fn expect_wait(&mut self) -> u64 {
        match self.action() {
            Action::Wait { until_ms } => until_ms,
            other => panic!("expected a wait, got {other:?}"),
        }
    }

    fn fire(&mut self, at: u64) {
        self.now = self.now.max(at);
        self.flow.on_timer(self.now);
        self.collect();
    }

    fn expect_done(&mut self) -> Outcome {
        match self.action() {
            Action::Done(outcome) => outcome,
            other => panic!("expected done, got {other:?}"),
        }
    }

    fn expect_fail(&mut self) -> FlowError {
        match self.action() {
            Action::Fail(error) => error,
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    /// start → sign → authenticate, each request carrying `bearer`.
    fn wallet_sign_in(&mut self, bearer: Option<&str>, response: Value) {
        let start = self.expect_http(Endpoint::WalletStart);
        assert_eq!(start.bearer(), bearer);
        assert_eq!(
            start.json(),
            json!({"walletAddress": wallet_a().to_checksum(), "walletType": "EVM"})
        );
        self.respond(200, json!({"challenge": CHALLENGE}));
        self.sign_with(&key_a());
        let auth = self.expect_http(Endpoint::WalletAuthenticate);
        assert_eq!(auth.bearer(), bearer);
        let body = auth.json();
        assert_eq!(body["walletAddress"], json!(wallet_a().to_checksum()));
        assert_eq!(body["walletType"], json!("EVM"));
        let signature = body["signature"].as_str().unwrap_or_default().to_owned();
        assert_eq!(signature.len(), 132);
        assert_eq!(
            ok(eip191::recover_personal(CHALLENGE.as_bytes(), &signature)),
            wallet_a()
        );
        self.respond(200, response);
    }

    /// The phone prompt, then `sms:send` carrying `bearer`; returns the prompt.
    fn give_phone(&mut self, bearer: Option<&str>) -> Prompt {
        let prompt = self.expect_prompt();
        assert!(
            matches!(prompt, Prompt::PhoneNumber { problem: None, .. }),
            "{prompt:?}"
        );
        self.answer(Answer::text("+1 (555) 555-0100"));
        let send = self.expect_http(Endpoint::SmsSend);
        assert_eq!(send.bearer(), bearer);
        assert_eq!(
            send.body.as_deref(),
            Some(r#"{"phoneNumber":"+15555550100"}"#)
        );
        prompt
    }

    fn give_email(&mut self, bearer: Option<&str>) -> Prompt {
        let prompt = self.expect_prompt();
        assert!(
            matches!(prompt, Prompt::Email { problem: None, .. }),
            "{prompt:?}"
        );
        self.answer(Answer::text(" ratio@example.com "));
        let send = self.expect_http(Endpoint::EmailSend);
        assert_eq!(send.bearer(), bearer);
        assert_eq!(
            send.body.as_deref(),
            Some(r#"{"emailAddress":"ratio@example.com"}"#)
        );
        prompt
    }

    /// The code prompt, then `*:authenticate` with `code` carrying `bearer`.
    fn give_code(&mut self, channel: Channel, code: &str, bearer: Option<&str>) -> Prompt {
        let prompt = self.expect_prompt();
        assert!(
            matches!(prompt, Prompt::Otp { channel: c, .. } if c == channel),
            "{prompt:?}"
        );
        self.answer(Answer::text(code));
        let auth = self.expect_http(channel.authenticate_endpoint());
        assert_eq!(auth.bearer(), bearer);
        let expected = match channel {
            Channel::Sms => json!({"phoneId": "phone-1", "otp": code.trim()}),
            Channel::Email => json!({"emailId": "email-1", "otp": code.trim()}),
        };
        assert_eq!(auth.json(), expected);
        prompt
    }

    fn sms_sent(&mut self) {
        self.respond(200, json!({"phoneId": "phone-1", "phoneMask": "0100"}));
    }

    fn email_sent(&mut self) {
        self.respond(
            200,
            json!({"emailId": "email-1", "emailMask": "rat…@example.com"}),
        );
    }

    fn states(&self) -> Vec<FlowState> {
        self.events
            .iter()
            .filter_map(|e| match e {
                FlowEvent::StateChanged { state, .. } => Some(*state),
                _ => None,
            })
            .collect()
    }

    fn bearers(&self) -> Vec<Option<String>> {
        self.requests
            .iter()
            .map(|r| r.bearer().map(str::to_owned))
            .collect()
    }

    /// No JWT, code or client secret in any `Debug` or serialised event or action.
    fn assert_no_leaks(&self, secrets: &[&str]) {
        for secret in secrets.iter().chain([CLIENT_SECRET].iter()) {
            assert!(!secret.is_empty());
            assert!(
                !self.debug.contains(secret),
                "leaked {secret:?} in:\n{}",
                self.debug
            );
        }
        let events = format!("{:?}", self.events);
        assert!(
            !events.contains(PHONE) && !events.contains(EMAIL),
            "{events}"
        );
    }

    fn ledger_statuses(&self) -> Vec<(Purpose, TokenStatus)> {
        self.flow
            .ledger()
            .tokens()
            .iter()
            .map(|t| (t.token.purpose, t.status))
            .collect()
    }
}

fn returning_mask() -> Value {
    json!({"id": "user-old", "createTime": "t", "updateTime": "t", "phoneMask": "0100", "emailMask": "rat…@example.com"})
}

// -------------------------------------------------------------------------------------------
// The four flows
// -------------------------------------------------------------------------------------------

#[test]
fn returning_user_signs_in_with_wallet_then_sms() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Wallet);

    let start = h.expect_http(Endpoint::WalletStart);
    assert_eq!(
        start.headers,
        vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Accept".to_owned(), "application/json".to_owned()),
            ("ratio-client-id".to_owned(), "client-1".to_owned()),
            ("ratio-client-secret".to_owned(), CLIENT_SECRET.to_owned()),
            (
                "ratio-device-fingerprint".to_owned(),
                "eyJpcCI6IjEuMi4zLjQifQ==".to_owned()
            ),
        ]
    );
    assert_eq!(
        start.body.as_deref(),
        Some(
            format!(
                r#"{{"walletAddress":"{}","walletType":"EVM"}}"#,
                wallet_a().to_checksum()
            )
            .as_str()
        )
    );
    h.respond(200, json!({"challenge": CHALLENGE}));
    h.sign_with(&key_a());
    let auth = h.expect_http(Endpoint::WalletAuthenticate);
    assert_eq!(auth.bearer(), None);
    h.respond(
        200,
        json!({"sessionJwt": t.wallet_returning, "userMask": returning_mask()}),
    );

    let phone_prompt = h.give_phone(Some(&t.wallet_returning));
    assert_eq!(
        phone_prompt,
        Prompt::PhoneNumber {
            purpose: Purpose::SecondFactor,
            phone_mask: Some("0100".into()),
            problem: None
        }
    );
    let send = h.requests.last().cloned();
    assert_eq!(
        send.map(|r| r.headers),
        Some(vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Accept".to_owned(), "application/json".to_owned()),
            ("ratio-client-id".to_owned(), "client-1".to_owned()),
            ("ratio-client-secret".to_owned(), CLIENT_SECRET.to_owned()),
            (
                "ratio-device-fingerprint".to_owned(),
                "eyJpcCI6IjEuMi4zLjQifQ==".to_owned()
            ),
            (
                "Authorization".to_owned(),
                format!("Bearer {}", t.wallet_returning)
            ),
        ])
    );
    h.sms_sent();
    let otp_prompt = h.give_code(Channel::Sms, "123456", Some(&t.wallet_returning));
    assert_eq!(
        otp_prompt,
        Prompt::Otp {
            channel: Channel::Sms,
            destination_mask: "0100".into(),
            attempt: 1,
            max_attempts: 3,
            resend_available_at: Some(h.now - 100 + 30_000),
            problem: None,
        }
    );
    h.respond(
        200,
        json!({"sessionJwt": t.wallet_sms, "userMask": returning_mask()}),
    );

    let outcome = h.expect_done();
    assert_eq!(outcome.session_jwt.expose(), t.wallet_sms);
    assert_eq!(outcome.path, FlowPath::Returning);
    assert_eq!(outcome.wallet_address, wallet_a());
    assert!(outcome.wallet_verified);
    assert_eq!(outcome.factors, vec![FactorKind::Wallet, FactorKind::Sms]);
    assert_eq!(
        outcome.user_mask.and_then(|m| m.phone_mask),
        Some("0100".into())
    );
    assert_eq!(outcome.expires_at, Some(1_700_000_300));
    assert!(h.events.contains(&FlowEvent::PathChosen {
        path: FlowPath::Returning
    }));
    assert!(h.events.contains(&FlowEvent::OtpSent {
        channel: Channel::Sms,
        destination_mask: "0100".into()
    }));
    assert!(h.events.contains(&FlowEvent::SignatureChecked {
        address: wallet_a()
    }));
    assert_eq!(
        h.states(),
        vec![
            FlowState::WalletStart,
            FlowState::WalletSign,
            FlowState::WalletAuthenticate,
            FlowState::PhonePrompt,
            FlowState::SmsSend,
            FlowState::SmsOtpPrompt,
            FlowState::SmsAuthenticate,
            FlowState::Done,
        ]
    );
    assert!(matches!(
        h.events.last(),
        Some(FlowEvent::Finished {
            path: FlowPath::Returning,
            wallet_verified: true,
            wallet_kind: WalletKind::Eoa,
        })
    ));
    h.assert_no_leaks(&[&t.wallet_returning, &t.wallet_sms, "123456"]);
}

#[test]
fn returning_user_with_only_an_email_mask_uses_email() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(
        None,
        json!({"sessionJwt": t.wallet_returning, "userMask": {"id": "user-old", "emailMask": "rat…@example.com"}}),
    );
    let prompt = h.give_email(Some(&t.wallet_returning));
    assert_eq!(
        prompt,
        Prompt::Email {
            purpose: Purpose::SecondFactor,
            email_mask: Some("rat…@example.com".into()),
            problem: None
        }
    );
    h.email_sent();
    h.give_code(Channel::Email, "654321", Some(&t.wallet_returning));
    h.respond(200, json!({"sessionJwt": t.email_wallet}));
    let outcome = h.expect_done();
    assert_eq!(outcome.path, FlowPath::Returning);
    assert_eq!(outcome.factors, vec![FactorKind::Email, FactorKind::Wallet]);
    // The wallet's mask is kept when the second factor's response has none.
    assert_eq!(
        outcome.user_mask.and_then(|m| m.email_mask),
        Some("rat…@example.com".into())
    );
}

#[test]
fn older_user_mask_with_preferred_mfa_method_uses_sms() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(None, json!({"sessionJwt": t.wallet_returning, "userMask": {"id": "u", "preferredMfaMethod": "TOTP"}}));
    let prompt = h.give_phone(Some(&t.wallet_returning));
    assert_eq!(
        prompt,
        Prompt::PhoneNumber {
            purpose: Purpose::SecondFactor,
            phone_mask: None,
            problem: None
        }
    );
    assert_eq!(h.flow.path(), Some(FlowPath::Returning));
}

#[test]
fn new_user_signs_in_with_wallet_then_sms() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(None, json!({"sessionJwt": t.wallet_new}));
    let prompt = h.give_phone(Some(&t.wallet_new));
    assert_eq!(
        prompt,
        Prompt::PhoneNumber {
            purpose: Purpose::SecondFactor,
            phone_mask: None,
            problem: None
        }
    );
    h.sms_sent();
    h.give_code(Channel::Sms, " 111222 ", Some(&t.wallet_new));
    let two_factor = jwt_tagged("new-2fa", "user-new", &["wallet", "sms"]);
    h.respond(200, json!({"sessionJwt": two_factor}));
    let outcome = h.expect_done();
    assert_eq!(outcome.path, FlowPath::New);
    assert_eq!(outcome.session_jwt.expose(), two_factor);
    assert!(outcome.wallet_verified);
    assert_eq!(outcome.user_mask, None);
    assert!(h.events.contains(&FlowEvent::PathChosen {
        path: FlowPath::New
    }));
    h.assert_no_leaks(&[&t.wallet_new, &two_factor, "111222"]);
}

/// The heart of the project: 409 → confirm → token-less SMS with 429 → 429 → 200 honouring
/// `Retry-After` → SMS code → email with JWT-A → JWT-B → `addToUser` with JWT-B.
#[test]
fn link_path_with_rate_limits() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(None, json!({"sessionJwt": t.wallet_new}));
    h.give_phone(Some(&t.wallet_new));
    h.error(409, "ALREADY_EXISTS_PHONE");

    assert!(h.events.contains(&FlowEvent::PathChosen {
        path: FlowPath::Linked
    }));
    assert!(h.events.iter().any(|e| matches!(
        e,
        FlowEvent::TokenRevoked {
            token: TokenRef {
                purpose: Purpose::WalletSignIn,
                ..
            },
            reason: RevokeReason::PhoneBelongsToAnotherUser
        }
    )));
    assert_eq!(
        h.expect_prompt(),
        Prompt::ConfirmLink {
            wallet_address: wallet_a(),
            phone_mask: Some("0100".into())
        }
    );
    h.answer(Answer::Confirm(true));

    // First-factor SMS: no JWT at all, rate limited twice.
    let send = h.expect_http(Endpoint::SmsSend);
    assert_eq!(send.bearer(), None);
    assert_eq!(send.json(), json!({"phoneNumber": PHONE}));
    let received_at = h.now + 100;
    h.respond_raw(
        HttpResponse::new(429, r#"{"code":"TOO_MANY_REQUESTS","message":"slow down"}"#)
            .with_retry_after("2"),
    );
    let until = h.expect_wait();
    assert!(until >= received_at + 2_000, "{until} < Retry-After");
    assert!(h.events.contains(&FlowEvent::BackingOff {
        endpoint: Endpoint::SmsSend,
        reason: RetryReason::RateLimited,
        attempt: 1,
        until_ms: until,
        retry_after_ms: Some(received_at + 2_000),
    }));
    // An early timer changes nothing.
    h.fire(until - 1);
    assert_eq!(h.expect_wait(), until);
    h.fire(until);
    let again = h.expect_http(Endpoint::SmsSend);
    assert_eq!(again.bearer(), None);
    let received_at = h.now + 100;
    h.respond_raw(HttpResponse::new(429, r#"{"code":"TOO_MANY_REQUESTS"}"#).with_retry_after("3"));
    let until = h.expect_wait();
    assert!(until >= received_at + 3_000);
    assert!(
        h.events
            .iter()
            .any(|e| matches!(e, FlowEvent::BackingOff { attempt: 2, .. }))
    );
    h.fire(until);
    let third = h.expect_http(Endpoint::SmsSend);
    assert_eq!(third.bearer(), None);
    assert!(h.events.iter().any(|e| matches!(
        e,
        FlowEvent::RequestSent {
            endpoint: Endpoint::SmsSend,
            attempt: 3,
            token: None,
            ..
        }
    )));
    h.sms_sent();

    h.give_code(Channel::Sms, "123456", None);
    h.respond(
        200,
        json!({"sessionJwt": t.sms_only, "userMask": returning_mask()}),
    );

    let email_prompt = h.give_email(Some(&t.sms_only));
    assert_eq!(
        email_prompt,
        Prompt::Email {
            purpose: Purpose::LinkSecondFactor,
            email_mask: Some("rat…@example.com".into()),
            problem: None
        }
    );
    h.email_sent();
    h.give_code(Channel::Email, "654321", Some(&t.sms_only));
    h.respond(200, json!({"sessionJwt": t.sms_email}));

    let add = h.expect_http(Endpoint::WalletAddToUser);
    assert_eq!(add.bearer(), Some(t.sms_email.as_str()));
    assert_eq!(
        add.body.as_deref(),
        Some(
            format!(
                r#"{{"walletAddress":"{}","walletType":"EVM"}}"#,
                wallet_a().to_checksum()
            )
            .as_str()
        )
    );
    // No body is defined for this 200; whatever comes is fine.
    h.respond_raw(HttpResponse::new(200, "OK"));

    let outcome = h.expect_done();
    assert_eq!(outcome.path, FlowPath::Linked);
    assert!(!outcome.wallet_verified);
    assert_eq!(outcome.session_jwt.expose(), t.sms_email);
    assert_eq!(outcome.factors, vec![FactorKind::Sms, FactorKind::Email]);
    assert_eq!(outcome.wallet_address, wallet_a());
    assert_eq!(
        outcome.user_mask.and_then(|m| m.id),
        Some("user-old".into())
    );
    assert!(h.events.contains(&FlowEvent::WalletLinked {
        address: wallet_a(),
        verified: false
    }));

    // The new-user wallet JWT never went out after the 409.
    let bearers = h.bearers();
    let conflict = bearers.iter().position(|b| b.is_some()).unwrap_or(0) + 1;
    assert!(
        bearers[conflict + 1..]
            .iter()
            .all(|b| b.as_deref() != Some(t.wallet_new.as_str()))
    );
    assert_eq!(
        bearers,
        vec![
            None,
            None,
            Some(t.wallet_new.clone()),
            None,
            None,
            None,
            None,
            Some(t.sms_only.clone()),
            Some(t.sms_only.clone()),
            Some(t.sms_email.clone()),
        ]
    );
    assert_eq!(
        h.ledger_statuses(),
        vec![
            (
                Purpose::WalletSignIn,
                TokenStatus::Revoked {
                    reason: RevokeReason::PhoneBelongsToAnotherUser
                }
            ),
            (Purpose::LinkFirstFactor, TokenStatus::Current),
            (Purpose::LinkSecondFactor, TokenStatus::Current),
        ]
    );
    h.assert_no_leaks(&[&t.wallet_new, &t.sms_only, &t.sms_email, "123456", "654321"]);
}

#[test]
fn link_path_can_verify_the_wallet_at_once() {
    let t = tokens();
    let mut h = Harness::new(
        FlowConfig {
            verify_linked_wallet: true,
            ..config()
        },
        FirstFactor::Wallet,
    );
    h.wallet_sign_in(None, json!({"sessionJwt": t.wallet_new}));
    h.give_phone(Some(&t.wallet_new));
    h.error(409, "ALREADY_EXISTS_PHONE");
    h.expect_prompt();
    h.answer(Answer::Confirm(true));
    assert_eq!(h.expect_http(Endpoint::SmsSend).bearer(), None);
    h.sms_sent();
    h.give_code(Channel::Sms, "123456", None);
    h.respond(200, json!({"sessionJwt": t.sms_only}));
    h.give_email(Some(&t.sms_only));
    h.email_sent();
    h.give_code(Channel::Email, "654321", Some(&t.sms_only));
    h.respond(200, json!({"sessionJwt": t.sms_email}));
    assert_eq!(
        h.expect_http(Endpoint::WalletAddToUser).bearer(),
        Some(t.sms_email.as_str())
    );
    h.respond(200, json!({}));
    // Re-sign with the two-factor JWT: the wallet becomes verified.
    h.wallet_sign_in(
        Some(&t.sms_email),
        json!({"sessionJwt": t.sms_email_wallet, "userMask": returning_mask()}),
    );
    let outcome = h.expect_done();
    assert_eq!(outcome.path, FlowPath::Linked);
    assert!(outcome.wallet_verified);
    assert_eq!(outcome.session_jwt.expose(), t.sms_email_wallet);
    assert_eq!(
        outcome.factors,
        vec![FactorKind::Sms, FactorKind::Email, FactorKind::Wallet]
    );
    assert!(h.events.contains(&FlowEvent::WalletLinked {
        address: wallet_a(),
        verified: true
    }));
}

#[test]
fn factor_first_sms_then_wallet_with_that_jwt() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Sms);
    assert_eq!(h.flow.path(), Some(FlowPath::FactorFirst));
    let prompt = h.give_phone(None);
    assert_eq!(
        prompt,
        Prompt::PhoneNumber {
            purpose: Purpose::FirstFactor,
            phone_mask: None,
            problem: None
        }
    );
    h.sms_sent();
    h.give_code(Channel::Sms, "123456", None);
    h.respond(
        200,
        json!({"sessionJwt": t.sms_only, "userMask": returning_mask()}),
    );
    h.wallet_sign_in(Some(&t.sms_only), json!({"sessionJwt": t.sms_wallet}));
    let outcome = h.expect_done();
    assert_eq!(outcome.path, FlowPath::FactorFirst);
    assert!(outcome.wallet_verified);
    assert_eq!(outcome.session_jwt.expose(), t.sms_wallet);
    assert_eq!(outcome.factors, vec![FactorKind::Sms, FactorKind::Wallet]);
    // The OTP user was a returning user: the result is theirs.
    assert_eq!(
        outcome.user_mask.and_then(|m| m.id),
        Some("user-old".into())
    );
    assert_eq!(
        h.bearers(),
        vec![
            None,
            None,
            Some(t.sms_only.clone()),
            Some(t.sms_only.clone())
        ]
    );
    h.assert_no_leaks(&[&t.sms_only, &t.sms_wallet, "123456"]);
}

#[test]
fn factor_first_email_then_wallet() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Email);
    let prompt = h.give_email(None);
    assert_eq!(
        prompt,
        Prompt::Email {
            purpose: Purpose::FirstFactor,
            email_mask: None,
            problem: None
        }
    );
    // A send response without a mask: the engine masks the address itself.
    h.respond(200, json!({"emailId": "email-1"}));
    let code_prompt = h.give_code(Channel::Email, "999000", None);
    assert!(
        matches!(code_prompt, Prompt::Otp { destination_mask, .. } if destination_mask == "rat…@example.com")
    );
    h.respond(200, json!({"sessionJwt": t.email_only}));
    h.wallet_sign_in(Some(&t.email_only), json!({"sessionJwt": t.email_wallet}));
    let outcome = h.expect_done();
    assert_eq!(outcome.path, FlowPath::FactorFirst);
    assert_eq!(outcome.factors, vec![FactorKind::Email, FactorKind::Wallet]);
    assert_eq!(outcome.user_mask, None);
}

// -------------------------------------------------------------------------------------------
// Link path decisions
// -------------------------------------------------------------------------------------------

#[test]
fn declining_the_link_fails_with_a_conflict() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(None, json!({"sessionJwt": t.wallet_new}));
    h.give_phone(Some(&t.wallet_new));
    h.error(409, "ALREADY_EXISTS_PHONE");
    h.expect_prompt();
    h.answer(Answer::Confirm(false));
    let error = h.expect_fail();
    assert_eq!(error.kind, ErrorKind::Conflict);
    assert_eq!(error.code, Some(ErrorCode::AlreadyExistsPhone));
    assert_eq!(error.status, Some(409));
    assert_eq!(error.state, FlowState::ConfirmLink);
    assert_eq!(h.requests.len(), 3);
}

#[test]
fn a_phone_conflict_for_a_returning_user_is_a_plain_conflict() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(
        None,
        json!({"sessionJwt": t.wallet_returning, "userMask": returning_mask()}),
    );
    h.give_phone(Some(&t.wallet_returning));
    h.error(409, "ALREADY_EXISTS_PHONE");
    let error = h.expect_fail();
    assert_eq!(error.kind, ErrorKind::Conflict);
    assert_eq!(error.endpoint, Some(Endpoint::SmsSend));
    assert_eq!(error.server_message.as_deref(), Some("m"));
}

#[test]
fn add_to_user_is_never_sent_with_a_one_factor_jwt() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(None, json!({"sessionJwt": t.wallet_new}));
    h.give_phone(Some(&t.wallet_new));
    h.error(409, "ALREADY_EXISTS_PHONE");
    h.expect_prompt();
    h.answer(Answer::Confirm(true));
    h.expect_http(Endpoint::SmsSend);
    h.sms_sent();
    h.give_code(Channel::Sms, "123456", None);
    h.respond(200, json!({"sessionJwt": t.sms_only}));
    h.give_email(Some(&t.sms_only));
    h.email_sent();
    h.give_code(Channel::Email, "654321", Some(&t.sms_only));
    // A misbehaving server answers the second factor with a one-factor token.
    h.respond(200, json!({"sessionJwt": t.email_only}));
    let error = h.expect_fail();
    assert_eq!(error.kind, ErrorKind::MfaRequired);
    assert_eq!(error.endpoint, Some(Endpoint::WalletAddToUser));
    assert!(
        h.requests
            .iter()
            .all(|r| r.endpoint != Endpoint::WalletAddToUser)
    );
}

#[test]
fn add_to_user_403_is_mfa_required() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(None, json!({"sessionJwt": t.wallet_new}));
    h.give_phone(Some(&t.wallet_new));
    h.error(409, "ALREADY_EXISTS_PHONE");
    h.expect_prompt();
    h.answer(Answer::Confirm(true));
    h.expect_http(Endpoint::SmsSend);
    h.sms_sent();
    h.give_code(Channel::Sms, "123456", None);
    h.respond(200, json!({"sessionJwt": t.sms_only}));
    h.give_email(Some(&t.sms_only));
    h.email_sent();
    h.give_code(Channel::Email, "654321", Some(&t.sms_only));
    h.respond(200, json!({"sessionJwt": t.sms_email}));
    h.expect_http(Endpoint::WalletAddToUser);
    h.error(403, "MFA_REQUIRED");
    let error = h.expect_fail();
    assert_eq!(error.kind, ErrorKind::MfaRequired);
    assert_eq!(error.status, Some(403));
    assert_eq!(error.state, FlowState::AddToUser);
}

// -------------------------------------------------------------------------------------------
// Codes, answers, resends
// -------------------------------------------------------------------------------------------

#[test]
fn wrong_code_then_right_code() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(None, json!({"sessionJwt": t.wallet_new}));
    h.give_phone(Some(&t.wallet_new));
    h.sms_sent();
    h.give_code(Channel::Sms, "987987", Some(&t.wallet_new));
    h.error(401, "INVALID_OTP");
    assert!(h.events.contains(&FlowEvent::OtpRejected {
        channel: Channel::Sms,
        attempt: 1,
        attempts_left: 2
    }));
    let prompt = h.give_code(Channel::Sms, "123456", Some(&t.wallet_new));
    assert!(
        matches!(
            prompt,
            Prompt::Otp {
                attempt: 2,
                problem: Some(InputProblem::WrongCode),
                ..
            }
        ),
        "{prompt:?}"
    );
    h.respond(200, json!({"sessionJwt": t.wallet_sms}));
    assert_eq!(h.expect_done().path, FlowPath::New);
    h.assert_no_leaks(&["987987", "123456", &t.wallet_sms]);
}

#[test]
fn too_many_wrong_codes_fail_with_invalid_otp() {
    let mut h = Harness::new(config(), FirstFactor::Sms);
    h.give_phone(None);
    h.sms_sent();
    for attempt in 1..=3 {
        let prompt = h.give_code(Channel::Sms, "987987", None);
        assert!(matches!(prompt, Prompt::Otp { attempt: a, .. } if a == attempt));
        h.error(401, "INVALID_OTP");
    }
    let error = h.expect_fail();
    assert_eq!(error.kind, ErrorKind::InvalidOtp);
    assert_eq!(error.code, Some(ErrorCode::InvalidOtp));
    assert_eq!(error.status, Some(401));
    assert!(!error.message.contains("987987"));
}

#[test]
fn malformed_answers_are_asked_again_then_fail() {
    let mut h = Harness::new(config(), FirstFactor::Sms);
    h.expect_prompt();
    h.answer(Answer::text("555-0100"));
    assert_eq!(
        h.expect_prompt(),
        Prompt::PhoneNumber {
            purpose: Purpose::FirstFactor,
            phone_mask: None,
            problem: Some(InputProblem::NotE164Phone)
        }
    );
    assert!(h.events.contains(&FlowEvent::AnswerRejected {
        prompt: PromptKind::PhoneNumber,
        problem: InputProblem::NotE164Phone
    }));
    h.answer(Answer::text(PHONE));
    h.expect_http(Endpoint::SmsSend);
    h.sms_sent();
    // Codes that cannot be right are not sent.
    h.answer(Answer::text("12345"));
    let prompt = h.expect_prompt();
    assert!(
        matches!(
            prompt,
            Prompt::Otp {
                attempt: 1,
                problem: Some(InputProblem::NotSixDigits),
                ..
            }
        ),
        "{prompt:?}"
    );
    h.answer(Answer::text("abcdef"));
    h.answer(Answer::text("1234567"));
    h.expect_prompt();
    h.answer(Answer::text("x"));
    let error = h.expect_fail();
    assert_eq!(error.kind, ErrorKind::Config);
    assert_eq!(h.requests.len(), 1);
}

#[test]
fn a_phone_refused_by_ratio_is_asked_again() {
    let mut h = Harness::new(config(), FirstFactor::Sms);
    h.give_phone(None);
    h.error(400, "INVALID_PHONE");
    assert_eq!(
        h.expect_prompt(),
        Prompt::PhoneNumber {
            purpose: Purpose::FirstFactor,
            phone_mask: None,
            problem: Some(InputProblem::RejectedByServer)
        }
    );
    h.answer(Answer::text("+15555550199"));
    let send = h.expect_http(Endpoint::SmsSend);
    assert_eq!(send.json(), json!({"phoneNumber": "+15555550199"}));
}

#[test]
fn resend_waits_for_the_cooldown_then_sends_again() {
    let t = tokens();
    let mut h = Harness::new(
        FlowConfig {
            max_otp_resends: 1,
            ..config()
        },
        FirstFactor::Wallet,
    );
    h.wallet_sign_in(None, json!({"sessionJwt": t.wallet_new}));
    h.give_phone(Some(&t.wallet_new));
    let sent_at = h.now + 100;
    h.sms_sent();
    let prompt = h.expect_prompt();
    let available = match prompt {
        Prompt::Otp {
            resend_available_at: Some(at),
            ..
        } => at,
        other => panic!("{other:?}"),
    };
    assert_eq!(available, sent_at + 30_000);
    h.answer(Answer::ResendOtp);
    assert_eq!(h.expect_wait(), available);
    assert!(h.events.contains(&FlowEvent::ResendScheduled {
        channel: Channel::Sms,
        at_ms: available
    }));
    h.fire(available);
    let resend = h.expect_http(Endpoint::SmsSend);
    assert_eq!(resend.bearer(), Some(t.wallet_new.as_str()));
    h.respond(200, json!({"phoneId": "phone-2", "phoneMask": "0100"}));
    let prompt = h.expect_prompt();
    // No more resends allowed: none offered, and asking anyway is refused.
    assert!(
        matches!(
            prompt,
            Prompt::Otp {
                resend_available_at: None,
                attempt: 1,
                ..
            }
        ),
        "{prompt:?}"
    );
    h.answer(Answer::ResendOtp);
    assert!(matches!(
        h.expect_prompt(),
        Prompt::Otp {
            problem: Some(InputProblem::ResendUnavailable),
            ..
        }
    ));
    h.answer(Answer::text("123456"));
    let auth = h.expect_http(Endpoint::SmsAuthenticate);
    assert_eq!(auth.json(), json!({"phoneId": "phone-2", "otp": "123456"}));
}

#[test]
fn resend_after_the_cooldown_goes_out_at_once() {
    let mut h = Harness::new(config(), FirstFactor::Email);
    h.give_email(None);
    h.email_sent();
    h.expect_prompt();
    h.now += 60_000;
    h.answer(Answer::ResendOtp);
    let resend = h.expect_http(Endpoint::EmailSend);
    assert_eq!(resend.bearer(), None);
}

// -------------------------------------------------------------------------------------------
// Tokens: expiry, refresh
// -------------------------------------------------------------------------------------------

#[test]
fn an_expired_wallet_jwt_restarts_the_wallet_step_once() {
    let t = tokens();
    let wallet_again = jwt_tagged("w-new-2", "user-new", &["wallet"]);
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(None, json!({"sessionJwt": t.wallet_new}));
    h.give_phone(Some(&t.wallet_new));
    h.error(401, "EXPIRED_JWT");
    assert!(h.events.contains(&FlowEvent::StepRestarted {
        purpose: Purpose::WalletSignIn,
        code: ErrorCode::ExpiredJwt
    }));
    // The wallet signs in again (no JWT), then the SMS goes out with the new JWT, without
    // asking for the phone again.
    h.wallet_sign_in(None, json!({"sessionJwt": wallet_again}));
    let send = h.expect_http(Endpoint::SmsSend);
    assert_eq!(send.bearer(), Some(wallet_again.as_str()));
    assert_eq!(send.json(), json!({"phoneNumber": PHONE}));
    h.sms_sent();
    h.give_code(Channel::Sms, "123456", Some(&wallet_again));
    h.respond(200, json!({"sessionJwt": t.wallet_sms}));
    assert_eq!(h.expect_done().session_jwt.expose(), t.wallet_sms);
    assert!(
        !h.bearers()
            .iter()
            .skip(4)
            .any(|b| b.as_deref() == Some(t.wallet_new.as_str()))
    );
}

#[test]
fn a_second_expiry_of_the_same_step_fails() {
    let t = tokens();
    let wallet_again = jwt_tagged("w-new-2", "user-new", &["wallet"]);
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(None, json!({"sessionJwt": t.wallet_new}));
    h.give_phone(Some(&t.wallet_new));
    h.error(401, "EXPIRED_JWT");
    h.wallet_sign_in(None, json!({"sessionJwt": wallet_again}));
    h.expect_http(Endpoint::SmsSend);
    h.error(401, "INVALID_JWT");
    let error = h.expect_fail();
    assert_eq!(error.kind, ErrorKind::Server);
    assert_eq!(error.code, Some(ErrorCode::InvalidJwt));
    assert_eq!(error.status, Some(401));
}

#[test]
fn an_expired_link_sms_jwt_redoes_the_sms_factor() {
    let t = tokens();
    let sms_again = jwt_tagged("a2", "user-old", &["sms"]);
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(None, json!({"sessionJwt": t.wallet_new}));
    h.give_phone(Some(&t.wallet_new));
    h.error(409, "ALREADY_EXISTS_PHONE");
    h.expect_prompt();
    h.answer(Answer::Confirm(true));
    h.expect_http(Endpoint::SmsSend);
    h.sms_sent();
    h.give_code(Channel::Sms, "123456", None);
    h.respond(200, json!({"sessionJwt": t.sms_only}));
    h.give_email(Some(&t.sms_only));
    h.error(401, "EXPIRED_JWT");
    // SMS as first factor again (no JWT, phone remembered), then email again (address remembered).
    let send = h.expect_http(Endpoint::SmsSend);
    assert_eq!(send.bearer(), None);
    h.sms_sent();
    h.give_code(Channel::Sms, "222333", None);
    h.respond(200, json!({"sessionJwt": sms_again}));
    let email = h.expect_http(Endpoint::EmailSend);
    assert_eq!(email.bearer(), Some(sms_again.as_str()));
    h.email_sent();
    h.give_code(Channel::Email, "654321", Some(&sms_again));
    h.respond(200, json!({"sessionJwt": t.sms_email}));
    assert_eq!(
        h.expect_http(Endpoint::WalletAddToUser).bearer(),
        Some(t.sms_email.as_str())
    );
    h.respond(200, json!({}));
    assert_eq!(h.expect_done().path, FlowPath::Linked);
}

#[test]
fn a_refresh_header_replaces_the_token_it_refreshed() {
    let t = tokens();
    let refreshed = jwt_tagged("w-refreshed", "user-new", &["wallet"]);
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(None, json!({"sessionJwt": t.wallet_new}));
    h.give_phone(Some(&t.wallet_new));
    h.respond_raw(
        HttpResponse::new(
            200,
            json!({"phoneId": "phone-1", "phoneMask": "0100"}).to_string(),
        )
        .with_refresh_jwt(refreshed.clone()),
    );
    assert!(
        h.events
            .iter()
            .any(|e| matches!(e, FlowEvent::TokenRefreshed { .. }))
    );
    h.give_code(Channel::Sms, "123456", Some(&refreshed));
    h.respond(200, json!({"sessionJwt": t.wallet_sms}));
    h.expect_done();
    let statuses = h.ledger_statuses();
    assert!(matches!(
        statuses[0],
        (Purpose::WalletSignIn, TokenStatus::Superseded { .. })
    ));
    h.assert_no_leaks(&[&refreshed]);
}

#[test]
fn a_refresh_on_a_token_less_request_changes_nothing() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.expect_http(Endpoint::WalletStart);
    h.respond_raw(
        HttpResponse::new(200, json!({"challenge": CHALLENGE}).to_string())
            .with_refresh_jwt(t.sms_email.clone()),
    );
    assert!(h.events.contains(&FlowEvent::RefreshIgnored {
        endpoint: Endpoint::WalletStart
    }));
    assert!(h.flow.ledger().tokens().is_empty());
}

#[test]
fn an_unreadable_refresh_fails_the_flow() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(None, json!({"sessionJwt": t.wallet_new}));
    h.give_phone(Some(&t.wallet_new));
    h.respond_raw(
        HttpResponse::new(200, json!({"phoneId": "p"}).to_string()).with_refresh_jwt("garbage"),
    );
    assert_eq!(h.expect_fail().kind, ErrorKind::BadResponse);
}

// -------------------------------------------------------------------------------------------
// Signatures and wallet errors
// -------------------------------------------------------------------------------------------

#[test]
fn a_signature_from_another_account_is_caught_before_sending() {
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.expect_http(Endpoint::WalletStart);
    h.respond(200, json!({"challenge": CHALLENGE}));
    h.sign_with(&key_b());
    h.expect_get_code();
    h.code(Ok(false));
    let error = h.expect_fail();
    assert_eq!(
        error.kind,
        ErrorKind::SignatureMismatch {
            signed_by: Some(wallet_b()),
            signed_hex_text: false
        }
    );
    assert_eq!(error.state, FlowState::WalletSign);
    assert_eq!(h.requests.len(), 1);
    let json = as_json(&error);
    assert_eq!(json["kind"], json!("signatureMismatch"));
    assert_eq!(json["signedBy"], json!(wallet_b().to_checksum()));
}

#[test]
fn a_wallet_that_signed_the_hex_text_is_told_apart() {
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.expect_http(Endpoint::WalletStart);
    h.respond(200, json!({"challenge": CHALLENGE}));
    let challenge = h.expect_sign();
    let hex_text = eip191::challenge_hex(&challenge);
    let signature = eip191::sign_personal(&key_a(), hex_text.as_bytes());
    h.flow.on_signature(h.now, Ok(signature));
    h.collect();
    h.expect_get_code();
    h.code(Ok(false));
    let error = h.expect_fail();
    assert_eq!(
        error.kind,
        ErrorKind::SignatureMismatch {
            signed_by: Some(wallet_a()),
            signed_hex_text: true
        }
    );
    assert!(
        h.requests
            .iter()
            .all(|r| r.endpoint != Endpoint::WalletAuthenticate)
    );
}

#[test]
fn wallet_errors_map_to_kinds() {
    let cases = [
        (WalletError::UserRejected, ErrorKind::UserRejected),
        (WalletError::Timeout, ErrorKind::Timeout),
        (
            WalletError::Other {
                code: Some(4900),
                message: "disconnected".into(),
            },
            ErrorKind::Wallet {
                wallet_code: Some(4900),
            },
        ),
    ];
    for (wallet_error, kind) in cases {
        let mut h = Harness::new(config(), FirstFactor::Wallet);
        h.expect_http(Endpoint::WalletStart);
        h.respond(200, json!({"challenge": CHALLENGE}));
        h.expect_sign();
        h.flow.on_signature(h.now, Err(wallet_error));
        h.collect();
        assert_eq!(h.expect_fail().kind, kind);
    }
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.expect_http(Endpoint::WalletStart);
    h.respond(200, json!({"challenge": CHALLENGE}));
    h.flow.on_signature(h.now, Ok("0xnothex".into()));
    h.collect();
    assert_eq!(
        h.expect_fail().kind,
        ErrorKind::Wallet { wallet_code: None }
    );
}

#[test]
fn a_signature_ratio_refuses_is_a_mismatch() {
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.expect_http(Endpoint::WalletStart);
    h.respond(200, json!({"challenge": CHALLENGE}));
    h.sign_with(&key_a());
    h.expect_http(Endpoint::WalletAuthenticate);
    h.error(400, "INVALID_SIGNATURE");
    let error = h.expect_fail();
    assert_eq!(
        error.kind,
        ErrorKind::SignatureMismatch {
            signed_by: None,
            signed_hex_text: false
        }
    );
    assert_eq!(error.code, Some(ErrorCode::InvalidSignature));
}

// -------------------------------------------------------------------------------------------
// Smart-contract wallets (EIP-1271, ERC-6492)
// -------------------------------------------------------------------------------------------

/// The account is wallet A; the signature comes from key B, its owner (a 1271 contract).
fn contract_signature(h: &mut Harness) -> String {
    h.expect_http(Endpoint::WalletStart);
    h.respond(200, json!({"challenge": CHALLENGE}));
    let challenge = h.expect_sign();
    let signature = eip191::sign_personal(&key_b(), challenge.as_bytes());
    h.now += 100;
    h.flow.on_signature(h.now, Ok(signature.clone()));
    h.collect();
    signature
}

fn erc6492_wrapped(owner_signature: &str) -> String {
    // A made-up factory address and calldata before the owner's signature; only the suffix
    // matters to the SDK.
    format!(
        "0x{}{}{}{}",
        "00".repeat(12) + &"ab".repeat(20),
        "c0de".repeat(8),
        owner_signature.trim_start_matches("0x"),
        hex::encode(ERC6492_MAGIC_SUFFIX)
    )
}

#[test]
fn a_contract_wallet_with_code_is_left_to_the_server() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    let signature = contract_signature(&mut h);
    assert_eq!(h.flow.state(), FlowState::WalletSign);
    h.expect_get_code();
    assert_eq!(
        h.requests.len(),
        1,
        "nothing is sent before the code is known"
    );
    h.code(Ok(true));
    let auth = h.expect_http(Endpoint::WalletAuthenticate);
    assert_eq!(auth.json()["signature"], json!(signature));
    assert!(h.events.contains(&FlowEvent::SignatureLeftToServer {
        address: wallet_a(),
        wallet_kind: WalletKind::Contract,
        evidence: ContractEvidence::Code,
    }));
    assert!(
        !h.events
            .iter()
            .any(|e| matches!(e, FlowEvent::SignatureChecked { .. }))
    );
    h.respond(
        200,
        json!({"sessionJwt": t.wallet_returning, "userMask": returning_mask()}),
    );
    h.give_phone(Some(&t.wallet_returning));
    h.sms_sent();
    h.give_code(Channel::Sms, "123456", Some(&t.wallet_returning));
    h.respond(200, json!({"sessionJwt": t.wallet_sms}));
    let outcome = h.expect_done();
    assert_eq!(outcome.wallet_kind, WalletKind::Contract);
    assert_eq!(outcome.wallet_address, wallet_a());
    let finished = h.events.last().map(as_json);
    assert_eq!(
        finished.as_ref().map(|f| &f["walletKind"]),
        Some(&json!("contract"))
    );
    let left = h
        .events
        .iter()
        .find(|e| matches!(e, FlowEvent::SignatureLeftToServer { .. }))
        .map(as_json);
    assert_eq!(
        left,
        Some(
            json!({"type": "signatureLeftToServer", "address": wallet_a().to_checksum(),
            "walletKind": "contract", "evidence": "code"})
        )
    );
}

#[test]
fn an_eoa_outcome_says_eoa() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(
        None,
        json!({"sessionJwt": t.wallet_returning, "userMask": returning_mask()}),
    );
    h.give_phone(Some(&t.wallet_returning));
    h.sms_sent();
    h.give_code(Channel::Sms, "123456", Some(&t.wallet_returning));
    h.respond(200, json!({"sessionJwt": t.wallet_sms}));
    assert_eq!(h.expect_done().wallet_kind, WalletKind::Eoa);
    let finished = h.events.last().map(as_json);
    assert_eq!(
        finished.as_ref().map(|f| &f["walletKind"]),
        Some(&json!("eoa"))
    );
}

#[test]
fn a_foreign_signature_on_an_account_without_code_is_a_mismatch() {
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    contract_signature(&mut h);
    h.expect_get_code();
    h.code(Ok(false));
    let error = h.expect_fail();
    assert_eq!(
        error.kind,
        ErrorKind::SignatureMismatch {
            signed_by: Some(wallet_b()),
            signed_hex_text: false
        }
    );
    assert_eq!(error.state, FlowState::WalletSign);
    assert!(
        h.requests
            .iter()
            .all(|r| r.endpoint != Endpoint::WalletAuthenticate)
    );
}

#[test]
fn a_failed_code_check_lets_the_local_check_stand() {
    for failure in [
        WalletError::Timeout,
        WalletError::Other {
            code: Some(-32601),
            message: "the method eth_getCode does not exist".into(),
        },
    ] {
        let mut h = Harness::new(config(), FirstFactor::Wallet);
        contract_signature(&mut h);
        h.expect_get_code();
        let timeout = failure == WalletError::Timeout;
        h.code(Err(failure));
        let error = h.expect_fail();
        assert!(
            matches!(error.kind, ErrorKind::SignatureMismatch { .. }),
            "{error:?}"
        );
        let wallet_code = (!timeout).then_some(-32601);
        assert!(h.events.contains(&FlowEvent::CodeCheckFailed {
            address: wallet_a(),
            timeout,
            wallet_code,
        }));
        assert!(
            h.requests
                .iter()
                .all(|r| r.endpoint != Endpoint::WalletAuthenticate)
        );
    }
}

#[test]
fn an_erc6492_signature_is_sent_without_asking_for_code() {
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.expect_http(Endpoint::WalletStart);
    h.respond(200, json!({"challenge": CHALLENGE}));
    let challenge = h.expect_sign();
    let owner = eip191::sign_personal(&key_b(), challenge.as_bytes());
    let wrapped = erc6492_wrapped(&owner);
    assert!(is_erc6492(&wrapped));
    h.now += 100;
    h.flow.on_signature(h.now, Ok(wrapped.clone()));
    h.collect();
    let auth = h.expect_http(Endpoint::WalletAuthenticate);
    assert_eq!(auth.json()["signature"], json!(wrapped));
    assert!(h.events.contains(&FlowEvent::SignatureLeftToServer {
        address: wallet_a(),
        wallet_kind: WalletKind::Contract,
        evidence: ContractEvidence::Erc6492,
    }));
}

#[test]
fn a_long_signature_without_the_suffix_asks_for_code() {
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.expect_http(Endpoint::WalletStart);
    h.respond(200, json!({"challenge": CHALLENGE}));
    h.expect_sign();
    // A Safe-style concatenation of two owners' signatures.
    let long = format!("0x{}", "1b".repeat(130));
    assert!(!is_erc6492(&long));
    h.flow.on_signature(h.now, Ok(long));
    h.collect();
    h.expect_get_code();
    h.code(Ok(false));
    assert_eq!(
        h.expect_fail().kind,
        ErrorKind::Wallet { wallet_code: None }
    );
}

#[test]
fn a_server_refusal_of_a_contract_signature_says_contract_wallets_are_not_accepted() {
    for (status, code) in [
        (401, "INVALID_SIGNATURE"),
        (400, "INVALID_SIGNATURE"),
        (400, "INVALID_BODY"),
    ] {
        let mut h = Harness::new(config(), FirstFactor::Wallet);
        contract_signature(&mut h);
        h.expect_get_code();
        h.code(Ok(true));
        h.expect_http(Endpoint::WalletAuthenticate);
        h.error(status, code);
        let error = h.expect_fail();
        assert_eq!(
            error.kind,
            ErrorKind::ContractWalletRefused,
            "{status} {code}"
        );
        assert_eq!(error.status, Some(status));
        assert_eq!(error.endpoint, Some(Endpoint::WalletAuthenticate));
        assert!(
            error
                .message
                .contains("does not accept contract-wallet signatures"),
            "{}",
            error.message
        );
        assert!(!error.message.contains("made by"), "{}", error.message);
        let json = as_json(&error);
        assert_eq!(json["kind"], json!("contractWalletRefused"));
    }
}

#[test]
fn a_code_answer_out_of_turn_is_ignored() {
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.expect_http(Endpoint::WalletStart);
    h.code(Ok(true));
    assert!(h.events.contains(&FlowEvent::InputIgnored {
        input: InputKind::Code,
        state: FlowState::WalletStart,
    }));
    h.expect_http(Endpoint::WalletStart);
}

#[test]
fn erc6492_detection() {
    let suffix = hex::encode(ERC6492_MAGIC_SUFFIX);
    assert!(is_erc6492(&format!("0x00{suffix}")));
    assert!(is_erc6492(&format!("0X00{}", suffix.to_uppercase())));
    assert!(
        !is_erc6492(&format!("0x{suffix}")),
        "the suffix alone wraps nothing"
    );
    assert!(!is_erc6492(&format!("0x0{suffix}")), "odd length");
    assert!(!is_erc6492(&format!("0xzz{suffix}")));
    assert!(!is_erc6492(&format!("0x{suffix}00")));
    assert!(!is_erc6492(""));
}

// -------------------------------------------------------------------------------------------
// Bad responses, retries, transport errors
// -------------------------------------------------------------------------------------------

#[test]
fn malformed_bodies_fail_without_retry() {
    for body in [
        "{}",
        "<html>502</html>",
        r#"{"challenge": 5}"#,
        r#"{"challenge": ""}"#,
    ] {
        let mut h = Harness::new(config(), FirstFactor::Wallet);
        h.expect_http(Endpoint::WalletStart);
        h.respond_raw(HttpResponse::new(200, body));
        let error = h.expect_fail();
        assert_eq!(error.kind, ErrorKind::BadResponse, "{body}");
        assert_eq!(error.endpoint, Some(Endpoint::WalletStart));
        assert_eq!(error.status, Some(200), "the response the body came with");
        assert_eq!(h.requests.len(), 1);
    }
    // An authenticate whose JWT cannot be read.
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(None, json!({"sessionJwt": "not.a-jwt"}));
    let error = h.expect_fail();
    assert_eq!(error.kind, ErrorKind::BadResponse);
    assert_eq!(error.status, Some(200));
    assert!(!error.message.contains("not.a-jwt"));
}

#[test]
fn server_errors_are_retried_then_given_up() {
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    let mut last = h.now;
    for attempt in 1..=4 {
        h.expect_http(Endpoint::WalletStart);
        h.respond_raw(HttpResponse::new(503, "<html>Service Unavailable</html>"));
        let until = h.expect_wait();
        assert!(until >= h.now && until >= last);
        assert!(h.events.iter().any(|e| matches!(e, FlowEvent::BackingOff { attempt: a, reason: RetryReason::ServerError, .. } if *a == attempt)));
        last = until;
        h.fire(until);
    }
    h.expect_http(Endpoint::WalletStart);
    h.respond_raw(HttpResponse::new(502, "<html>Bad Gateway</html>"));
    let error = h.expect_fail();
    assert_eq!(error.kind, ErrorKind::Server);
    assert_eq!(error.status, Some(502));
    assert_eq!(error.code, None);
    assert_eq!(h.requests.len(), 5);
}

#[test]
fn a_server_error_then_success_continues() {
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.expect_http(Endpoint::WalletStart);
    h.respond(500, json!({"code": "INTERNAL", "message": "oops"}));
    let until = h.expect_wait();
    h.fire(until);
    h.expect_http(Endpoint::WalletStart);
    h.respond(200, json!({"challenge": CHALLENGE}));
    assert_eq!(h.expect_sign(), CHALLENGE);
}

#[test]
fn transport_errors_are_retried_then_typed() {
    let mut h = Harness::new(
        FlowConfig {
            retry: RetryPolicy {
                max_attempts: 2,
                ..config().retry
            },
            ..config()
        },
        FirstFactor::Wallet,
    );
    h.expect_http(Endpoint::WalletStart);
    h.transport(TransportError::Network("connection reset".into()));
    assert!(h.events.contains(&FlowEvent::TransportFailed {
        endpoint: Endpoint::WalletStart,
        timeout: false
    }));
    let until = h.expect_wait();
    h.fire(until);
    h.expect_http(Endpoint::WalletStart);
    h.transport(TransportError::Timeout);
    assert_eq!(h.expect_fail().kind, ErrorKind::Timeout);

    let mut h = Harness::new(
        FlowConfig {
            retry: RetryPolicy {
                max_attempts: 1,
                ..config().retry
            },
            ..config()
        },
        FirstFactor::Sms,
    );
    h.give_phone(None);
    h.transport(TransportError::Network("dns".into()));
    assert_eq!(h.expect_fail().kind, ErrorKind::Network);
}

#[test]
fn rate_limits_give_up_with_the_retry_time() {
    // Retry-After beyond the total budget: give up at once, saying when.
    let mut h = Harness::new(config(), FirstFactor::Sms);
    h.give_phone(None);
    let received_at = h.now + 100;
    h.respond_raw(
        HttpResponse::new(429, r#"{"code":"TOO_MANY_REQUESTS"}"#).with_retry_after("600"),
    );
    let error = h.expect_fail();
    assert_eq!(
        error.kind,
        ErrorKind::RateLimited {
            retry_at_ms: Some(received_at + 600_000)
        }
    );
    assert_eq!(error.code, Some(ErrorCode::TooManyRequests));
    assert_eq!(error.status, Some(429));
    // The `failed` event names the time `retryAt`, as the thrown JS error does: one name.
    let failed = h
        .events
        .iter()
        .find(|e| matches!(e, FlowEvent::Failed { .. }))
        .map(as_json);
    let failed_error = failed.as_ref().map(|f| &f["error"]);
    assert_eq!(
        failed_error.map(|e| &e["retryAt"]),
        Some(&json!(received_at + 600_000))
    );
    assert_eq!(failed_error.and_then(|e| e.get("retryAtMs")), None);

    // Without Retry-After: jittered back-off, bounded attempts.
    let mut h = Harness::new(config(), FirstFactor::Sms);
    h.give_phone(None);
    for _ in 1..5 {
        h.respond_raw(HttpResponse::new(429, ""));
        let until = h.expect_wait();
        h.fire(until);
        h.expect_http(Endpoint::SmsSend);
    }
    h.respond_raw(HttpResponse::new(429, ""));
    assert_eq!(
        h.expect_fail().kind,
        ErrorKind::RateLimited { retry_at_ms: None }
    );
    assert_eq!(h.requests.len(), 5);
}

#[test]
fn retry_after_as_an_http_date_is_honoured() {
    let mut h = Harness::new(config(), FirstFactor::Sms);
    h.give_phone(None);
    // T0 is 2023-11-14T22:13:20Z.
    h.respond_raw(HttpResponse::new(429, "").with_retry_after("Tue, 14 Nov 2023 22:13:50 GMT"));
    assert!(h.expect_wait() >= T0 + 30_000);
}

// -------------------------------------------------------------------------------------------
// Cancellation, unexpected inputs, configuration
// -------------------------------------------------------------------------------------------

#[test]
fn cancel_aborts_from_any_state_and_sticks() {
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.expect_http(Endpoint::WalletStart);
    h.flow.cancel();
    h.collect();
    let error = h.expect_fail();
    assert_eq!(error.kind, ErrorKind::Aborted);
    assert_eq!(error.state, FlowState::WalletStart);
    // Late inputs are ignored; the failure stays.
    h.flow.on_http(
        h.now,
        Ok(HttpResponse::new(
            200,
            json!({"challenge": CHALLENGE}).to_string(),
        )),
    );
    h.flow.on_timer(h.now);
    h.flow.cancel();
    h.collect();
    assert_eq!(h.expect_fail(), error);
    assert!(h.events.iter().any(|e| matches!(
        e,
        FlowEvent::InputIgnored {
            input: InputKind::Http,
            state: FlowState::Failed
        }
    )));

    let mut h = Harness::new(config(), FirstFactor::Sms);
    h.expect_prompt();
    h.answer(Answer::Cancel);
    assert_eq!(h.expect_fail().kind, ErrorKind::Aborted);

    // A driver's own reason (e.g. EIP-1193 `accountsChanged`).
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.expect_http(Endpoint::WalletStart);
    h.respond(200, json!({"challenge": CHALLENGE}));
    h.flow.cancel_with(FlowError::new(
        ErrorKind::Wallet { wallet_code: None },
        "the wallet account changed",
    ));
    h.collect();
    let error = h.expect_fail();
    assert_eq!(error.kind, ErrorKind::Wallet { wallet_code: None });
    assert_eq!(error.state, FlowState::WalletSign);
}

#[test]
fn unexpected_inputs_are_ignored_without_panicking() {
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    let before = h.flow.next_action();
    h.flow.on_signature(h.now, Ok("0x00".into()));
    h.flow.on_answer(h.now, Answer::Confirm(true));
    h.flow.on_timer(h.now + 1_000_000);
    h.collect();
    assert_eq!(h.flow.next_action(), before);
    assert_eq!(
        h.events
            .iter()
            .filter(|e| matches!(e, FlowEvent::InputIgnored { .. }))
            .count(),
        3
    );
    // An answer of the wrong kind at a prompt.
    h.expect_http(Endpoint::WalletStart);
    h.respond(200, json!({"challenge": CHALLENGE}));
    h.flow.on_http(h.now, Ok(HttpResponse::new(200, "{}")));
    h.collect();
    assert_eq!(h.expect_sign(), CHALLENGE);
    let mut h = Harness::new(config(), FirstFactor::Sms);
    h.answer(Answer::Confirm(true));
    h.answer(Answer::ResendOtp);
    assert!(matches!(
        h.expect_prompt(),
        Prompt::PhoneNumber { problem: None, .. }
    ));
}

#[test]
fn invalid_settings_fail_at_once() {
    let bad_credentials = FlowConfig {
        client: ClientContext::new(Credentials::ClientSecret {
            client_id: String::new(),
            client_secret: Secret::new("x"),
        }),
        ..FlowConfig::default()
    };
    let no_attempts = FlowConfig {
        max_otp_attempts: 0,
        ..FlowConfig::default()
    };
    for config in [bad_credentials, no_attempts] {
        let flow = Flow::new(
            config,
            Start {
                wallet: wallet_a(),
                first_factor: FirstFactor::Wallet,
            },
            0,
            T0,
        );
        match flow.next_action() {
            Action::Fail(error) => assert_eq!(error.kind, ErrorKind::Config),
            other => panic!("{other:?}"),
        }
        assert!(flow.is_finished());
    }
}

#[test]
fn client_session_and_proxy_credentials_shape_the_headers() {
    let session = FlowConfig::new(ClientContext::new(Credentials::ClientSession {
        session_id: Secret::new("cs-1"),
    }));
    let flow = Flow::new(
        session,
        Start {
            wallet: wallet_a(),
            first_factor: FirstFactor::Wallet,
        },
        0,
        T0,
    );
    match flow.next_action() {
        Action::Http(request) => {
            assert_eq!(request.header("ratio-client-session-id"), Some("cs-1"));
            assert_eq!(request.header("ratio-client-id"), None);
            assert_eq!(request.header("ratio-client-secret"), None);
            assert!(!format!("{request:?}").contains("cs-1"));
        }
        other => panic!("{other:?}"),
    }
    let proxy = Flow::new(
        FlowConfig::default(),
        Start {
            wallet: wallet_a(),
            first_factor: FirstFactor::Wallet,
        },
        0,
        T0,
    );
    match proxy.next_action() {
        Action::Http(request) => assert_eq!(
            request.headers,
            vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("Accept".to_owned(), "application/json".to_owned()),
            ]
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn events_serialise_as_camel_case_objects() {
    let event = FlowEvent::BackingOff {
        endpoint: Endpoint::SmsSend,
        reason: RetryReason::RateLimited,
        attempt: 2,
        until_ms: 5,
        retry_after_ms: Some(4),
    };
    assert_eq!(
        as_json(&event),
        json!({"type": "backingOff", "endpoint": "smsSend", "reason": "rateLimited", "attempt": 2, "untilMs": 5, "retryAfterMs": 4})
    );
    let prompt = Prompt::Otp {
        channel: Channel::Email,
        destination_mask: "rat…@example.com".into(),
        attempt: 1,
        max_attempts: 3,
        resend_available_at: None,
        problem: None,
    };
    assert_eq!(
        as_json(&prompt),
        json!({"kind": "otp", "channel": "email", "destinationMask": "rat…@example.com", "attempt": 1, "maxAttempts": 3, "resendAvailableAt": null, "problem": null})
    );
    let issued = FlowEvent::TokenIssued {
        token: TokenRef {
            id: 1,
            factor: FactorKind::Wallet,
            purpose: Purpose::WalletSignIn,
        },
        factors: vec![FactorKind::Wallet],
    };
    assert_eq!(
        as_json(&issued),
        json!({"type": "tokenIssued", "token": {"id": 1, "factor": "wallet", "purpose": "walletSignIn"}, "factors": ["wallet"]})
    );
    assert_eq!(FlowState::SmsOtpPrompt.as_str(), "smsOtpPrompt");
    assert_eq!(as_json(&FlowState::SmsOtpPrompt), json!("smsOtpPrompt"));
    assert_eq!(
        as_json(&FlowPath::FactorFirst),
        json!(FlowPath::FactorFirst.as_str())
    );
}

#[test]
fn the_same_seed_gives_the_same_waits() {
    let run = |seed: u64| {
        let mut flow = Flow::new(
            config(),
            Start {
                wallet: wallet_a(),
                first_factor: FirstFactor::Wallet,
            },
            seed,
            T0,
        );
        flow.on_http(T0 + 1, Ok(HttpResponse::new(503, "")));
        flow.next_action()
    };
    assert_eq!(run(1), run(1));
}

// -------------------------------------------------------------------------------------------
// A quick randomized driver (the proptest model server lives elsewhere; this one guards the
// engine's own invariants on every `cargo test --lib`).
// -------------------------------------------------------------------------------------------

struct Dice(super::rng::SplitMix64);

impl Dice {
    fn pick(&mut self, n: u64) -> u64 {
        self.0.next_u64() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.pick(100) < percent
    }
}

fn factor_names(jwt: Option<&str>) -> Vec<&'static str> {
    let claims = jwt
        .and_then(|j| crate::jwt::read_claims(j).ok())
        .unwrap_or_default();
    ledger::distinct_factors(&claims)
        .into_iter()
        .map(|k| match k {
            FactorKind::Wallet => "wallet",
            FactorKind::Sms => "sms",
            FactorKind::Email => "email",
            FactorKind::Other => "other",
        })
        .collect()
}

fn with_factor(mut factors: Vec<&'static str>, factor: &'static str) -> Vec<&'static str> {
    if !factors.contains(&factor) {
        factors.push(factor);
    }
    factors
}

#[test]
fn random_drivers_always_end_and_keep_the_ledger_rules() {
    let mut longest = 0;
    let mut stats: Vec<String> = Vec::new();
    for seed in 0..1_000u64 {
        let mut dice = Dice(super::rng::SplitMix64::new(seed ^ 0x5eed));
        let first_factor = [
            FirstFactor::Wallet,
            FirstFactor::Wallet,
            FirstFactor::Sms,
            FirstFactor::Email,
        ][dice.pick(4) as usize];
        let config = FlowConfig {
            verify_linked_wallet: dice.chance(50),
            retry: RetryPolicy {
                max_attempts: 4,
                base_delay_ms: 100,
                max_delay_ms: 2_000,
                max_total_ms: 20_000,
            },
            ..config()
        };
        let mut flow = Flow::new(
            config,
            Start {
                wallet: wallet_a(),
                first_factor,
            },
            seed,
            T0,
        );
        let mut now = T0;
        let mut issued = 0u32;
        let mut banned: Vec<String> = Vec::new();
        let mut secrets: Vec<String> = Vec::new();
        let mut purposes: Vec<Purpose> = Vec::new();
        let mut steps = 0;
        loop {
            steps += 1;
            assert!(steps < 2_000, "seed {seed}: the flow did not end");
            for event in flow.drain_events() {
                let text = format!(
                    "{event:?}{}",
                    crate::json::ToJson::to_json(&event).to_json_string()
                );
                for secret in &secrets {
                    assert!(
                        !text.contains(secret.as_str()),
                        "seed {seed}: leak in {text}"
                    );
                }
                match event {
                    FlowEvent::BackingOff {
                        until_ms,
                        retry_after_ms,
                        ..
                    } => {
                        assert!(
                            until_ms >= retry_after_ms.unwrap_or(0),
                            "seed {seed}: earlier than Retry-After"
                        );
                        assert!(until_ms >= now);
                    }
                    FlowEvent::TokenRevoked {
                        token,
                        reason: RevokeReason::PhoneBelongsToAnotherUser,
                    } => {
                        banned.extend(flow.ledger().jwt(token.id).map(|s| s.expose().to_owned()));
                    }
                    FlowEvent::RequestSent { purpose, .. } => purposes.push(purpose),
                    _ => {}
                }
            }
            now += 10;
            match flow.next_action() {
                Action::Done(outcome) => {
                    let claims = ok(crate::jwt::read_claims(outcome.session_jwt.expose()));
                    assert!(claims.is_two_factor(), "seed {seed}: one-factor outcome");
                    assert_eq!(outcome.wallet_address, wallet_a());
                    stats.push(format!("done:{}", outcome.path));
                    break;
                }
                Action::Fail(error) => {
                    for secret in &secrets {
                        assert!(!format!("{error:?}").contains(secret.as_str()));
                    }
                    stats.push(format!("fail:{}", error.kind));
                    break;
                }
                Action::Wait { until_ms } => {
                    now = now.max(until_ms);
                    flow.on_timer(now);
                }
                Action::Sign { message, .. } => {
                    let result = match dice.pick(20) {
                        0 => Err(WalletError::UserRejected),
                        1 => Ok(eip191::sign_personal(&key_b(), message.as_bytes())),
                        _ => Ok(eip191::sign_personal(&key_a(), message.as_bytes())),
                    };
                    flow.on_signature(now, result);
                }
                Action::GetCode { .. } => flow.on_code(now, Ok(false)),
                Action::Ask(prompt) => {
                    let answer = match (prompt, dice.pick(100)) {
                        (_, 0..=1) => Answer::Cancel,
                        (Prompt::ConfirmLink { .. }, n) => Answer::Confirm(n > 15),
                        (Prompt::PhoneNumber { .. }, n) if n < 12 => Answer::text("555"),
                        (Prompt::PhoneNumber { .. }, _) => Answer::text(PHONE),
                        (Prompt::Email { .. }, n) if n < 12 => Answer::text("nope"),
                        (Prompt::Email { .. }, _) => Answer::text(EMAIL),
                        (Prompt::Otp { .. }, n) if n < 12 => Answer::ResendOtp,
                        (Prompt::Otp { .. }, n) if n < 20 => Answer::text("12"),
                        (Prompt::Otp { .. }, _) => Answer::text("123456"),
                    };
                    flow.on_answer(now, answer);
                }
                Action::Http(request) => {
                    let bearer = request.bearer().map(str::to_owned);
                    let purpose = purposes.last().copied();
                    // The ledger rules, seen from the wire.
                    if let Some(b) = &bearer {
                        assert!(!banned.contains(b), "seed {seed}: revoked wallet JWT sent");
                    }
                    if matches!(
                        purpose,
                        Some(
                            Purpose::WalletSignIn | Purpose::LinkFirstFactor | Purpose::FirstFactor
                        )
                    ) {
                        assert_eq!(bearer, None, "seed {seed}: a first factor carried a JWT");
                    }
                    if request.endpoint == Endpoint::WalletAddToUser {
                        let claims = crate::jwt::read_claims(bearer.as_deref().unwrap_or_default());
                        assert!(
                            claims.is_ok_and(|c| c.is_two_factor()),
                            "seed {seed}: addToUser without 2FA"
                        );
                        assert_eq!(
                            request.json()["walletAddress"],
                            json!(wallet_a().to_checksum())
                        );
                    }
                    issued += 1;
                    let mut fresh = |factors: Vec<&'static str>| {
                        let jwt = jwt_tagged(&format!("{seed}-{issued}"), "user", &factors);
                        secrets.push(jwt.clone());
                        jwt
                    };
                    let held = factor_names(bearer.as_deref());
                    let success = match request.endpoint {
                        Endpoint::WalletStart => {
                            json!({"challenge": format!("Signing in with Ratio: {issued}")})
                                .to_string()
                        }
                        Endpoint::WalletAuthenticate => {
                            let jwt = fresh(with_factor(held, "wallet"));
                            if dice.chance(50) {
                                json!({"sessionJwt": jwt, "userMask": returning_mask()}).to_string()
                            } else {
                                json!({"sessionJwt": jwt}).to_string()
                            }
                        }
                        Endpoint::SmsSend => {
                            json!({"phoneId": format!("p{issued}"), "phoneMask": "0100"})
                                .to_string()
                        }
                        Endpoint::EmailSend => json!({"emailId": format!("e{issued}")}).to_string(),
                        Endpoint::SmsAuthenticate => {
                            json!({"sessionJwt": fresh(with_factor(held, "sms"))}).to_string()
                        }
                        Endpoint::EmailAuthenticate => {
                            json!({"sessionJwt": fresh(with_factor(held, "email"))}).to_string()
                        }
                        _ => "{}".to_owned(),
                    };
                    let error = |code: &str| json!({"code": code, "message": "m"}).to_string();
                    let outcome = match dice.pick(40) {
                        0 => Err(TransportError::Timeout),
                        1 => Err(TransportError::Network("reset".into())),
                        2 => Ok(HttpResponse::new(429, error("TOO_MANY_REQUESTS"))
                            .with_retry_after(dice.pick(6).to_string())),
                        3 => Ok(HttpResponse::new(429, "")),
                        4 => Ok(HttpResponse::new(503, "<html>")),
                        5 => Ok(HttpResponse::new(200, "{")),
                        6 => Ok(HttpResponse::new(401, error("EXPIRED_JWT"))),
                        7 => Ok(HttpResponse::new(401, error("INVALID_OTP"))),
                        8 => Ok(HttpResponse::new(400, error("INVALID_PHONE"))),
                        9 => Ok(HttpResponse::new(403, error("MFA_REQUIRED"))),
                        10..=15 if request.endpoint == Endpoint::SmsSend => {
                            Ok(HttpResponse::new(409, error("ALREADY_EXISTS_PHONE")))
                        }
                        16..=17 if bearer.is_some() => {
                            let refreshed = fresh(factor_names(bearer.as_deref()));
                            Ok(HttpResponse::new(200, success).with_refresh_jwt(refreshed))
                        }
                        _ => Ok(HttpResponse::new(200, success)),
                    };
                    flow.on_http(now, outcome);
                }
            }
        }
        longest = longest.max(steps);
    }
    assert!(
        longest > 20,
        "the random drivers never went deep ({longest} steps)"
    );
    // Every path must be reached by some seed, or the driver is too shallow to mean much.
    for path in [
        "done:returning",
        "done:new",
        "done:linked",
        "done:factorFirst",
    ] {
        assert!(stats.iter().any(|s| s == path), "no run ended {path}");
    }
    stats.sort();
    stats.dedup_by(|a, b| a == b);
    eprintln!("{longest} steps at most; outcomes: {stats:?}");
}

// -------------------------------------------------------------------------------------------
// Liberal reading: what Ratio may send that the docs do not pin down
// -------------------------------------------------------------------------------------------

/// A new-user sign-in up to the SMS step with the wallet JWT pending on `sms:send`.
fn new_user_at_sms_send(t: &Tokens) -> Harness {
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(None, json!({"sessionJwt": t.wallet_new}));
    h.give_phone(Some(&t.wallet_new));
    h
}

/// After the phone conflict: the link prompt, then the token-less SMS send.
fn expect_link_path(h: &mut Harness, t: &Tokens) {
    assert_eq!(h.flow.path(), Some(FlowPath::Linked), "{:?}", h.events);
    assert!(h.flow.ledger().had_phone_conflict());
    assert!(matches!(h.expect_prompt(), Prompt::ConfirmLink { .. }));
    h.answer(Answer::Confirm(true));
    let send = h.expect_http(Endpoint::SmsSend);
    assert_eq!(send.bearer(), None);
    assert_ne!(send.bearer(), Some(t.wallet_new.as_str()));
}

#[test]
fn any_409_on_the_new_users_sms_send_takes_the_link_path() {
    let t = tokens();
    let bodies = [
        r#"{"code":"ALREADY_EXISTS_PHONE","message":"m"}"#,
        r#"{"code":"PHONE_ALREADY_EXISTS","message":"taken"}"#,
        r#"{"code":"already_exists_phone"}"#,
        r#"{"message":null,"code":null}"#,
        r#"{}"#,
        "",
        "<html><body>409 Conflict</body></html>",
        "Conflict",
    ];
    for body in bodies {
        let mut h = new_user_at_sms_send(&t);
        h.respond_raw(HttpResponse::new(409, body));
        expect_link_path(&mut h, &t);
    }
}

#[test]
fn a_409_on_the_new_users_sms_authenticate_takes_the_link_path() {
    let t = tokens();
    for body in [
        r#"{"code":"ALREADY_EXISTS_PHONE"}"#,
        r#"{"code":"CONFLICT"}"#,
        "nope",
    ] {
        let mut h = new_user_at_sms_send(&t);
        h.sms_sent();
        h.give_code(Channel::Sms, "123456", Some(&t.wallet_new));
        h.respond_raw(HttpResponse::new(409, body));
        expect_link_path(&mut h, &t);
        // The phone is known: no second phone prompt, and the wallet JWT stays revoked.
        h.sms_sent();
        h.give_code(Channel::Sms, "222222", None);
    }
}

#[test]
fn a_409_elsewhere_stays_a_conflict() {
    let t = tokens();
    // A returning user's SMS, whatever the body: a conflict, not a link.
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(
        None,
        json!({"sessionJwt": t.wallet_returning, "userMask": returning_mask()}),
    );
    h.give_phone(Some(&t.wallet_returning));
    h.respond_raw(HttpResponse::new(409, "<html>conflict</html>"));
    let error = h.expect_fail();
    assert_eq!(error.kind, ErrorKind::Conflict);
    assert_eq!(error.code, None);
}

#[test]
fn a_401_on_a_code_check_is_a_wrong_code_whatever_its_code() {
    let t = tokens();
    for body in [
        r#"{"code":"OTP_INVALID","message":"bad"}"#,
        r#"{"message":null}"#,
        "",
        "Unauthorized",
    ] {
        let mut h = Harness::new(config(), FirstFactor::Sms);
        h.give_phone(None);
        h.sms_sent();
        h.give_code(Channel::Sms, "111111", None);
        h.respond_raw(HttpResponse::new(401, body));
        assert!(
            matches!(
                h.expect_prompt(),
                Prompt::Otp {
                    attempt: 2,
                    problem: Some(InputProblem::WrongCode),
                    ..
                }
            ),
            "{body}"
        );
        h.answer(Answer::text("222222"));
        h.expect_http(Endpoint::SmsAuthenticate);
        h.respond(200, json!({"sessionJwt": t.sms_only}));
        h.expect_http(Endpoint::WalletStart);
    }
    // A token error on a code check that carried a token re-runs that token's step instead.
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.wallet_sign_in(None, json!({"sessionJwt": t.wallet_new}));
    h.give_phone(Some(&t.wallet_new));
    h.sms_sent();
    h.give_code(Channel::Sms, "111111", Some(&t.wallet_new));
    h.error(401, "EXPIRED_JWT");
    assert!(h.events.iter().any(|e| matches!(
        e,
        FlowEvent::StepRestarted {
            purpose: Purpose::WalletSignIn,
            ..
        }
    )));
    h.expect_http(Endpoint::WalletStart);
}

#[test]
fn a_null_message_keeps_the_code() {
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.expect_http(Endpoint::WalletStart);
    h.respond_raw(HttpResponse::new(
        400,
        r#"{"createTime":null,"message":null,"code":"INVALID_WALLET_ADDRESS"}"#,
    ));
    let error = h.expect_fail();
    assert_eq!(error.code, Some(ErrorCode::InvalidWalletAddress));
    assert_eq!(error.kind, ErrorKind::Config);
    assert_eq!(error.server_message, None);
}

#[test]
fn codes_that_are_not_codes_read_as_unknown_and_server_text_stays_out_of_events() {
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.expect_http(Endpoint::WalletStart);
    let hostile = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln your code is 123456";
    h.respond(403, json!({"code": hostile, "message": hostile}));
    let error = h.expect_fail();
    assert_eq!(error.code, Some(ErrorCode::Unknown));
    let events: String = h
        .events
        .iter()
        .map(|e| crate::json::ToJson::to_json(e).to_json_string())
        .collect();
    assert!(!events.contains("eyJhbGciOiJIUzI1NiJ9"), "{events}");
    assert!(!events.contains("123456"), "{events}");
    assert!(events.contains(r#""code":"UNKNOWN""#), "{events}");
}

/// Tokens the way a server without the Stytch claim would mint them: `sub`, `exp`, no factors.
fn bare_jwt(tag: &str) -> String {
    use base64::Engine as _;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        b64(&json!({"alg": "HS256"})),
        b64(&json!({"sub": format!("user-{tag}"), "exp": 1_700_000_300})),
        b64(&json!(tag))
    )
}

/// The link path from the phone conflict to the email code check, which waits for its answer;
/// the link SMS step answers `sms_jwt`.
fn link_path_until_the_email_check(t: &Tokens, sms_jwt: &str) -> Harness {
    let mut h = new_user_at_sms_send(t);
    h.error(409, "ALREADY_EXISTS_PHONE");
    expect_link_path(&mut h, t);
    h.sms_sent();
    h.give_code(Channel::Sms, "123456", None);
    h.respond(
        200,
        json!({"sessionJwt": sms_jwt, "userMask": returning_mask()}),
    );
    h.give_email(Some(sms_jwt));
    h.email_sent();
    h.give_code(Channel::Email, "654321", Some(sms_jwt));
    h
}

#[test]
fn tokens_without_a_factors_claim_use_the_ledgers_own_account() {
    let t = Tokens {
        wallet_new: bare_jwt("w"),
        ..tokens()
    };
    let (sms, sms_email) = (bare_jwt("s"), bare_jwt("se"));
    let mut h = link_path_until_the_email_check(&t, &sms);
    h.respond(200, json!({"sessionJwt": sms_email}));
    // SMS (link first factor) + email with that token: two factors by the ledger.
    let add = h.expect_http(Endpoint::WalletAddToUser);
    assert_eq!(add.bearer(), Some(sms_email.as_str()));
    h.respond_raw(HttpResponse::new(200, ""));
    let outcome = h.expect_done();
    assert_eq!(outcome.session_jwt.expose(), sms_email);
    assert_eq!(outcome.factors, vec![FactorKind::Sms, FactorKind::Email]);
    assert_eq!(outcome.expires_at, Some(1_700_000_300));
}

#[test]
fn a_factors_claim_that_contradicts_the_ledger_still_stops_add_to_user() {
    let t = tokens();
    let mut h = link_path_until_the_email_check(&t, &t.sms_only);
    // The claim says one factor where the ledger expects two: believed, and the flow stops.
    h.respond(200, json!({"sessionJwt": t.email_only}));
    let error = h.expect_fail();
    assert_eq!(error.kind, ErrorKind::MfaRequired);
    assert!(
        h.requests
            .iter()
            .all(|r| r.endpoint != Endpoint::WalletAddToUser)
    );
}

#[test]
fn add_to_user_answers_without_a_body_are_success() {
    let t = tokens();
    for body in ["", "null", "{}", "   ", r#"{"ok":true}"#] {
        let mut h = link_path_until_the_email_check(&t, &t.sms_only);
        h.respond(200, json!({"sessionJwt": t.sms_email}));
        h.expect_http(Endpoint::WalletAddToUser);
        h.respond_raw(HttpResponse::new(200, body));
        assert_eq!(h.expect_done().path, FlowPath::Linked, "{body:?}");
    }
}

#[test]
fn an_oversized_challenge_never_reaches_the_wallet() {
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.expect_http(Endpoint::WalletStart);
    let huge = format!("Signing in with Ratio: {}", "A".repeat(MAX_CHALLENGE_LEN));
    h.respond(200, json!({ "challenge": huge }));
    let error = h.expect_fail();
    assert_eq!(error.kind, ErrorKind::BadResponse);
    assert!(!format!("{error:?}").contains("AAAAAAAA"));
    assert!(!h.debug.contains("Sign {"), "the wallet was asked to sign");
}

#[test]
fn an_absurd_retry_after_ends_the_flow_at_once_with_a_js_safe_time() {
    let mut h = Harness::new(config(), FirstFactor::Sms);
    h.give_phone(None);
    h.respond_raw(
        HttpResponse::new(429, r#"{"code":"TOO_MANY_REQUESTS"}"#)
            .with_retry_after("10000000000000"),
    );
    let error = h.expect_fail();
    match error.kind {
        ErrorKind::RateLimited {
            retry_at_ms: Some(at),
        } => assert_eq!(at, MAX_SAFE_INTEGER),
        other => panic!("{other:?}"),
    }
    assert_eq!(h.requests.len(), 1);
    // Every number in every event fits a JS number exactly.
    for event in &h.events {
        let value = as_json(event);
        assert_js_safe(&value);
    }
}

fn assert_js_safe(value: &Value) {
    match value {
        Value::Number(n) => assert!(
            n.as_u64().is_none_or(|u| u <= MAX_SAFE_INTEGER)
                && n.as_i64()
                    .is_none_or(|i| i.unsigned_abs() <= MAX_SAFE_INTEGER),
            "{n} is beyond 2^53"
        ),
        Value::Array(items) => items.iter().for_each(assert_js_safe),
        Value::Object(fields) => fields.values().for_each(assert_js_safe),
        _ => {}
    }
}

// -------------------------------------------------------------------------------------------
// Calls that must not be repeated blindly
// -------------------------------------------------------------------------------------------

#[test]
fn a_lost_wallet_authenticate_answer_signs_a_new_challenge() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.expect_http(Endpoint::WalletStart);
    h.respond(200, json!({"challenge": CHALLENGE}));
    h.sign_with(&key_a());
    let first = h.expect_http(Endpoint::WalletAuthenticate);
    h.respond_raw(HttpResponse::new(503, "<html>unavailable</html>"));
    assert!(h.events.contains(&FlowEvent::SigningAgain {
        purpose: Purpose::WalletSignIn,
        reason: RetryReason::ServerError
    }));
    let until = h.expect_wait();
    h.fire(until);
    // Not the same signature again: a new challenge, a new signature.
    h.expect_http(Endpoint::WalletStart);
    let second_challenge = "Signing in with Ratio: second-challenge";
    h.respond(200, json!({ "challenge": second_challenge }));
    assert_eq!(h.expect_sign(), second_challenge);
    let signature = eip191::sign_personal(&key_a(), second_challenge.as_bytes());
    h.flow.on_signature(h.now, Ok(signature));
    h.collect();
    let second = h.expect_http(Endpoint::WalletAuthenticate);
    assert_ne!(first.json()["signature"], second.json()["signature"]);
    h.transport(TransportError::Timeout);
    assert!(h.events.contains(&FlowEvent::SigningAgain {
        purpose: Purpose::WalletSignIn,
        reason: RetryReason::Timeout
    }));
    let until = h.expect_wait();
    h.fire(until);
    h.wallet_sign_in(None, json!({"sessionJwt": t.wallet_new}));
    assert!(matches!(h.expect_prompt(), Prompt::PhoneNumber { .. }));
}

#[test]
fn a_429_on_wallet_authenticate_retries_the_same_signature() {
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    h.expect_http(Endpoint::WalletStart);
    h.respond(200, json!({"challenge": CHALLENGE}));
    h.sign_with(&key_a());
    let first = h.expect_http(Endpoint::WalletAuthenticate);
    h.respond_raw(HttpResponse::new(429, "").with_retry_after("1"));
    let until = h.expect_wait();
    h.fire(until);
    let again = h.expect_http(Endpoint::WalletAuthenticate);
    assert_eq!(first.body, again.body);
    assert!(
        !h.events
            .iter()
            .any(|e| matches!(e, FlowEvent::SigningAgain { .. }))
    );
}

#[test]
fn lost_wallet_answers_are_bounded() {
    let policy = RetryPolicy {
        max_attempts: 3,
        ..config().retry
    };
    let mut h = Harness::new(
        FlowConfig {
            retry: policy,
            ..config()
        },
        FirstFactor::Wallet,
    );
    let mut signatures = 0;
    loop {
        match h.action() {
            Action::Http(request) if request.endpoint == Endpoint::WalletStart => {
                h.respond(200, json!({"challenge": CHALLENGE}));
            }
            Action::Http(request) if request.endpoint == Endpoint::WalletAuthenticate => {
                h.respond_raw(HttpResponse::new(500, ""));
            }
            Action::Sign { .. } => {
                signatures += 1;
                h.sign_with(&key_a());
            }
            Action::Wait { until_ms } => h.fire(until_ms),
            Action::Fail(error) => {
                assert_eq!(error.kind, ErrorKind::Server);
                break;
            }
            other => panic!("{other:?}"),
        }
        assert!(signatures <= 10, "unbounded re-signing");
    }
    assert_eq!(signatures, 1 + policy.max_attempts);
}

#[test]
fn a_code_check_retried_after_a_lost_answer_sends_a_new_code_instead_of_burning_an_attempt() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Sms);
    h.give_phone(None);
    h.sms_sent();
    h.give_code(Channel::Sms, "123456", None);
    // The server used the code, then the answer was lost.
    h.transport(TransportError::Network("connection reset".into()));
    let until = h.expect_wait();
    h.fire(until);
    let retry = h.expect_http(Endpoint::SmsAuthenticate);
    assert_eq!(retry.json()["otp"], json!("123456"));
    h.error(401, "INVALID_OTP");
    assert!(h.events.contains(&FlowEvent::CodeResentAfterLostAnswer {
        channel: Channel::Sms
    }));
    // A new code goes out at once (no prompt in between), counted as a resend.
    let resend = h.expect_http(Endpoint::SmsSend);
    assert_eq!(resend.json(), json!({"phoneNumber": PHONE}));
    h.sms_sent();
    let prompt = h.expect_prompt();
    assert!(
        matches!(
            prompt,
            Prompt::Otp {
                attempt: 1,
                problem: None,
                ..
            }
        ),
        "{prompt:?}"
    );
    h.answer(Answer::text("777777"));
    h.expect_http(Endpoint::SmsAuthenticate);
    // An ordinary wrong code after that costs an attempt as usual.
    h.error(401, "INVALID_OTP");
    assert!(matches!(
        h.expect_prompt(),
        Prompt::Otp {
            attempt: 2,
            problem: Some(InputProblem::WrongCode),
            ..
        }
    ));
    h.answer(Answer::text("888888"));
    h.expect_http(Endpoint::SmsAuthenticate);
    h.respond(200, json!({"sessionJwt": t.sms_only}));
    h.expect_http(Endpoint::WalletStart);
    h.assert_no_leaks(&["123456", "777777", "888888", &t.sms_only]);
}

#[test]
fn with_no_resend_left_a_used_code_after_a_lost_answer_is_asked_again() {
    let mut h = Harness::new(
        FlowConfig {
            max_otp_resends: 0,
            ..config()
        },
        FirstFactor::Email,
    );
    h.give_email(None);
    h.email_sent();
    h.give_code(Channel::Email, "123456", None);
    h.respond_raw(HttpResponse::new(502, ""));
    let until = h.expect_wait();
    h.fire(until);
    h.expect_http(Endpoint::EmailAuthenticate);
    h.error(401, "INVALID_OTP");
    assert!(matches!(
        h.expect_prompt(),
        Prompt::Otp {
            attempt: 2,
            problem: Some(InputProblem::WrongCode),
            ..
        }
    ));
}

/// A value's `ToJson` form as a serde_json value (tests compare with `json!`).
fn as_json<T: crate::json::ToJson + ?Sized>(value: &T) -> Value {
    ok(serde_json::from_str(&value.to_json().to_json_string()))
}

// ---------------------------------------------------------------------------------------------
// Snapshots (tests/flow_model.rs also restores every model run at every savable step)
// ---------------------------------------------------------------------------------------------

/// Saves `h`'s flow, reads it back from JSON and puts the restored flow in its place.
fn reload(h: &mut Harness) -> FlowSnapshot {
    let snapshot = ok(h.flow.snapshot(h.now));
    let json = snapshot.to_json();
    // serde_json reads the text, and what it writes back (keys sorted, as the serde_json-based
    // writer did) reads as the same snapshot.
    let theirs: Value = ok(serde_json::from_str(&json));
    assert_eq!(
        ok(FlowSnapshot::from_json(&theirs.to_string())).to_json(),
        json
    );
    let read = ok(FlowSnapshot::from_json(&json));
    h.flow = ok(Flow::restore(config(), &read, h.now));
    h.collect();
    snapshot
}

/// A link-path snapshot at the email code prompt (a revoked wallet token, a current SMS
/// token, a sent code), as the serde_json-based writer wrote it.
const LINK_SNAPSHOT: &str = r#"{"backoff":{"attempts":0,"exhausted":false,"firstFailureAt":null,"retryAt":null},"email":"ratio@example.com","expiresAtMs":1700000601100,"invalidAnswers":0,"ledger":{"entries":[{"factor":"wallet","factors":["wallet"],"id":1,"jwt":"eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3MDAwMDAzMDAsImh0dHBzOi8vc3R5dGNoLmNvbS9zZXNzaW9uIjp7ImF1dGhlbnRpY2F0aW9uX2ZhY3RvcnMiOlt7ImNyeXB0b193YWxsZXRfZmFjdG9yIjp7ImNyeXB0b193YWxsZXRfYWRkcmVzcyI6IjB4MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMSIsImNyeXB0b193YWxsZXRfdHlwZSI6ImV0aGVyZXVtIn0sImRlbGl2ZXJ5X21ldGhvZCI6ImNyeXB0b193YWxsZXQiLCJ0eXBlIjoiY3J5cHRvIn1dLCJpZCI6InNlc3Npb24tdy1uZXcifSwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJzdHl0Y2guY29tL3Rlc3QiLCJzdWIiOiJ1c2VyLW5ldyJ9.c2ln","purpose":"walletSignIn","refreshedFrom":null,"status":{"reason":"phoneBelongsToAnotherUser","status":"revoked"}},{"factor":"sms","factors":["sms"],"id":2,"jwt":"eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3MDAwMDAzMDAsImh0dHBzOi8vc3R5dGNoLmNvbS9zZXNzaW9uIjp7ImF1dGhlbnRpY2F0aW9uX2ZhY3RvcnMiOlt7ImRlbGl2ZXJ5X21ldGhvZCI6InNtcyIsInBob25lX251bWJlcl9mYWN0b3IiOnsicGhvbmVfaWQiOiJwaG9uZS0xIiwicGhvbmVfbnVtYmVyIjoiKzE1NTU1NTUwMTAwIn0sInR5cGUiOiJvdHAifV0sImlkIjoic2Vzc2lvbi1hIn0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoic3R5dGNoLmNvbS90ZXN0Iiwic3ViIjoidXNlci1vbGQifQ.c2ln","purpose":"linkFirstFactor","refreshedFrom":null,"status":{"status":"current"}}],"nextId":3,"phoneConflict":true,"signedWallet":"0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"},"nowMs":1700000001100,"path":"linked","phase":{"attempt":1,"channel":"email","kind":"otp","purpose":"linkSecondFactor","resendAvailableAt":1700000031100,"sends":1,"sent":{"id":"email-1","mask":"rat…@example.com"}},"phone":"+15555550100","restarted":[],"retryAfterLoss":false,"rng":"7","savedAtMs":1700000001100,"step":{"kind":"ask","problem":null,"prompt":"otp"},"userMask":null,"version":1,"wallet":"0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A","walletKind":"eoa","walletRestarts":0,"walletVerified":true}"#;

#[test]
fn snapshot_text_written_before_reads_and_writes_back_the_same() {
    let t = tokens();
    let mut h = new_user_at_sms_send(&t);
    h.error(409, "ALREADY_EXISTS_PHONE");
    expect_link_path(&mut h, &t);
    h.sms_sent();
    h.give_code(Channel::Sms, "123456", None);
    h.respond(200, json!({"sessionJwt": t.sms_only}));
    h.give_email(Some(&t.sms_only));
    h.email_sent();
    // The same JSON as the old writer's (field order aside: the text is not a contract).
    let same = |text: &str| {
        let ours: Value = ok(serde_json::from_str(text));
        let old: Value = ok(serde_json::from_str(LINK_SNAPSHOT));
        assert_eq!(ours, old);
    };
    same(&ok(h.flow.snapshot(h.now)).to_json());
    let read = ok(FlowSnapshot::from_json(LINK_SNAPSHOT));
    same(&read.to_json());
    let restored = ok(Flow::restore(config(), &read, h.now));
    assert!(matches!(
        restored.next_action(),
        Action::Ask(Prompt::Otp {
            channel: Channel::Email,
            ..
        })
    ));
}

#[test]
fn a_reload_at_the_link_paths_code_prompt_finishes_the_link() {
    let t = tokens();
    let mut h = new_user_at_sms_send(&t);
    h.error(409, "ALREADY_EXISTS_PHONE");
    expect_link_path(&mut h, &t);
    h.sms_sent();
    let before = h.expect_prompt();
    let snapshot = reload(&mut h);
    assert_eq!(h.expect_prompt(), before);
    assert!(matches!(
        h.events.last(),
        Some(FlowEvent::Resumed {
            state: FlowState::SmsOtpPrompt,
            purpose: Purpose::LinkFirstFactor
        })
    ));
    let summary = ok(snapshot.summary(h.now));
    assert_eq!(summary.path, Some(FlowPath::Linked));
    assert_eq!(summary.step, PendingStep::Otp);
    assert_eq!(summary.wallet_address, wallet_a());
    assert_eq!(summary.phone_mask.as_deref(), Some("0100"));
    assert_eq!(summary.expires_at_ms, h.now + SNAPSHOT_TTL_MS);

    // The restored flow goes on as the original would: the code without a JWT, then email
    // with the SMS JWT, then addToUser with the two-factor JWT.
    h.give_code(Channel::Sms, "123456", None);
    h.respond(200, json!({"sessionJwt": t.sms_only}));
    reload(&mut h);
    h.give_email(Some(&t.sms_only));
    h.email_sent();
    reload(&mut h);
    h.give_code(Channel::Email, "654321", Some(&t.sms_only));
    h.respond(200, json!({"sessionJwt": t.sms_email}));
    let add = h.expect_http(Endpoint::WalletAddToUser);
    assert_eq!(add.bearer(), Some(t.sms_email.as_str()));
    h.respond(200, json!({}));
    let outcome = h.expect_done();
    assert_eq!(outcome.path, FlowPath::Linked);
    assert_eq!(outcome.session_jwt.expose(), t.sms_email);
    // The wallet JWT revoked at the conflict stays revoked across reloads.
    assert!(
        h.bearers()
            .iter()
            .flatten()
            .filter(|b| *b == &t.wallet_new)
            .count()
            <= 2
    );
    h.assert_no_leaks(&["123456", "654321", CLIENT_SECRET]);
}

#[test]
fn a_reload_during_a_back_off_waits_for_the_same_time() {
    let t = tokens();
    let mut h = new_user_at_sms_send(&t);
    h.error(409, "ALREADY_EXISTS_PHONE");
    expect_link_path(&mut h, &t);
    h.respond_raw(HttpResponse::new(429, "{}").with_retry_after("40"));
    let until = h.expect_wait();
    let snapshot = reload(&mut h);
    assert_eq!(ok(snapshot.summary(h.now)).step, PendingStep::Backoff);
    assert_eq!(h.expect_wait(), until);
    h.fire(until);
    let send = h.expect_http(Endpoint::SmsSend);
    assert_eq!(send.bearer(), None);
}

#[test]
fn snapshots_hold_no_credential_code_or_signature() {
    let t = tokens();
    let mut h = new_user_at_sms_send(&t);
    h.sms_sent();
    h.give_code(Channel::Sms, "987654", Some(&t.wallet_new));
    h.error(401, "INVALID_OTP");
    let json = ok(h.flow.snapshot(h.now)).to_json();
    assert!(!json.contains(CLIENT_SECRET));
    assert!(!json.contains("987654"));
    assert!(
        !json.contains("client-1"),
        "credentials come from the driver's config"
    );
    let debug = format!("{:?}", ok(h.flow.snapshot(h.now)));
    assert!(!debug.contains(&t.wallet_new) && !debug.contains(PHONE));
}

#[test]
fn only_waits_for_the_user_or_a_back_off_are_savable() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    // A request in flight, then a signature being made.
    assert_eq!(
        h.flow.snapshot(h.now).err(),
        Some(SnapshotError::NotSavable(FlowState::WalletStart))
    );
    h.respond(200, json!({"challenge": CHALLENGE}));
    assert_eq!(
        h.flow.snapshot(h.now).err(),
        Some(SnapshotError::NotSavable(FlowState::WalletSign))
    );
    // A retry that would carry the code is not savable: the code is never written out.
    let mut h = new_user_at_sms_send(&t);
    h.sms_sent();
    h.give_code(Channel::Sms, "123456", Some(&t.wallet_new));
    h.error(503, "UNAVAILABLE");
    h.expect_wait();
    assert_eq!(
        h.flow.snapshot(h.now).err(),
        Some(SnapshotError::NotSavable(FlowState::BackingOff))
    );
    // A finished flow neither.
    h.flow.cancel();
    assert_eq!(
        h.flow.snapshot(h.now).err(),
        Some(SnapshotError::NotSavable(FlowState::Failed))
    );
}

#[test]
fn stale_foreign_or_inconsistent_snapshots_are_refused() {
    let t = tokens();
    let mut h = new_user_at_sms_send(&t);
    h.sms_sent();
    let snapshot = ok(h.flow.snapshot(h.now));
    let json = snapshot.to_json();

    // Expired: at the end of its lifetime, restore and summary both refuse it.
    let late = snapshot.expires_at_ms();
    assert_eq!(
        Flow::restore(config(), &snapshot, late).err(),
        Some(SnapshotError::Expired {
            expired_at_ms: late
        })
    );
    assert!(snapshot.summary(late).is_err());
    assert!(Flow::restore(config(), &snapshot, late - 1).is_ok());

    // Another version of the format.
    let v2 = json.replacen("\"version\":1", "\"version\":2", 1);
    assert_eq!(
        FlowSnapshot::from_json(&v2).err(),
        Some(SnapshotError::UnknownVersion(2))
    );

    // Not a snapshot at all, or too long to be one.
    for text in [
        "",
        "null",
        "[]",
        "{\"version\":1}",
        "{\"version\":\"1\"}",
        "<html>",
    ] {
        assert!(
            matches!(
                FlowSnapshot::from_json(text),
                Err(SnapshotError::Unreadable(_))
            ),
            "{text}"
        );
    }
    let huge = format!(
        "{{\"version\":1,\"pad\":\"{}\"}}",
        "x".repeat(MAX_SNAPSHOT_BYTES)
    );
    assert!(matches!(
        FlowSnapshot::from_json(&huge),
        Err(SnapshotError::Unreadable(_))
    ));

    // Parts that do not fit: a lifetime beyond the limit, a code prompt in a wallet step, an
    // unreadable token, a signer that is not the flow's wallet, an unknown field, a missing
    // field, an unknown enum name, a number where a string belongs.
    let original: Value = ok(serde_json::from_str(&json));
    let expires = snapshot.expires_at_ms();
    let wallet_b = wallet_b().to_checksum();
    type Edit = Box<dyn Fn(&mut Value)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "lifetime",
            Box::new(move |v| v["expiresAtMs"] = json!(expires + 1)),
        ),
        (
            "phase",
            Box::new(|v| v["phase"] = json!({"kind": "wallet", "purpose": "walletSignIn"})),
        ),
        (
            "jwt",
            Box::new(|v| v["ledger"]["entries"][0]["jwt"] = json!("not.a.jwt")),
        ),
        (
            "signer",
            Box::new(move |v| v["ledger"]["signedWallet"] = json!(wallet_b)),
        ),
        ("extra", Box::new(|v| v["extra"] = json!(1))),
        (
            "missing",
            Box::new(|v| {
                if let Some(map) = v.as_object_mut() {
                    map.remove("invalidAnswers");
                }
            }),
        ),
        (
            "purpose",
            Box::new(|v| v["phase"]["purpose"] = json!("somethingElse")),
        ),
        ("type", Box::new(|v| v["wallet"] = json!(42))),
    ];
    for (what, edit) in edits {
        let mut edited = original.clone();
        edit(&mut edited);
        let refused = FlowSnapshot::from_json(&edited.to_string())
            .and_then(|read| Flow::restore(config(), &read, h.now).map(|_| ()));
        assert!(
            matches!(refused, Err(SnapshotError::Unreadable(_))),
            "{what}: {refused:?}"
        );
    }
    // The untouched JSON still restores.
    assert!(
        Flow::restore(
            config(),
            &ok(FlowSnapshot::from_json(&original.to_string())),
            h.now
        )
        .is_ok()
    );
}

#[test]
fn a_restored_flow_keeps_its_attempts_resends_and_jitter() {
    let t = tokens();
    let mut h = new_user_at_sms_send(&t);
    h.sms_sent();
    h.give_code(Channel::Sms, "111111", Some(&t.wallet_new));
    h.error(401, "INVALID_OTP");
    let before = h.expect_prompt();
    reload(&mut h);
    let after = h.expect_prompt();
    assert_eq!(after, before);
    assert!(matches!(after, Prompt::Otp { attempt: 2, .. }));
}

#[test]
fn a_contract_wallets_kind_survives_a_reload_and_its_code_check_is_not_savable() {
    let t = tokens();
    let mut h = Harness::new(config(), FirstFactor::Wallet);
    contract_signature(&mut h);
    h.expect_get_code();
    // Waiting for eth_getCode holds the signature: not savable.
    assert!(matches!(
        h.flow.snapshot(h.now),
        Err(SnapshotError::NotSavable(FlowState::WalletSign))
    ));
    h.code(Ok(true));
    h.expect_http(Endpoint::WalletAuthenticate);
    h.respond(
        200,
        json!({"sessionJwt": t.wallet_returning, "userMask": returning_mask()}),
    );
    h.expect_prompt();
    reload(&mut h);
    h.give_phone(Some(&t.wallet_returning));
    h.sms_sent();
    reload(&mut h);
    h.give_code(Channel::Sms, "123456", Some(&t.wallet_returning));
    h.respond(200, json!({"sessionJwt": t.wallet_sms}));
    assert_eq!(h.expect_done().wallet_kind, WalletKind::Contract);
}
