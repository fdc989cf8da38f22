//! The engine end to end against the real sandbox, in process: real HTTP (reqwest), real
//! secp256k1 signatures, codes read from `/sandbox/outbox`, real sleeps on `Wait`. After each
//! flow the sandbox's own view (`GET /sandbox/users/{id}`) says what really happened.
//!
//! Timing is only ever checked as a lower bound (a retry is never sent before `Retry-After`).

// Native only: these tests run servers and threads.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use ratio_auth::api::Endpoint;
use ratio_auth::eip191::Address;
use ratio_auth::flow::{
    Channel, ClientContext, Credentials, ErrorKind, FirstFactor, FlowConfig, FlowEvent, FlowPath,
    InputProblem, Prompt, RetryReason, RevokeReason, Start, WalletKind,
};
use ratio_auth::secret::Secret;
use serde_json::json;
use support::{
    Env, Exchange, Kind, Script, address_of, assert_no_secrets, jwt_kinds, jwt_payload, key,
    kind_set, start_sandbox, start_sandbox_with,
};

const PHONE: &str = "+14155550123";
const EMAIL: &str = "ada@example.com";

fn config() -> FlowConfig {
    FlowConfig::new(ClientContext::new(Credentials::ClientSecret {
        client_id: "sandbox".into(),
        client_secret: Secret::new("sandbox-secret"),
    }))
}

fn start(wallet: Address, first_factor: FirstFactor) -> Start {
    Start {
        wallet,
        first_factor,
    }
}

fn kinds(jwt: &str) -> BTreeSet<Kind> {
    kind_set(&jwt_kinds(jwt).unwrap_or_else(|e| panic!("unreadable JWT: {e}")))
}

fn set(of: &[Kind]) -> BTreeSet<Kind> {
    kind_set(of)
}

fn statuses(exchanges: &[&Exchange]) -> Vec<Option<u16>> {
    exchanges.iter().map(|x| x.status).collect()
}

/// The user's session works on Ratio's side: `GET /v1/users/{id}` with it answers 200.
async fn assert_session_reads_user(env: &Env, jwt: &str, user: &str) {
    let response = env
        .http
        .get(format!("{}/v1/users/{user}", env.base))
        .header("ratio-client-id", "sandbox")
        .header("ratio-client-secret", "sandbox-secret")
        .bearer_auth(jwt)
        .send()
        .await
        .expect("the sandbox answers");
    assert_eq!(
        response.status().as_u16(),
        200,
        "GET /v1/users/{user} with the outcome's JWT"
    );
}

/// A user with `PHONE`/`EMAIL` and an old wallet, and the new wallet's key: the link path's setup.
async fn link_setup(env: &Env) -> (String, Address, k256::ecdsa::SigningKey) {
    let old = address_of(&key("old wallet"));
    let user = env.create_user(PHONE, EMAIL, &[old]).await;
    (user, old, key("new wallet"))
}

// ---------------------------------------------------------------------------------------------
// The four flows
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn returning_user_signs_in_with_wallet_then_sms() {
    let env = start_sandbox(Duration::from_millis(300)).await;
    let key = key("returning");
    let wallet = address_of(&key);
    let user = env.create_user(PHONE, EMAIL, &[wallet]).await;

    let run = env
        .drive(
            config(),
            start(wallet, FirstFactor::Wallet),
            &key,
            &Script::new(PHONE, EMAIL),
        )
        .await;
    let outcome = run.outcome();
    assert_eq!(outcome.path, FlowPath::Returning);
    assert!(outcome.wallet_verified);
    let jwt = outcome.session_jwt.expose();
    assert_eq!(kinds(jwt), set(&[Kind::Wallet, Kind::Sms]));
    assert_eq!(
        jwt_payload(jwt).ok().map(|p| p["sub"].clone()),
        Some(json!(user))
    );
    assert_eq!(
        outcome.user_mask.as_ref().and_then(|m| m.id.clone()),
        Some(user.clone())
    );

    // The phone prompt shows Ratio's hint; the second factor rides on the wallet JWT.
    assert!(matches!(
        &run.prompts[0],
        Prompt::PhoneNumber { phone_mask: Some(mask), .. } if mask == "0123"
    ));
    for x in run
        .to(Endpoint::WalletStart)
        .iter()
        .chain(&run.to(Endpoint::WalletAuthenticate))
    {
        assert_eq!(x.bearer, None, "the wallet sign-in carries no JWT");
    }
    for x in run
        .to(Endpoint::SmsSend)
        .iter()
        .chain(&run.to(Endpoint::SmsAuthenticate))
    {
        let bearer = x
            .bearer
            .as_deref()
            .expect("the SMS step carries the wallet JWT");
        assert_eq!(kinds(bearer), set(&[Kind::Wallet]));
    }

    assert_eq!(env.wallets_of(&user).await, vec![(wallet, true)]);
    assert_session_reads_user(&env, jwt, &user).await;
    assert_no_secrets(&run);
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn new_user_signs_in_with_wallet_then_sms_and_can_create_the_user() {
    let env = start_sandbox(Duration::from_millis(300)).await;
    let key = key("brand new");
    let wallet = address_of(&key);

    let run = env
        .drive(
            config(),
            start(wallet, FirstFactor::Wallet),
            &key,
            &Script::new(PHONE, EMAIL),
        )
        .await;
    let outcome = run.outcome();
    assert_eq!(outcome.path, FlowPath::New);
    assert_eq!(outcome.user_mask, None);
    let jwt = outcome.session_jwt.expose().to_owned();
    assert_eq!(kinds(&jwt), set(&[Kind::Wallet, Kind::Sms]));
    assert!(run.to(Endpoint::WalletAddToUser).is_empty());

    // The two-factor JWT is what Ratio needs to create the user; the wallet comes along, verified.
    let created = env
        .http
        .post(format!("{}/v1/users", env.base))
        .header("ratio-client-id", "sandbox")
        .header("ratio-client-secret", "sandbox-secret")
        .bearer_auth(&jwt)
        .json(
            &json!({"firstName": "Ada", "lastName": "Lovelace", "email": EMAIL, "country": "US",
                      "phone": PHONE, "acceptedTerms": true}),
        )
        .send()
        .await
        .expect("the sandbox answers");
    assert_eq!(created.status().as_u16(), 201);
    let body: serde_json::Value = created.json().await.expect("a User");
    let user = body["id"].as_str().expect("a user id").to_owned();
    let view = env.user(&user).await;
    assert_eq!(view["phoneNumber"], json!(PHONE));
    assert_eq!(env.wallets_of(&user).await, vec![(wallet, true)]);
    assert_no_secrets(&run);
    env.sandbox.shutdown().await;
}

/// The heart of the project: 409 on the phone → confirm → token-less SMS (429 from the conflict
/// cool-down, waited out) → email with the SMS JWT → `addToUser` with the two-factor JWT.
#[tokio::test]
async fn link_path_attaches_the_new_wallet_unverified_to_the_right_user() {
    let env = start_sandbox(Duration::from_secs(1)).await;
    let (user, old, new_key) = link_setup(&env).await;
    let new = address_of(&new_key);

    let run = env
        .drive(
            config(),
            start(new, FirstFactor::Wallet),
            &new_key,
            &Script::new(PHONE, EMAIL),
        )
        .await;
    let outcome = run.outcome();
    assert_eq!(outcome.path, FlowPath::Linked);
    assert!(!outcome.wallet_verified);
    assert_eq!(outcome.wallet_address, new);
    assert_eq!(
        kinds(outcome.session_jwt.expose()),
        set(&[Kind::Sms, Kind::Email])
    );

    // On the wire, request by request.
    let sends = run.to(Endpoint::SmsSend);
    let wallet_jwt = sends[0]
        .bearer
        .clone()
        .expect("the new user's SMS carries the wallet JWT");
    assert_eq!(kinds(&wallet_jwt), set(&[Kind::Wallet]));
    assert_eq!(
        (sends[0].status, sends[0].code.as_deref()),
        (Some(409), Some("ALREADY_EXISTS_PHONE"))
    );
    let conflict_at = run
        .exchanges
        .iter()
        .position(|x| x.status == Some(409))
        .expect("the 409");
    for x in &run.exchanges[conflict_at + 1..] {
        assert_ne!(
            x.bearer.as_deref(),
            Some(wallet_jwt.as_str()),
            "the wallet JWT after the 409"
        );
    }
    for x in sends[1..].iter().chain(&run.to(Endpoint::SmsAuthenticate)) {
        assert_eq!(x.bearer, None, "the link path's SMS carries no JWT");
    }
    // The conflict cool-down answers the first token-less send 429; the retry waits it out.
    assert_eq!(sends[1].status, Some(429), "{:?}", statuses(&sends));
    assert_eq!(sends[1].retry_after.as_deref(), Some("1"));
    assert_eq!(sends.last().and_then(|x| x.status), Some(200));
    for pair in sends[1..].windows(2) {
        assert!(
            pair[1].sent_ms >= pair[0].received_ms + 1_000,
            "a retry before Retry-After"
        );
    }
    for x in run
        .to(Endpoint::EmailSend)
        .iter()
        .chain(&run.to(Endpoint::EmailAuthenticate))
    {
        let bearer = x
            .bearer
            .as_deref()
            .expect("the email step carries the SMS JWT");
        assert_eq!(kinds(bearer), set(&[Kind::Sms]));
    }
    let add = run.to(Endpoint::WalletAddToUser);
    assert_eq!(add.len(), 1);
    assert_eq!(add[0].status, Some(200));
    assert_eq!(add[0].body["walletAddress"], json!(new.to_checksum()));
    assert_eq!(
        kinds(add[0].bearer.as_deref().expect("a JWT")),
        set(&[Kind::Sms, Kind::Email])
    );
    assert!(run.prompts.iter().any(
        |p| matches!(p, Prompt::ConfirmLink { wallet_address, .. } if *wallet_address == new)
    ));
    assert!(run.events.iter().any(|e| matches!(
        e,
        FlowEvent::TokenRevoked {
            reason: RevokeReason::PhoneBelongsToAnotherUser,
            ..
        }
    )));
    assert!(run.events.iter().any(|e| matches!(
        e,
        FlowEvent::WalletLinked {
            verified: false,
            ..
        }
    )));

    // Ratio's view: attached to the right user, unverified; the old wallet untouched.
    let mut expected = vec![(old, true), (new, false)];
    expected.sort();
    assert_eq!(env.wallets_of(&user).await, expected);
    assert_eq!(env.user(&user).await["phoneNumber"], json!(PHONE));
    assert_session_reads_user(&env, outcome.session_jwt.expose(), &user).await;
    assert_no_secrets(&run);

    // The next sign-in with the new wallet finds the user and verifies the wallet.
    let again = env
        .drive(
            config(),
            start(new, FirstFactor::Wallet),
            &new_key,
            &Script::new(PHONE, EMAIL),
        )
        .await;
    assert_eq!(again.outcome().path, FlowPath::Returning);
    assert_eq!(
        again
            .outcome()
            .user_mask
            .as_ref()
            .and_then(|m| m.id.clone()),
        Some(user.clone())
    );
    let mut expected = vec![(old, true), (new, true)];
    expected.sort();
    assert_eq!(env.wallets_of(&user).await, expected);
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn link_path_with_verify_linked_wallet_verifies_it_at_once() {
    let env = start_sandbox(Duration::from_millis(300)).await;
    let (user, old, new_key) = link_setup(&env).await;
    let new = address_of(&new_key);
    let config = FlowConfig {
        verify_linked_wallet: true,
        ..config()
    };

    let run = env
        .drive(
            config,
            start(new, FirstFactor::Wallet),
            &new_key,
            &Script::new(PHONE, EMAIL),
        )
        .await;
    let outcome = run.outcome();
    assert_eq!(outcome.path, FlowPath::Linked);
    assert!(outcome.wallet_verified);
    assert_eq!(
        kinds(outcome.session_jwt.expose()),
        set(&[Kind::Wallet, Kind::Sms, Kind::Email])
    );

    // The re-sign comes after addToUser and carries the two-factor JWT.
    let add_at = run
        .exchanges
        .iter()
        .position(|x| x.endpoint == Endpoint::WalletAddToUser && x.status == Some(200))
        .expect("addToUser 200");
    let resign: Vec<&Exchange> = run.exchanges[add_at + 1..].iter().collect();
    assert_eq!(
        resign.iter().map(|x| x.endpoint).collect::<Vec<_>>(),
        [Endpoint::WalletStart, Endpoint::WalletAuthenticate]
    );
    for x in resign {
        assert_eq!(
            kinds(x.bearer.as_deref().expect("a JWT")),
            set(&[Kind::Sms, Kind::Email])
        );
    }
    assert!(
        run.events
            .iter()
            .any(|e| matches!(e, FlowEvent::WalletLinked { verified: true, .. }))
    );

    let mut expected = vec![(old, true), (new, true)];
    expected.sort();
    assert_eq!(env.wallets_of(&user).await, expected);
    assert_no_secrets(&run);
    env.sandbox.shutdown().await;
}

async fn factor_first(channel: Channel) {
    let env = start_sandbox(Duration::from_millis(300)).await;
    let user = env.create_user(PHONE, EMAIL, &[]).await;
    let key = key(&format!("factor first {channel}"));
    let wallet = address_of(&key);
    let (first_factor, kind, send, authenticate) = match channel {
        Channel::Sms => (
            FirstFactor::Sms,
            Kind::Sms,
            Endpoint::SmsSend,
            Endpoint::SmsAuthenticate,
        ),
        Channel::Email => (
            FirstFactor::Email,
            Kind::Email,
            Endpoint::EmailSend,
            Endpoint::EmailAuthenticate,
        ),
    };

    let run = env
        .drive(
            config(),
            start(wallet, first_factor),
            &key,
            &Script::new(PHONE, EMAIL),
        )
        .await;
    let outcome = run.outcome();
    assert_eq!(outcome.path, FlowPath::FactorFirst);
    assert!(outcome.wallet_verified);
    assert_eq!(
        kinds(outcome.session_jwt.expose()),
        set(&[kind, Kind::Wallet])
    );
    for x in run.to(send).iter().chain(&run.to(authenticate)) {
        assert_eq!(x.bearer, None, "the first factor carries no JWT");
    }
    for x in run
        .to(Endpoint::WalletStart)
        .iter()
        .chain(&run.to(Endpoint::WalletAuthenticate))
    {
        let bearer = x
            .bearer
            .as_deref()
            .expect("the wallet carries the first factor's JWT");
        assert_eq!(kinds(bearer), set(&[kind]));
    }
    // Ratio linked the wallet to the user whose factor came first, verified.
    assert_eq!(env.wallets_of(&user).await, vec![(wallet, true)]);
    assert_session_reads_user(&env, outcome.session_jwt.expose(), &user).await;
    assert_no_secrets(&run);
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn factor_first_with_sms_then_wallet() {
    factor_first(Channel::Sms).await;
}

#[tokio::test]
async fn factor_first_with_email_then_wallet() {
    factor_first(Channel::Email).await;
}

// ---------------------------------------------------------------------------------------------
// Failures the engine must survive
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn rate_limited_sends_are_retried_no_earlier_than_retry_after() {
    let env = start_sandbox(Duration::from_millis(300)).await;
    let key = key("rate limited");
    let wallet = address_of(&key);
    env.fault(
        json!({"path": "/v1/auth/otp/sms:send", "status": 429, "count": 2, "retryAfterSeconds": 1}),
    )
    .await;

    let run = env
        .drive(
            config(),
            start(wallet, FirstFactor::Wallet),
            &key,
            &Script::new(PHONE, EMAIL),
        )
        .await;
    assert_eq!(run.outcome().path, FlowPath::New);
    let sends = run.to(Endpoint::SmsSend);
    assert_eq!(statuses(&sends), [Some(429), Some(429), Some(200)]);
    for pair in sends.windows(2) {
        assert_eq!(pair[0].retry_after.as_deref(), Some("1"));
        assert!(
            pair[1].sent_ms >= pair[0].received_ms + 1_000,
            "retried {} ms after a 429 with Retry-After: 1",
            pair[1].sent_ms - pair[0].received_ms
        );
        // The retry is the same request, with the same (still current) token.
        assert_eq!(pair[1].body, pair[0].body);
        assert_eq!(pair[1].bearer, pair[0].bearer);
    }
    assert!(sends[2].sent.duration_since(sends[0].received) >= Duration::from_secs(2));
    let backoffs: Vec<_> = run
        .events
        .iter()
        .filter_map(|e| match e {
            FlowEvent::BackingOff {
                reason: RetryReason::RateLimited,
                until_ms,
                retry_after_ms,
                ..
            } => Some((*until_ms, *retry_after_ms)),
            _ => None,
        })
        .collect();
    assert_eq!(backoffs.len(), 2);
    for (until, retry_after) in backoffs {
        assert!(until >= retry_after.expect("Retry-After reported"));
    }
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_wrong_code_is_asked_again_then_the_right_one_signs_in() {
    let env = start_sandbox(Duration::from_millis(300)).await;
    let key = key("wrong code");
    let wallet = address_of(&key);
    let script = Script {
        wrong_sms_codes: 1,
        ..Script::new(PHONE, EMAIL)
    };

    let run = env
        .drive(config(), start(wallet, FirstFactor::Wallet), &key, &script)
        .await;
    assert_eq!(run.outcome().path, FlowPath::New);
    let codes: Vec<(u32, Option<InputProblem>)> = run
        .prompts
        .iter()
        .filter_map(|p| match p {
            Prompt::Otp {
                channel: Channel::Sms,
                attempt,
                problem,
                max_attempts,
                ..
            } => {
                assert_eq!(*max_attempts, 3);
                Some((*attempt, *problem))
            }
            _ => None,
        })
        .collect();
    assert_eq!(codes, [(1, None), (2, Some(InputProblem::WrongCode))]);
    let authenticates = run.to(Endpoint::SmsAuthenticate);
    assert_eq!(statuses(&authenticates), [Some(401), Some(200)]);
    assert_eq!(authenticates[0].code.as_deref(), Some("INVALID_OTP"));
    assert_ne!(authenticates[0].body["otp"], authenticates[1].body["otp"]);
    assert_eq!(
        authenticates[0].body["phoneId"],
        authenticates[1].body["phoneId"]
    );
    assert_eq!(run.to(Endpoint::SmsSend).len(), 1, "no new code was needed");
    assert!(run.events.iter().any(|e| matches!(
        e,
        FlowEvent::OtpRejected {
            channel: Channel::Sms,
            attempt: 1,
            attempts_left: 2
        }
    )));
    assert_no_secrets(&run);
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn declining_the_link_fails_with_a_conflict_and_attaches_nothing() {
    let env = start_sandbox(Duration::from_millis(300)).await;
    let (user, old, new_key) = link_setup(&env).await;
    let new = address_of(&new_key);
    let script = Script {
        confirm_link: false,
        ..Script::new(PHONE, EMAIL)
    };

    let run = env
        .drive(config(), start(new, FirstFactor::Wallet), &new_key, &script)
        .await;
    let error = run.error();
    assert_eq!(error.kind, ErrorKind::Conflict);
    assert_eq!(
        error.code.as_ref().map(|c| c.as_str()),
        Some("ALREADY_EXISTS_PHONE")
    );
    assert!(
        run.prompts
            .iter()
            .any(|p| matches!(p, Prompt::ConfirmLink { .. }))
    );
    // Nothing after the 409: no first-factor SMS, no email, no addToUser.
    assert_eq!(
        run.exchanges.last().map(|x| (x.endpoint, x.status)),
        Some((Endpoint::SmsSend, Some(409)))
    );
    assert!(run.to(Endpoint::WalletAddToUser).is_empty());
    assert_eq!(env.wallets_of(&user).await, vec![(old, true)]);
    assert_no_secrets(&run);
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn server_errors_and_a_dropped_connection_are_retried_then_the_flow_goes_on() {
    let env = start_sandbox(Duration::from_millis(300)).await;
    let key = key("flaky");
    let wallet = address_of(&key);
    env.fault(json!({"path": "/v1/auth/cryptoWallet:start", "status": 503, "count": 1}))
        .await;
    env.fault(json!({"path": "/v1/auth/otp/sms:send", "status": 500, "dropConnection": true}))
        .await;
    env.fault(json!({"path": "/v1/auth/otp/sms:authenticate", "status": 502,
                     "body": "<html><body>502 Bad Gateway</body></html>", "contentType": "text/html"}))
        .await;

    let run = env
        .drive(
            config(),
            start(wallet, FirstFactor::Wallet),
            &key,
            &Script::new(PHONE, EMAIL),
        )
        .await;
    assert_eq!(run.outcome().path, FlowPath::New);
    assert_eq!(
        statuses(&run.to(Endpoint::WalletStart)),
        [Some(503), Some(200)]
    );
    assert_eq!(statuses(&run.to(Endpoint::SmsSend)), [None, Some(200)]);
    assert_eq!(
        statuses(&run.to(Endpoint::SmsAuthenticate)),
        [Some(502), Some(200)]
    );
    // The code typed once is sent again as is: the 502 came before Ratio looked at it.
    let authenticates = run.to(Endpoint::SmsAuthenticate);
    assert_eq!(authenticates[0].body, authenticates[1].body);
    assert_eq!(
        run.prompts
            .iter()
            .filter(|p| matches!(p, Prompt::Otp { .. }))
            .count(),
        1
    );
    let reasons: Vec<RetryReason> = run
        .events
        .iter()
        .filter_map(|e| match e {
            FlowEvent::BackingOff { reason, .. } => Some(*reason),
            _ => None,
        })
        .collect();
    assert_eq!(
        reasons,
        [
            RetryReason::ServerError,
            RetryReason::Network,
            RetryReason::ServerError
        ]
    );
    env.sandbox.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Other readings of Ratio's docs (sandbox variants): the link path must not depend on them
// ---------------------------------------------------------------------------------------------

/// The link path against a sandbox playing `variants`: the new wallet must land, unverified, on
/// the existing user, and the wallet JWT must never go out after the conflict.
async fn link_path_against(variants: ratio_sandbox::Variants) -> support::Run {
    let env = start_sandbox_with(ratio_sandbox::Config {
        conflict_cooldown: Duration::from_millis(300),
        variants: variants.clone(),
        ..ratio_sandbox::Config::default()
    })
    .await;
    let (user, old, new_key) = link_setup(&env).await;
    let new = address_of(&new_key);
    let run = env
        .drive(
            config(),
            start(new, FirstFactor::Wallet),
            &new_key,
            &Script::new(PHONE, EMAIL),
        )
        .await;
    let outcome = run.outcome();
    assert_eq!(outcome.path, FlowPath::Linked, "{variants:?}");
    assert!(!outcome.wallet_verified);
    let mut expected = vec![(old, true), (new, false)];
    expected.sort();
    assert_eq!(env.wallets_of(&user).await, expected, "{variants:?}");
    let wallet_jwt = run.to(Endpoint::SmsSend)[0]
        .bearer
        .clone()
        .expect("the new user's SMS carries the wallet JWT");
    let conflict_at = run
        .exchanges
        .iter()
        .position(|x| x.status == Some(409))
        .expect("a 409");
    for x in &run.exchanges[conflict_at + 1..] {
        assert_ne!(x.bearer.as_deref(), Some(wallet_jwt.as_str()));
    }
    assert_session_reads_user(&env, outcome.session_jwt.expose(), &user).await;
    env.sandbox.shutdown().await;
    run
}

#[tokio::test]
async fn link_path_when_the_conflict_comes_at_sms_authenticate() {
    let run = link_path_against(ratio_sandbox::Variants {
        conflict_at_authenticate: true,
        ..Default::default()
    })
    .await;
    let first_check = run.to(Endpoint::SmsAuthenticate)[0];
    assert_eq!(first_check.status, Some(409));
    assert!(
        first_check.bearer.is_some(),
        "the new user's code check carries the wallet JWT"
    );
    assert_eq!(run.to(Endpoint::SmsSend)[0].status, Some(200));
}

#[tokio::test]
async fn link_path_with_tokens_that_carry_no_factors_claim() {
    let run = link_path_against(ratio_sandbox::Variants {
        tokens_without_factors: true,
        ..Default::default()
    })
    .await;
    let jwt = run.outcome().session_jwt.expose().to_owned();
    let payload = jwt_payload(&jwt).unwrap_or_default();
    assert!(
        payload.get("https://stytch.com/session").is_none(),
        "{payload}"
    );
    // The ledger's own account: SMS then email.
    assert_eq!(
        run.outcome().factors,
        vec![
            ratio_auth::jwt::FactorKind::Sms,
            ratio_auth::jwt::FactorKind::Email
        ]
    );
}

#[tokio::test]
async fn link_path_with_error_codes_spelled_otherwise() {
    let run = link_path_against(ratio_sandbox::Variants {
        error_codes: ratio_sandbox::ErrorCodes::Renamed,
        ..Default::default()
    })
    .await;
    assert_eq!(
        run.to(Endpoint::SmsSend)[0].code.as_deref(),
        Some("PHONE_ALREADY_EXISTS")
    );
}

#[tokio::test]
async fn link_path_with_error_bodies_without_codes_or_messages() {
    let run = link_path_against(ratio_sandbox::Variants {
        error_codes: ratio_sandbox::ErrorCodes::Absent,
        null_messages: true,
        ..Default::default()
    })
    .await;
    assert_eq!(run.to(Endpoint::SmsSend)[0].code, None);
}

#[tokio::test]
async fn link_path_with_plain_text_errors_and_an_empty_add_to_user_answer() {
    let run = link_path_against(ratio_sandbox::Variants {
        error_codes: ratio_sandbox::ErrorCodes::PlainText,
        add_to_user_body: ratio_sandbox::AddToUserBody::Nothing,
        ..Default::default()
    })
    .await;
    assert_eq!(run.to(Endpoint::SmsSend)[0].status, Some(409));
    assert_eq!(run.to(Endpoint::WalletAddToUser)[0].status, Some(200));
}

#[tokio::test]
async fn link_path_with_a_null_add_to_user_answer() {
    link_path_against(ratio_sandbox::Variants {
        add_to_user_body: ratio_sandbox::AddToUserBody::Null,
        ..Default::default()
    })
    .await;
}

#[tokio::test]
async fn a_wrong_code_is_asked_again_when_the_401_has_another_spelling() {
    let env = start_sandbox_with(ratio_sandbox::Config {
        variants: ratio_sandbox::Variants {
            error_codes: ratio_sandbox::ErrorCodes::Renamed,
            ..Default::default()
        },
        ..ratio_sandbox::Config::default()
    })
    .await;
    let key = key("renamed otp");
    let wallet = address_of(&key);
    let mut script = Script::new(PHONE, EMAIL);
    script.wrong_sms_codes = 1;
    let run = env
        .drive(config(), start(wallet, FirstFactor::Wallet), &key, &script)
        .await;
    assert_eq!(run.outcome().path, FlowPath::New);
    let checks = run.to(Endpoint::SmsAuthenticate);
    assert_eq!(statuses(&checks), [Some(401), Some(200)]);
    assert_eq!(checks[0].code.as_deref(), Some("OTP_INVALID"));
    assert!(run.prompts.iter().any(|p| matches!(
        p,
        Prompt::Otp {
            problem: Some(InputProblem::WrongCode),
            ..
        }
    )));
    env.sandbox.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Lost answers: the server acted, the answer never arrived
// ---------------------------------------------------------------------------------------------

/// A new user's wallet + SMS sign-in against a sandbox with one fault rule set.
async fn new_user_after_fault(label: &str, fault: serde_json::Value) -> (Env, support::Run) {
    let env = start_sandbox(Duration::from_millis(300)).await;
    let key = key(label);
    env.fault(fault).await;
    let run = env
        .drive(
            config(),
            start(address_of(&key), FirstFactor::Wallet),
            &key,
            &Script::new(PHONE, EMAIL),
        )
        .await;
    (env, run)
}

#[tokio::test]
async fn a_lost_wallet_authenticate_answer_is_signed_again_with_a_new_challenge() {
    let (env, run) = new_user_after_fault(
        "lost wallet answer",
        json!({"path": "/v1/auth/cryptoWallet:authenticate", "status": 503, "afterHandler": true}),
    )
    .await;
    assert_eq!(run.outcome().path, FlowPath::New);
    let auths = run.to(Endpoint::WalletAuthenticate);
    assert_eq!(statuses(&auths), [Some(503), Some(200)]);
    assert_ne!(
        auths[0].body["signature"], auths[1].body["signature"],
        "the same signature sent twice"
    );
    assert_eq!(
        statuses(&run.to(Endpoint::WalletStart)),
        [Some(200), Some(200)]
    );
    assert!(run.events.iter().any(|e| matches!(
        e,
        FlowEvent::SigningAgain {
            reason: RetryReason::ServerError,
            ..
        }
    )));
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_lost_code_check_answer_sends_a_new_code_without_charging_an_attempt() {
    let (env, run) = new_user_after_fault(
        "lost otp answer",
        json!({"path": "/v1/auth/otp/sms:authenticate", "status": 200,
               "dropConnection": true, "afterHandler": true}),
    )
    .await;
    assert_eq!(run.outcome().path, FlowPath::New);
    // The code was used by the lost call; its retry is refused; a new code is sent at once.
    assert_eq!(
        statuses(&run.to(Endpoint::SmsAuthenticate)),
        [None, Some(401), Some(200)]
    );
    assert_eq!(statuses(&run.to(Endpoint::SmsSend)), [Some(200), Some(200)]);
    assert!(run.events.iter().any(|e| matches!(
        e,
        FlowEvent::CodeResentAfterLostAnswer {
            channel: Channel::Sms
        }
    )));
    let code_prompts: Vec<&Prompt> = run
        .prompts
        .iter()
        .filter(|p| matches!(p, Prompt::Otp { .. }))
        .collect();
    assert_eq!(code_prompts.len(), 2);
    for prompt in code_prompts {
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
    }
    env.sandbox.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Smart-contract wallets
// ---------------------------------------------------------------------------------------------

/// A contract wallet (its own address, no key) owned by `owner`, registered with the sandbox.
async fn contract_wallet(env: &Env, label: &str, owner: &k256::ecdsa::SigningKey) -> Address {
    let wallet = address_of(&key(label));
    let (status, body) = env
        .sandbox_post(
            "/sandbox/contract-wallets",
            json!({"address": wallet.to_checksum(), "owner": address_of(owner).to_checksum()}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    wallet
}

#[tokio::test]
async fn a_contract_wallet_signs_in_with_its_owners_signature() {
    let env = start_sandbox(Duration::from_millis(300)).await;
    let owner = key("safe owner");
    let wallet = contract_wallet(&env, "safe", &owner).await;
    let script = Script {
        has_code: true,
        foreign_signer: true,
        ..Script::new(PHONE, EMAIL)
    };
    let run = env
        .drive(
            config(),
            start(wallet, FirstFactor::Wallet),
            &owner,
            &script,
        )
        .await;
    let outcome = run.outcome();
    assert_eq!(outcome.wallet_kind, WalletKind::Contract);
    assert_eq!(outcome.wallet_address, wallet);
    assert_eq!(outcome.path, FlowPath::New);
    assert_eq!(
        kinds(outcome.session_jwt.expose()),
        set(&[Kind::Wallet, Kind::Sms])
    );
    assert!(run.events.iter().any(|e| matches!(
        e,
        FlowEvent::SignatureLeftToServer {
            wallet_kind: WalletKind::Contract,
            ..
        }
    )));
}

#[tokio::test]
async fn a_server_without_contract_wallets_refuses_with_a_typed_error() {
    let env = start_sandbox_with(ratio_sandbox::Config {
        variants: ratio_sandbox::Variants {
            no_contract_wallets: true,
            ..ratio_sandbox::Variants::default()
        },
        ..ratio_sandbox::Config::default()
    })
    .await;
    let owner = key("safe owner 2");
    let wallet = contract_wallet(&env, "safe 2", &owner).await;
    let script = Script {
        has_code: true,
        foreign_signer: true,
        ..Script::new(PHONE, EMAIL)
    };
    let run = env
        .drive(
            config(),
            start(wallet, FirstFactor::Wallet),
            &owner,
            &script,
        )
        .await;
    let error = run.error();
    assert_eq!(error.kind, ErrorKind::ContractWalletRefused);
    assert_eq!(error.status, Some(401));
    assert!(
        error
            .message
            .contains("does not accept contract-wallet signatures"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn an_owner_signature_for_an_account_without_code_is_refused_locally() {
    let env = start_sandbox(Duration::from_millis(300)).await;
    let owner = key("not an owner");
    let wallet = address_of(&key("plain account"));
    let run = env
        .drive(
            config(),
            start(wallet, FirstFactor::Wallet),
            &owner,
            // The driver answers "no code", but still lets a foreign key sign.
            &Script {
                foreign_signer: true,
                ..Script::new(PHONE, EMAIL)
            },
        )
        .await;
    assert!(matches!(
        run.error().kind,
        ErrorKind::SignatureMismatch {
            signed_by: Some(signer),
            ..
        } if signer == address_of(&owner)
    ));
    assert!(
        run.exchanges
            .iter()
            .all(|x| x.endpoint != Endpoint::WalletAuthenticate),
        "nothing was sent"
    );
}
