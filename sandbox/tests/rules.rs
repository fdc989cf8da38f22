//! Every rule of issue 2, with its status and Ratio code, over real HTTP against an in-process
//! sandbox. Wallets are real k256 keys signing real EIP-191 signatures.

mod support;

use std::time::Duration;

use k256::ecdsa::Signature;
use ratio_sandbox::{Config, Limits};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

// ---------------------------------------------------------------- client credentials

#[tokio::test]
async fn every_v1_call_needs_client_credentials() {
    let t = start().await;
    let posts = [
        WALLET_START,
        WALLET_AUTH,
        ADD_TO_USER,
        SMS_SEND,
        SMS_AUTH,
        EMAIL_SEND,
        EMAIL_AUTH,
        "/v1/users",
        "/v1/client/sessions",
    ];
    let body = json!({"phoneNumber": phone(1)});
    for path in posts {
        // None, a wrong secret, a wrong id.
        let none = reply(t.http.post(t.url(path)).json(&body).send().await.unwrap()).await;
        none.error(401, "INVALID_CLIENT_SECRET");
        let wrong_secret = reply(
            t.http
                .post(t.url(path))
                .header("ratio-client-id", "sandbox")
                .header("ratio-client-secret", "nope")
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        wrong_secret.error(401, "INVALID_CLIENT_SECRET");
        let wrong_id = reply(
            t.http
                .post(t.url(path))
                .header("ratio-client-id", "other")
                .header("ratio-client-secret", "sandbox-secret")
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        wrong_id.error(401, "INVALID_CLIENT_SECRET");
    }
    let get = reply(t.http.get(t.url("/v1/users/x")).send().await.unwrap()).await;
    get.error(401, "INVALID_CLIENT_SECRET");
    // With credentials the same send succeeds; /sandbox/* needs none.
    t.post(SMS_SEND, body, None).await.ok();
    t.sandbox_get("/sandbox/outbox").await.ok();
}

#[tokio::test]
async fn client_id_and_secret_come_from_config() {
    let t = start_with(Config {
        client_id: "acme".into(),
        client_secret: "s3cret".into(),
        ..Config::default()
    })
    .await;
    let body = json!({"phoneNumber": phone(1)});
    t.post(SMS_SEND, body.clone(), None)
        .await
        .error(401, "INVALID_CLIENT_SECRET");
    let r = t
        .http
        .post(t.url(SMS_SEND))
        .header("ratio-client-id", "acme")
        .header("ratio-client-secret", "s3cret")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn client_session_replaces_the_secret_for_its_wallet_only() {
    let t = start().await;
    let wallet = Wallet::new("client-session");
    let other = Wallet::new("someone-else");
    let created = t
        .post(
            "/v1/client/sessions",
            json!({"signingAddress": wallet.checksum(), "signingType": "EVM"}),
            None,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(created.body["signingAddress"], json!(wallet.checksum()));
    assert_eq!(
        created.body["depositAddress"],
        json!(wallet.checksum()),
        "deposit defaults to signing"
    );
    assert_eq!(created.body["signingType"], json!("EVM"));

    let as_browser = |path: &str, body: Value| {
        t.http
            .post(t.url(path))
            .header("ratio-client-session-id", id.clone())
            .json(&body)
            .send()
    };
    // Its signing wallet may sign in without the secret...
    let start = reply(
        as_browser(
            WALLET_START,
            json!({"walletAddress": wallet.checksum(), "walletType": "EVM"}),
        )
        .await
        .unwrap(),
    )
    .await;
    start.ok();
    let challenge = start.body["challenge"].as_str().unwrap();
    let auth = reply(
        as_browser(
            WALLET_AUTH,
            json!({"walletAddress": wallet.checksum(), "walletType": "EVM", "signature": wallet.sign(challenge)}),
        )
        .await
        .unwrap(),
    )
    .await;
    auth.ok();
    // ...another wallet may not.
    let wrong = reply(
        as_browser(
            WALLET_START,
            json!({"walletAddress": other.checksum(), "walletType": "EVM"}),
        )
        .await
        .unwrap(),
    )
    .await;
    wrong.error(400, "INVALID_WALLET_ADDRESS");
    let wrong_auth = reply(
        as_browser(WALLET_AUTH, json!({"walletAddress": other.checksum(), "walletType": "EVM", "signature": other.sign("x")}))
            .await
            .unwrap(),
    )
    .await;
    wrong_auth.error(400, "INVALID_WALLET_ADDRESS");
    // OTP calls work under the client session too.
    reply(
        as_browser(SMS_SEND, json!({"phoneNumber": phone(9)}))
            .await
            .unwrap(),
    )
    .await
    .ok();
    // Creating a client session is backend-only.
    let nested = reply(
        as_browser(
            "/v1/client/sessions",
            json!({"signingAddress": wallet.checksum(), "signingType": "EVM"}),
        )
        .await
        .unwrap(),
    )
    .await;
    nested.error(401, "INVALID_CLIENT_SECRET");
    // An unknown client session id is no credential.
    let unknown = reply(
        t.http
            .post(t.url(SMS_SEND))
            .header("ratio-client-session-id", "nope")
            .json(&json!({"phoneNumber": phone(9)}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    unknown.error(401, "INVALID_CLIENT_SECRET");

    // GET needs no credentials, answers once with the result, then 410.
    let first = t.sandbox_get(&format!("/v1/client/sessions/{id}")).await;
    first.ok();
    assert_eq!(first.body["id"], json!(id));
    assert_eq!(first.body["sessionJwt"], json!(auth.jwt()));
    t.sandbox_get(&format!("/v1/client/sessions/{id}"))
        .await
        .error(410, "GONE");
    t.sandbox_get("/v1/client/sessions/unknown")
        .await
        .error(404, "NOT_FOUND");
    // Bad input on create.
    t.post(
        "/v1/client/sessions",
        json!({"signingAddress": "0x12", "signingType": "EVM"}),
        None,
    )
    .await
    .error(400, "INVALID_WALLET_ADDRESS");
    t.post(
        "/v1/client/sessions",
        json!({"signingAddress": wallet.checksum(), "signingType": "BTC"}),
        None,
    )
    .await
    .error(400, "INVALID_WALLET_TYPE");
}

// ---------------------------------------------------------------- challenges

#[tokio::test]
async fn challenges_are_random_and_single_use() {
    let t = start().await;
    let w = Wallet::new("single-use");
    let a = t.challenge(&w, None).await;
    let b = t.challenge(&w, None).await;
    assert_ne!(a, b);
    let token = a.strip_prefix("Signing in with Ratio: ").expect("prefix");
    assert!(
        token.len() >= 32
            && token
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
        "{token}"
    );
    // Both pending challenges are usable, each once.
    let sig_a = w.sign(&a);
    t.wallet_authenticate(&w, &sig_a, None).await.ok();
    t.wallet_authenticate(&w, &sig_a, None)
        .await
        .error(400, "INVALID_SIGNATURE");
    let sig_b = w.sign(&b);
    t.wallet_authenticate(&w, &sig_b, None).await.ok();
    t.wallet_authenticate(&w, &sig_b, None)
        .await
        .error(400, "INVALID_SIGNATURE");
    // No challenge at all.
    let fresh = Wallet::new("never-started");
    t.wallet_authenticate(&fresh, &fresh.sign("Signing in with Ratio: made-up"), None)
        .await
        .error(400, "INVALID_SIGNATURE");
}

#[tokio::test]
async fn challenges_expire_after_five_minutes() {
    let t = start().await;
    let w = Wallet::new("expiry");
    let early = t.challenge(&w, None).await;
    t.advance(Duration::from_secs(5 * 60 - 2));
    t.wallet_authenticate(&w, &w.sign(&early), None).await.ok();
    let late = t.challenge(&w, None).await;
    t.advance(Duration::from_secs(5 * 60));
    t.wallet_authenticate(&w, &w.sign(&late), None)
        .await
        .error(400, "INVALID_SIGNATURE");
}

#[tokio::test]
async fn signatures_must_recover_to_the_wallet() {
    let t = start().await;
    let w = Wallet::new("signer");
    let thief = Wallet::new("thief");
    let challenge = t.challenge(&w, None).await;
    // Three bad signatures burn a wallet's challenges (tests/hostile.rs), so each attempt
    // below first asks for a fresh one: every check then meets a pending challenge.
    // Another key over the right challenge, the right key over another text.
    t.wallet_authenticate(&w, &thief.sign(&challenge), None)
        .await
        .error(400, "INVALID_SIGNATURE");
    t.challenge(&w, None).await;
    t.wallet_authenticate(&w, &w.sign("Signing in with Ratio: other"), None)
        .await
        .error(400, "INVALID_SIGNATURE");
    // Malformed.
    let good = w.sign(&challenge);
    for bad in [
        "",
        "0x",
        "0x1234",
        "zz",
        &good[..good.len() - 2],
        &format!("{good}00"),
        &good.replace('a', "g"),
    ] {
        t.challenge(&w, None).await;
        t.wallet_authenticate(&w, bad, None)
            .await
            .error(400, "INVALID_SIGNATURE");
    }
    // v = 29 is not a recovery id.
    let v29 = format!("{}1d", &good[..good.len() - 2]);
    t.challenge(&w, None).await;
    t.wallet_authenticate(&w, &v29, None)
        .await
        .error(400, "INVALID_SIGNATURE");
    // A failed attempt does not use up a fresh challenge.
    let challenge = t.challenge(&w, None).await;
    t.wallet_authenticate(&w, &thief.sign(&challenge), None)
        .await
        .error(400, "INVALID_SIGNATURE");
    t.wallet_authenticate(&w, &w.sign(&challenge), None)
        .await
        .ok();
}

#[tokio::test]
async fn signature_encodings_accepted() {
    let t = start().await;
    let w = Wallet::new("encodings");

    // v 27/28 as signed, `0x`.
    let c = t.challenge(&w, None).await;
    t.wallet_authenticate(&w, &w.sign(&c), None).await.ok();

    // v 0/1.
    let c = t.challenge(&w, None).await;
    let sig = w.sign(&c);
    let v = u8::from_str_radix(&sig[130..132], 16).unwrap();
    assert!(v == 27 || v == 28);
    let v01 = format!("{}{:02x}", &sig[..130], v - 27);
    t.wallet_authenticate(&w, &v01, None).await.ok();

    // Bare hex, no `0x`.
    let c = t.challenge(&w, None).await;
    let sig = w.sign(&c);
    t.wallet_authenticate(&w, &sig[2..], None).await.ok();

    // High-s (s → n − s, recovery bit flipped), as some wallets emit.
    let c = t.challenge(&w, None).await;
    let sig = w.sign(&c);
    let bytes = hex::decode(&sig[2..]).unwrap();
    let low = Signature::from_slice(&bytes[..64]).unwrap();
    let (r, s) = low.split_scalars();
    let high = Signature::from_scalars(r.to_bytes(), (-s).to_bytes()).unwrap();
    assert!(high.normalize_s().is_some(), "really high-s");
    let flipped = if bytes[64] == 27 { 28u8 } else { 27u8 };
    let high_hex = format!("0x{}{:02x}", hex::encode(high.to_bytes()), flipped);
    t.wallet_authenticate(&w, &high_hex, None).await.ok();
}

#[tokio::test]
async fn addresses_compare_case_insensitively_but_mixed_case_must_be_eip55() {
    let t = start().await;
    let w = Wallet::new("case");
    let lower = w.checksum().to_lowercase();
    let upper = format!("0x{}", w.checksum()[2..].to_uppercase());
    // All-lower start, checksum authenticate: one address.
    let r = t
        .post(
            WALLET_START,
            json!({"walletAddress": lower, "walletType": "EVM"}),
            None,
        )
        .await;
    r.ok();
    let sig = w.sign(r.body["challenge"].as_str().unwrap());
    t.post(
        WALLET_AUTH,
        json!({"walletAddress": upper, "walletType": "EVM", "signature": sig}),
        None,
    )
    .await
    .ok();

    // Mixed case with a broken checksum: flip the case of one letter.
    let checksum = w.checksum();
    let i = checksum[2..]
        .find(|c: char| c.is_ascii_alphabetic())
        .expect("a letter")
        + 2;
    let mut broken: Vec<char> = checksum.chars().collect();
    broken[i] = if broken[i].is_ascii_uppercase() {
        broken[i].to_ascii_lowercase()
    } else {
        broken[i].to_ascii_uppercase()
    };
    let broken: String = broken.into_iter().collect();
    assert_ne!(broken, checksum);
    t.post(
        WALLET_START,
        json!({"walletAddress": broken, "walletType": "EVM"}),
        None,
    )
    .await
    .error(400, "INVALID_WALLET_ADDRESS");
    t.post(
        WALLET_AUTH,
        json!({"walletAddress": broken, "walletType": "EVM", "signature": sig}),
        None,
    )
    .await
    .error(400, "INVALID_WALLET_ADDRESS");
    for bad in [
        "",
        "0x12",
        "1234567890123456789012345678901234567890",
        "0xZZ34567890123456789012345678901234567890",
    ] {
        t.post(
            WALLET_START,
            json!({"walletAddress": bad, "walletType": "EVM"}),
            None,
        )
        .await
        .error(400, "INVALID_WALLET_ADDRESS");
    }
    t.post(
        WALLET_START,
        json!({"walletAddress": checksum, "walletType": "SOLANA"}),
        None,
    )
    .await
    .error(400, "INVALID_WALLET_TYPE");
    t.post(WALLET_START, json!({"walletType": "EVM"}), None)
        .await
        .error(400, "MISSING_WALLET_ADDRESS");
    t.post(WALLET_START, json!({"walletAddress": checksum}), None)
        .await
        .error(400, "MISSING_WALLET_TYPE");
    t.post(
        WALLET_AUTH,
        json!({"walletAddress": checksum, "walletType": "EVM"}),
        None,
    )
    .await
    .error(400, "MISSING_SIGNATURE");
}

// ---------------------------------------------------------------- JWTs

#[tokio::test]
async fn jwt_has_the_stytch_shape() {
    let t = start().await;
    let w = Wallet::new("shape");
    let user = t
        .create_user(&phone(1), "shape@example.com", Some(&w))
        .await;
    let one = t.wallet_login(&w, None).await;
    one.ok();
    let two = t.sms_login(&phone(1), Some(&one.jwt())).await;
    two.ok();
    let three = t.email_login("Shape@Example.com", Some(&two.jwt())).await;
    three.ok();
    let jwt = three.jwt();
    let (header, claims) = jwt_parts(&jwt);
    assert_eq!(header["alg"], json!("HS256"));
    assert_eq!(claims["sub"], json!(user));
    assert_eq!(claims["iss"], json!("ratio-sandbox"));
    let iat = claims["iat"].as_u64().unwrap();
    assert_eq!(claims["exp"].as_u64().unwrap(), iat + 300);
    let session = &claims["https://stytch.com/session"];
    assert_eq!(
        session["session_id"],
        session_claim(&one.jwt())["session_id"],
        "same session throughout"
    );
    for key in ["started_at", "last_accessed_at", "expires_at"] {
        assert!(
            humantime::parse_rfc3339(session[key].as_str().unwrap()).is_ok(),
            "{key}"
        );
    }
    let factors = session["authentication_factors"].as_array().unwrap();
    assert_eq!(factors.len(), 3);
    let phone_id = factors[1]["phone_number_factor"]["phone_id"]
        .as_str()
        .unwrap();
    assert!(phone_id.starts_with("phone-number-"));
    assert_eq!(
        factors[0],
        json!({"type": "crypto", "delivery_method": "crypto_wallet",
               "crypto_wallet_factor": {"crypto_wallet_address": w.checksum(), "crypto_wallet_type": "ethereum"}})
    );
    assert_eq!(
        factors[1],
        json!({"type": "otp", "delivery_method": "sms",
               "phone_number_factor": {"phone_id": phone_id, "phone_number": phone(1)}})
    );
    let email_id = factors[2]["email_factor"]["email_id"].as_str().unwrap();
    assert!(email_id.starts_with("email-"));
    assert_eq!(
        factors[2],
        json!({"type": "otp", "delivery_method": "email",
               "email_factor": {"email_id": email_id, "email_address": "shape@example.com"}})
    );
    // The same factor kind again replaces, not appends.
    let again = t.sms_login(&phone(1), Some(&jwt)).await;
    again.ok();
    assert_eq!(
        factor_methods(&again.jwt()),
        ["crypto_wallet", "sms", "email"]
    );
}

#[tokio::test]
async fn bad_tokens_get_401() {
    let t = start().await;
    t.create_user(&phone(1), "a@example.com", None).await;
    let login = t.sms_login(&phone(1), None).await;
    login.ok();
    let jwt = login.jwt();
    let send = |bearer: String| {
        let t = &t;
        async move {
            t.post(SMS_SEND, json!({"phoneNumber": phone(1)}), Some(&bearer))
                .await
        }
    };
    // Control: the genuine token works.
    send(jwt.clone()).await.ok();

    let (header, payload) = jwt_parts(&jwt);
    let parts: Vec<&str> = jwt.split('.').collect();
    // Payload changed (another sub), signature kept.
    let mut forged = payload.clone();
    forged["sub"] = json!("someone-else");
    send(format!("{}.{}.{}", parts[0], b64(&forged), parts[2]))
        .await
        .error(401, "INVALID_JWT");
    // Signature changed.
    let mut sig = parts[2].to_string();
    let last = if sig.ends_with('A') { "B" } else { "A" };
    sig.replace_range(sig.len() - 1.., last);
    send(format!("{}.{}.{sig}", parts[0], parts[1]))
        .await
        .error(401, "INVALID_JWT");
    // alg none, with and without a signature.
    let none = b64(&json!({"alg": "none", "typ": "JWT"}));
    send(format!("{none}.{}.", parts[1]))
        .await
        .error(401, "INVALID_JWT");
    send(format!("{none}.{}.{}", parts[1], parts[2]))
        .await
        .error(401, "INVALID_JWT");
    // Another algorithm named in the header.
    let mut hs512 = header.clone();
    hs512["alg"] = json!("HS512");
    send(format!("{}.{}.{}", b64(&hs512), parts[1], parts[2]))
        .await
        .error(401, "INVALID_JWT");
    let mut rs256 = header.clone();
    rs256["alg"] = json!("RS256");
    send(format!("{}.{}.{}", b64(&rs256), parts[1], parts[2]))
        .await
        .error(401, "INVALID_JWT");
    // Malformed.
    for bad in ["garbage", "a.b.c", "", "..."] {
        let r = t
            .with_creds(t.http.post(t.url(SMS_SEND)))
            .header("authorization", format!("Bearer {bad}"))
            .json(&json!({"phoneNumber": phone(1)}))
            .send()
            .await
            .unwrap();
        reply(r).await.error(401, "INVALID_JWT");
    }
    let basic = t
        .with_creds(t.http.post(t.url(SMS_SEND)))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .json(&json!({"phoneNumber": phone(1)}))
        .send()
        .await
        .unwrap();
    reply(basic).await.error(401, "INVALID_JWT");
    // A token of another sandbox (another key).
    let other = start().await;
    other.create_user(&phone(1), "a@example.com", None).await;
    let foreign = other.sms_login(&phone(1), None).await.jwt();
    send(foreign).await.error(401, "INVALID_JWT");
}

#[tokio::test]
async fn expired_tokens_get_expired_jwt() {
    let t = start().await;
    t.create_user(&phone(1), "a@example.com", None).await;
    let jwt = t.sms_login(&phone(1), None).await.jwt();
    let exp = claims(&jwt)["exp"].as_u64().unwrap();
    // `exp` is whole seconds: move the sandbox clock to half a second before it...
    let now = t
        .sandbox
        .clock()
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let to_exp = Duration::from_secs(exp).saturating_sub(now);
    assert!(to_exp > Duration::from_secs(298), "{to_exp:?}");
    t.advance(to_exp - Duration::from_millis(500));
    t.post(SMS_SEND, json!({"phoneNumber": phone(1)}), Some(&jwt))
        .await
        .ok();
    // ...and past it.
    t.advance(Duration::from_secs(1));
    let r = t
        .post(SMS_SEND, json!({"phoneNumber": phone(1)}), Some(&jwt))
        .await;
    r.error(401, "EXPIRED_JWT");
}

#[tokio::test]
async fn idle_sessions_end_after_ten_minutes() {
    // Tokens live longer than the idle limit here, so idleness is what ends the session.
    let limits = Limits {
        jwt_ttl: Duration::from_secs(3600),
        ..Limits::default()
    };
    let t = start_with(Config {
        limits,
        ..Config::default()
    })
    .await;
    t.create_user(&phone(1), "a@example.com", None).await;
    let jwt = t.sms_login(&phone(1), None).await.jwt();
    t.advance(Duration::from_secs(9 * 60));
    t.post(SMS_SEND, json!({"phoneNumber": phone(1)}), Some(&jwt))
        .await
        .ok();
    // Used at 9 min: idle counts from then.
    t.advance(Duration::from_secs(9 * 60));
    t.post(SMS_SEND, json!({"phoneNumber": phone(1)}), Some(&jwt))
        .await
        .ok();
    t.advance(Duration::from_secs(10 * 60));
    t.post(SMS_SEND, json!({"phoneNumber": phone(1)}), Some(&jwt))
        .await
        .error(401, "INVALID_JWT");
}

#[tokio::test]
async fn near_expiry_responses_carry_a_fresh_token() {
    let t = start().await;
    t.create_user(&phone(1), "a@example.com", None).await;
    let jwt = t.sms_login(&phone(1), None).await.jwt();
    // 61 s left: no refresh.
    t.advance(Duration::from_secs(239));
    let r = t
        .post(SMS_SEND, json!({"phoneNumber": phone(1)}), Some(&jwt))
        .await;
    r.ok();
    assert!(r.header("ratio-authentication-refresh").is_none());
    // 59 s left: a fresh token of the same session, with the same factors and a full lifetime.
    t.advance(Duration::from_secs(2));
    let r = t
        .post(SMS_SEND, json!({"phoneNumber": phone(1)}), Some(&jwt))
        .await;
    r.ok();
    let fresh = r
        .header("ratio-authentication-refresh")
        .expect("refresh header")
        .to_string();
    assert_ne!(fresh, jwt);
    let (old, new) = (claims(&jwt), claims(&fresh));
    assert_eq!(new["sub"], old["sub"]);
    assert_eq!(
        session_claim(&fresh)["session_id"],
        session_claim(&jwt)["session_id"]
    );
    assert_eq!(factor_methods(&fresh), factor_methods(&jwt));
    assert_eq!(
        new["exp"].as_u64().unwrap(),
        new["iat"].as_u64().unwrap() + 300
    );
    assert!(new["exp"].as_u64().unwrap() >= old["exp"].as_u64().unwrap() + 240);
    // The fresh token outlives the old one.
    t.advance(Duration::from_secs(60));
    t.post(SMS_SEND, json!({"phoneNumber": phone(1)}), Some(&jwt))
        .await
        .error(401, "EXPIRED_JWT");
    // (A sixth send in the minute would be rate limited, so use email with the fresh token.)
    let r = t
        .post(
            EMAIL_SEND,
            json!({"emailAddress": "a@example.com"}),
            Some(&fresh),
        )
        .await;
    r.ok();
    assert!(r.header("ratio-authentication-refresh").is_none());
}

// ---------------------------------------------------------------- wallet authenticate

#[tokio::test]
async fn known_verified_wallet_returns_its_user() {
    let t = start().await;
    let w = Wallet::new("known");
    let user = t
        .create_user(&phone(1234), "ratty@example.com", Some(&w))
        .await;
    let r = t.wallet_login(&w, None).await;
    r.ok();
    let mask = &r.body["userMask"];
    assert_eq!(mask["id"], json!(user));
    assert_eq!(mask["phoneMask"], json!("1234"));
    assert_eq!(mask["emailMask"], json!("rat…@example.com"));
    assert!(r.body.get("user").is_none(), "one factor: no full user");
    assert_eq!(claims(&r.jwt())["sub"], json!(user));
}

#[tokio::test]
async fn unverified_wallet_is_verified_by_authenticating() {
    let t = start().await;
    let w = Wallet::new("unverified");
    let r = t
        .sandbox_post(
            "/sandbox/users",
            json!({"phoneNumber": phone(1), "emailAddress": "u@example.com",
                   "wallets": [{"address": w.checksum(), "verified": false}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let user = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(t.wallets_of(&user).await, [(w.checksum(), false)]);
    let login = t.wallet_login(&w, None).await;
    login.ok();
    assert_eq!(login.body["userMask"]["id"], json!(user));
    assert_eq!(t.wallets_of(&user).await, [(w.checksum(), true)]);
}

#[tokio::test]
async fn unknown_wallet_is_a_new_user() {
    let t = start().await;
    t.create_user(&phone(1), "a@example.com", None).await;
    let w = Wallet::new("unknown");
    let r = t.wallet_login(&w, None).await;
    r.ok();
    assert!(r.body.get("userMask").is_none(), "{}", r.text);
    assert!(
        claims(&r.jwt())["sub"]
            .as_str()
            .unwrap()
            .starts_with("new-user-")
    );
    assert_eq!(factor_methods(&r.jwt()), ["crypto_wallet"]);
}

#[tokio::test]
async fn wallet_with_an_existing_users_jwt_is_linked() {
    let t = start().await;
    let user = t.create_user(&phone(1), "a@example.com", None).await;
    let sms = t.sms_login(&phone(1), None).await;
    sms.ok();
    assert_eq!(sms.body["userMask"]["id"], json!(user));
    let w = Wallet::new("linked");
    let r = t.wallet_login(&w, Some(&sms.jwt())).await;
    r.ok();
    assert_eq!(r.body["userMask"]["id"], json!(user));
    assert_eq!(
        r.body["user"]["id"],
        json!(user),
        "two factors: the full user too"
    );
    assert_eq!(factor_methods(&r.jwt()), ["sms", "crypto_wallet"]);
    assert_eq!(t.wallets_of(&user).await, [(w.checksum(), true)]);
    // Next time the wallet alone finds the user.
    assert_eq!(
        t.wallet_login(&w, None).await.body["userMask"]["id"],
        json!(user)
    );
    // A wallet verified by someone else cannot be taken this way.
    let owned = Wallet::new("owned");
    t.create_user(&phone(2), "b@example.com", Some(&owned))
        .await;
    t.wallet_login(&owned, Some(&sms.jwt()))
        .await
        .error(409, "ALREADY_EXISTS_WALLET_ADDRESS");
}

#[tokio::test]
async fn a_second_factor_joins_only_the_session_of_the_jwt() {
    let t = start().await;
    let w = Wallet::new("join");
    t.create_user(&phone(1), "a@example.com", Some(&w)).await;
    let wallet = t.wallet_login(&w, None).await.jwt();
    let without = t.sms_login(&phone(1), None).await.jwt();
    assert_ne!(
        session_claim(&without)["session_id"],
        session_claim(&wallet)["session_id"]
    );
    assert_eq!(factor_methods(&without), ["sms"]);
    let with = t.sms_login(&phone(1), Some(&wallet)).await.jwt();
    assert_eq!(
        session_claim(&with)["session_id"],
        session_claim(&wallet)["session_id"]
    );
    assert_eq!(factor_methods(&with), ["crypto_wallet", "sms"]);
}

// ---------------------------------------------------------------- SMS sends

#[tokio::test]
async fn new_user_session_sending_to_a_users_phone_is_409() {
    let t = start().await;
    t.create_user(&phone(1), "a@example.com", None).await;
    let w = Wallet::new("new");
    let jwt = t.wallet_login(&w, None).await.jwt();
    t.post(SMS_SEND, json!({"phoneNumber": phone(1)}), Some(&jwt))
        .await
        .error(409, "ALREADY_EXISTS_PHONE");
    // A free number is fine.
    t.post(SMS_SEND, json!({"phoneNumber": phone(2)}), Some(&jwt))
        .await
        .ok();
    // The code cannot be used to smuggle the taken number into the new-user session either.
    let plain = t
        .post(SMS_SEND, json!({"phoneNumber": phone(3)}), None)
        .await;
    plain.ok();
    t.create_user(&phone(3), "c@example.com", None).await;
    let otp = t.latest_otp(&phone(3)).await;
    t.post(
        SMS_AUTH,
        json!({"phoneId": plain.body["phoneId"], "otp": otp}),
        Some(&jwt),
    )
    .await
    .error(409, "ALREADY_EXISTS_PHONE");
}

#[tokio::test]
async fn existing_user_session_may_only_send_to_its_own_phone() {
    let t = start().await;
    t.create_user(&phone(1), "a@example.com", None).await;
    t.create_user(&phone(2), "b@example.com", None).await;
    let jwt = t.email_login("a@example.com", None).await.jwt();
    t.post(SMS_SEND, json!({"phoneNumber": phone(1)}), Some(&jwt))
        .await
        .ok();
    t.post(SMS_SEND, json!({"phoneNumber": phone(2)}), Some(&jwt))
        .await
        .error(409, "ALREADY_EXISTS_PHONE");
    let r = t
        .post(SMS_SEND, json!({"phoneNumber": phone(3)}), Some(&jwt))
        .await;
    r.error(400, "INVALID_PHONE");
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("does not match"),
        "{}",
        r.text
    );
    // Same for email.
    let sms = t.sms_login(&phone(1), None).await.jwt();
    t.post(
        EMAIL_SEND,
        json!({"emailAddress": "b@example.com"}),
        Some(&sms),
    )
    .await
    .error(409, "ALREADY_EXISTS_EMAIL");
    t.post(
        EMAIL_SEND,
        json!({"emailAddress": "z@example.com"}),
        Some(&sms),
    )
    .await
    .error(400, "INVALID_EMAIL");
}

#[tokio::test]
async fn first_factor_send_right_after_a_409_is_429() {
    // The default 2 s window, crossed with the sandbox clock rather than a sleep.
    let t = start_with(Config::default()).await;
    t.create_user(&phone(1), "a@example.com", None).await;
    let jwt = t.wallet_login(&Wallet::new("w"), None).await.jwt();
    t.post(SMS_SEND, json!({"phoneNumber": phone(1)}), Some(&jwt))
        .await
        .error(409, "ALREADY_EXISTS_PHONE");
    let r = t
        .post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await;
    r.error(429, "TOO_MANY_REQUESTS");
    assert_eq!(r.header("retry-after"), Some("2"));
    // Other numbers are not affected; a send with a JWT is not a first-factor send.
    t.post(SMS_SEND, json!({"phoneNumber": phone(2)}), None)
        .await
        .ok();
    t.advance(Duration::from_millis(1000));
    let r = t
        .post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await;
    r.error(429, "TOO_MANY_REQUESTS");
    assert_eq!(r.header("retry-after"), Some("1"), "rounded up");
    t.advance(Duration::from_millis(1000));
    let ok = t
        .post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await;
    ok.ok();
    // No code went out while refused: one message in the outbox.
    assert_eq!(t.outbox(&phone(1)).await.len(), 1);
}

#[tokio::test]
async fn conflict_window_is_configurable() {
    let t = start().await; // 300 ms
    t.create_user(&phone(1), "a@example.com", None).await;
    let jwt = t.wallet_login(&Wallet::new("w"), None).await.jwt();
    t.post(SMS_SEND, json!({"phoneNumber": phone(1)}), Some(&jwt))
        .await
        .error(409, "ALREADY_EXISTS_PHONE");
    let r = t
        .post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await;
    r.error(429, "TOO_MANY_REQUESTS");
    assert_eq!(r.header("retry-after"), Some("1"));
    tokio::time::sleep(Duration::from_millis(320)).await;
    t.post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await
        .ok();
}

#[tokio::test]
async fn at_most_five_sends_a_minute_per_destination() {
    let t = start().await;
    let began = std::time::Instant::now();
    let send = |to: String| t.post(SMS_SEND, json!({"phoneNumber": to}), None);
    for _ in 0..5 {
        send(phone(1)).await.ok();
    }
    let r = send(phone(1)).await;
    r.error(429, "TOO_MANY_REQUESTS");
    // Until the first send leaves the window: 60 s less the time spent so far, rounded up.
    let retry = |r: &Reply| r.header("retry-after").and_then(|v| v.parse::<u64>().ok());
    let lower = |full: u64| (full as f64 - began.elapsed().as_secs_f64()).ceil() as u64;
    let ra = retry(&r).expect("Retry-After");
    assert!(ra <= 60 && ra >= lower(60), "Retry-After {ra}");
    send(phone(2)).await.ok();
    t.advance(Duration::from_secs(30));
    let r = send(phone(1)).await;
    r.error(429, "TOO_MANY_REQUESTS");
    let ra = retry(&r).expect("Retry-After");
    assert!(ra <= 30 && ra >= lower(30), "Retry-After {ra}");
    t.advance(Duration::from_secs(30));
    send(phone(1)).await.ok();
    assert_eq!(t.outbox(&phone(1)).await.len(), 6);

    // Email has the same limit (and the address is case-insensitive).
    let email = |to: &'static str| t.post(EMAIL_SEND, json!({"emailAddress": to}), None);
    for _ in 0..5 {
        email("rate@example.com").await.ok();
    }
    let r = email("RATE@example.com").await;
    r.error(429, "TOO_MANY_REQUESTS");
    assert!(retry(&r).is_some_and(|ra| (1..=60).contains(&ra)));
}

#[tokio::test]
async fn only_us_e164_numbers() {
    let t = start().await;
    for bad in [
        "+442071234567",
        "2025550123",
        "+1202555012",
        "+120255501234",
        "+1 202 555 0123",
        "+10255501234",
        "+1202555012x",
        "",
    ] {
        t.post(SMS_SEND, json!({"phoneNumber": bad}), None)
            .await
            .error(400, "INVALID_PHONE");
    }
    t.post(SMS_SEND, json!({}), None)
        .await
        .error(400, "MISSING_PHONE_NUMBER");
    let r = t
        .post(SMS_SEND, json!({"phoneNumber": "+12025550123"}), None)
        .await;
    r.ok();
    assert_eq!(r.body["phoneMask"], json!("0123"));
    assert!(
        r.body["phoneId"]
            .as_str()
            .unwrap()
            .starts_with("phone-number-")
    );
}

// ---------------------------------------------------------------- OTPs

#[tokio::test]
async fn otps_are_six_digits_and_a_wrong_one_is_401() {
    let t = start().await;
    let sent = t
        .post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await;
    sent.ok();
    let otp = t.latest_otp(&phone(1)).await;
    assert!(
        otp.len() == 6 && otp.bytes().all(|b| b.is_ascii_digit()),
        "{otp}"
    );
    let wrong = if otp == "000000" { "000001" } else { "000000" };
    t.post(
        SMS_AUTH,
        json!({"phoneId": sent.body["phoneId"], "otp": wrong}),
        None,
    )
    .await
    .error(401, "INVALID_OTP");
    t.post(
        SMS_AUTH,
        json!({"phoneId": sent.body["phoneId"], "otp": otp}),
        None,
    )
    .await
    .ok();
    // Used once.
    t.post(
        SMS_AUTH,
        json!({"phoneId": sent.body["phoneId"], "otp": otp}),
        None,
    )
    .await
    .error(401, "INVALID_OTP");
    t.post(
        SMS_AUTH,
        json!({"phoneId": "phone-number-unknown", "otp": otp}),
        None,
    )
    .await
    .error(401, "INVALID_OTP");
    t.post(SMS_AUTH, json!({"phoneId": sent.body["phoneId"]}), None)
        .await
        .error(400, "MISSING_OTP");
}

#[tokio::test]
async fn otps_expire_after_two_minutes() {
    let t = start().await;
    let sent = t
        .post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await;
    let otp = t.latest_otp(&phone(1)).await;
    t.advance(Duration::from_secs(119));
    let sent2 = t
        .post(EMAIL_SEND, json!({"emailAddress": "e@example.com"}), None)
        .await;
    let email_otp = t.latest_otp("e@example.com").await;
    t.advance(Duration::from_secs(1));
    t.post(
        SMS_AUTH,
        json!({"phoneId": sent.body["phoneId"], "otp": otp}),
        None,
    )
    .await
    .error(401, "INVALID_OTP");
    // The email code, sent later, is still good.
    t.post(
        EMAIL_AUTH,
        json!({"emailId": sent2.body["emailId"], "otp": email_otp}),
        None,
    )
    .await
    .ok();
}

#[tokio::test]
async fn a_new_send_replaces_the_old_code() {
    let t = start().await;
    let first = t
        .post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await;
    first.ok();
    let first_id = first.body["phoneId"].clone();
    let old = t.latest_otp(&phone(1)).await;
    // Codes are random; resend until the new one differs (a repeat has odds of 1 in 10^6).
    let mut new = old.clone();
    let mut second = first;
    for _ in 0..4 {
        second = t
            .post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
            .await;
        second.ok();
        new = t.latest_otp(&phone(1)).await;
        if new != old {
            break;
        }
    }
    assert_ne!(new, old);
    assert_eq!(
        second.body["phoneId"], first_id,
        "phoneId is stable per number"
    );
    t.post(
        SMS_AUTH,
        json!({"phoneId": second.body["phoneId"], "otp": old}),
        None,
    )
    .await
    .error(401, "INVALID_OTP");
    t.post(
        SMS_AUTH,
        json!({"phoneId": second.body["phoneId"], "otp": new}),
        None,
    )
    .await
    .ok();
}

#[tokio::test]
async fn five_wrong_tries_burn_the_code() {
    let t = start().await;
    let sent = t
        .post(
            EMAIL_SEND,
            json!({"emailAddress": "burn@example.com"}),
            None,
        )
        .await;
    let otp = t.latest_otp("burn@example.com").await;
    let wrong = if otp == "123456" { "654321" } else { "123456" };
    for _ in 0..5 {
        t.post(
            EMAIL_AUTH,
            json!({"emailId": sent.body["emailId"], "otp": wrong}),
            None,
        )
        .await
        .error(401, "INVALID_OTP");
    }
    t.post(
        EMAIL_AUTH,
        json!({"emailId": sent.body["emailId"], "otp": otp}),
        None,
    )
    .await
    .error(401, "INVALID_OTP");
    // Four wrong tries leave it usable.
    let sent = t
        .post(
            EMAIL_SEND,
            json!({"emailAddress": "burn@example.com"}),
            None,
        )
        .await;
    let otp = t.latest_otp("burn@example.com").await;
    let wrong = if otp == "123456" { "654321" } else { "123456" };
    for _ in 0..4 {
        t.post(
            EMAIL_AUTH,
            json!({"emailId": sent.body["emailId"], "otp": wrong}),
            None,
        )
        .await
        .error(401, "INVALID_OTP");
    }
    t.post(
        EMAIL_AUTH,
        json!({"emailId": sent.body["emailId"], "otp": otp}),
        None,
    )
    .await
    .ok();
}

#[tokio::test]
async fn otp_first_sessions_belong_to_the_contacts_user() {
    let t = start().await;
    let user = t.create_user(&phone(1), "known@example.com", None).await;
    let known = t.sms_login(&phone(1), None).await;
    known.ok();
    assert_eq!(known.body["userMask"]["id"], json!(user));
    assert_eq!(claims(&known.jwt())["sub"], json!(user));
    let by_email = t.email_login("known@example.com", None).await;
    assert_eq!(by_email.body["userMask"]["id"], json!(user));
    let unknown = t.sms_login(&phone(2), None).await;
    unknown.ok();
    assert!(unknown.body.get("userMask").is_none());
    assert!(
        claims(&unknown.jwt())["sub"]
            .as_str()
            .unwrap()
            .starts_with("new-user-")
    );
}

#[tokio::test]
async fn fixed_otp_makes_every_code_that() {
    let t = start_with(Config {
        fixed_otp: Some("000000".into()),
        ..Config::default()
    })
    .await;
    let sent = t
        .post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await;
    assert_eq!(t.latest_otp(&phone(1)).await, "000000");
    t.post(
        SMS_AUTH,
        json!({"phoneId": sent.body["phoneId"], "otp": "000000"}),
        None,
    )
    .await
    .ok();
    assert!(
        ratio_sandbox::Sandbox::start(Config {
            fixed_otp: Some("12345".into()),
            ..Config::default()
        })
        .await
        .is_err()
    );
}

// ---------------------------------------------------------------- email

#[tokio::test]
async fn email_rules() {
    let t = start().await;
    t.create_user(&phone(1), "taken@example.com", None).await;
    for bad in [
        "",
        "plain",
        "a@b",
        "two@@example.com",
        "sp ace@example.com",
        "@example.com",
    ] {
        t.post(EMAIL_SEND, json!({"emailAddress": bad}), None)
            .await
            .error(400, "INVALID_EMAIL");
    }
    t.post(EMAIL_SEND, json!({}), None)
        .await
        .error(400, "MISSING_EMAIL_ADDRESS");
    let jwt = t.wallet_login(&Wallet::new("new"), None).await.jwt();
    t.post(
        EMAIL_SEND,
        json!({"emailAddress": "Taken@Example.com"}),
        Some(&jwt),
    )
    .await
    .error(409, "ALREADY_EXISTS_EMAIL");
    let sent = t
        .post(
            EMAIL_SEND,
            json!({"emailAddress": "ratty@example.com"}),
            Some(&jwt),
        )
        .await;
    sent.ok();
    assert_eq!(sent.body["emailMask"], json!("rat…@example.com"));
    assert!(sent.body["emailId"].as_str().unwrap().starts_with("email-"));
    t.post(
        EMAIL_AUTH,
        json!({"emailId": sent.body["emailId"], "otp": "12345"}),
        Some(&jwt),
    )
    .await
    .error(401, "INVALID_OTP");
    let otp = t.latest_otp("ratty@example.com").await;
    let two = t
        .post(
            EMAIL_AUTH,
            json!({"emailId": sent.body["emailId"], "otp": otp}),
            Some(&jwt),
        )
        .await;
    two.ok();
    assert_eq!(factor_methods(&two.jwt()), ["crypto_wallet", "email"]);
    assert!(two.body.get("userMask").is_none(), "still a new user");
}

// ---------------------------------------------------------------- addToUser

#[tokio::test]
async fn add_to_user_needs_two_factors() {
    let t = start().await;
    let user = t.create_user(&phone(1), "a@example.com", None).await;
    let w = Wallet::new("add");
    let body = json!({"walletAddress": w.checksum(), "walletType": "EVM"});
    t.post(ADD_TO_USER, body.clone(), None)
        .await
        .error(401, "INVALID_JWT");
    let one = t.sms_login(&phone(1), None).await.jwt();
    t.post(ADD_TO_USER, body.clone(), Some(&one))
        .await
        .error(403, "MFA_REQUIRED");
    let two = t.email_login("a@example.com", Some(&one)).await.jwt();
    let r = t.post(ADD_TO_USER, body.clone(), Some(&two)).await;
    r.ok();
    assert_eq!(r.body, json!({}));
    assert_eq!(
        t.wallets_of(&user).await,
        [(w.checksum(), false)],
        "attached unverified"
    );
    // Bad input still 400 with a two-factor JWT.
    t.post(
        ADD_TO_USER,
        json!({"walletAddress": "0x1", "walletType": "EVM"}),
        Some(&two),
    )
    .await
    .error(400, "INVALID_WALLET_ADDRESS");
    // A two-factor new-user session has no user to add to.
    let new = t.wallet_login(&Wallet::new("fresh"), None).await.jwt();
    let new2 = t.sms_login(&phone(5), Some(&new)).await.jwt();
    t.post(ADD_TO_USER, body, Some(&new2))
        .await
        .error(404, "USER_NOT_FOUND");
}

#[tokio::test]
async fn unverified_wallets_move_verified_ones_do_not() {
    let t = start().await;
    let a = t.create_user(&phone(1), "a@example.com", None).await;
    let b = t.create_user(&phone(2), "b@example.com", None).await;
    let w = Wallet::new("contested");
    let body = json!({"walletAddress": w.checksum(), "walletType": "EVM"});
    let jwt_a = t.two_factor_of(&phone(1), "a@example.com").await;
    let jwt_b = t.two_factor_of(&phone(2), "b@example.com").await;
    t.post(ADD_TO_USER, body.clone(), Some(&jwt_a)).await.ok();
    assert_eq!(t.wallets_of(&a).await, [(w.checksum(), false)]);
    // Unverified: B may take it.
    t.post(ADD_TO_USER, body.clone(), Some(&jwt_b)).await.ok();
    assert!(t.wallets_of(&a).await.is_empty());
    assert_eq!(t.wallets_of(&b).await, [(w.checksum(), false)]);
    // Authenticating verifies it for B...
    let login = t.wallet_login(&w, None).await;
    assert_eq!(login.body["userMask"]["id"], json!(b));
    assert_eq!(t.wallets_of(&b).await, [(w.checksum(), true)]);
    // ...and now A cannot take it.
    t.post(ADD_TO_USER, body.clone(), Some(&jwt_a))
        .await
        .error(409, "ALREADY_EXISTS_WALLET_ADDRESS");
    // B adding it again is harmless and keeps it verified.
    t.post(ADD_TO_USER, body, Some(&jwt_b)).await.ok();
    assert_eq!(t.wallets_of(&b).await, [(w.checksum(), true)]);
}

// ---------------------------------------------------------------- POST /v1/users

fn new_user_body(phone: &str, email: &str) -> Value {
    json!({"firstName": "Rat", "lastName": "Io", "email": email, "country": "US", "phone": phone, "acceptedTerms": true})
}

#[tokio::test]
async fn create_user_needs_two_factors_with_sms() {
    let t = start().await;
    let w = Wallet::new("creator");
    let wallet_jwt = t.wallet_login(&w, None).await.jwt();
    let body = new_user_body(&phone(7), "new@example.com");
    t.post("/v1/users", body.clone(), None)
        .await
        .error(401, "INVALID_JWT");
    t.post("/v1/users", body.clone(), Some(&wallet_jwt))
        .await
        .error(403, "MFA_REQUIRED");
    // Two factors but no SMS.
    let with_email = t
        .email_login("new@example.com", Some(&wallet_jwt))
        .await
        .jwt();
    t.post("/v1/users", body.clone(), Some(&with_email))
        .await
        .error(403, "MFA_REQUIRED");
    // Wallet + SMS (+ email).
    let full = t.sms_login(&phone(7), Some(&with_email)).await;
    full.ok();
    assert!(
        full.body.get("userMask").is_none(),
        "still a new user until POST /v1/users"
    );
    let jwt = full.jwt();

    // Validation.
    let mut terms = body.clone();
    terms["acceptedTerms"] = json!(false);
    t.post("/v1/users", terms, Some(&jwt))
        .await
        .error(400, "INVALID_ACCEPTED_TERMS");
    t.post(
        "/v1/users",
        new_user_body(&phone(8), "new@example.com"),
        Some(&jwt),
    )
    .await
    .error(400, "INVALID_PHONE");
    t.post(
        "/v1/users",
        new_user_body(&phone(7), "other@example.com"),
        Some(&jwt),
    )
    .await
    .error(400, "INVALID_EMAIL");
    let mut country = body.clone();
    country["country"] = json!("USA");
    t.post("/v1/users", country, Some(&jwt))
        .await
        .error(400, "INVALID_COUNTRY");
    let mut missing = body.clone();
    missing.as_object_mut().unwrap().remove("firstName");
    t.post("/v1/users", missing, Some(&jwt))
        .await
        .error(400, "MISSING_FIRST_NAME");

    let created = t.post("/v1/users", body.clone(), Some(&jwt)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(created.body["phone"], json!(phone(7)));
    assert_eq!(created.body["email"], json!("new@example.com"));
    assert_eq!(created.body["firstName"], json!("Rat"));
    // The session now belongs to the user: a fresh token says so.
    let refreshed = created
        .header("ratio-authentication-refresh")
        .expect("refresh header")
        .to_string();
    assert_eq!(claims(&refreshed)["sub"], json!(id));
    assert_eq!(
        session_claim(&refreshed)["session_id"],
        session_claim(&jwt)["session_id"]
    );
    // Contacts and wallet are verified: the wallet alone now finds the user.
    let user = t.sandbox_user(&id).await;
    assert_eq!(user["phoneNumber"], json!(phone(7)));
    assert_eq!(t.wallets_of(&id).await, [(w.checksum(), true)]);
    assert_eq!(
        t.wallet_login(&w, None).await.body["userMask"]["id"],
        json!(id)
    );
    // Once only.
    t.post("/v1/users", body, Some(&refreshed))
        .await
        .error(409, "ALREADY_EXISTS_USER");

    // GET /v1/users/{id}: the signed-in user only.
    let me = t.get(&format!("/v1/users/{id}"), Some(&refreshed)).await;
    me.ok();
    assert_eq!(me.body["id"], json!(id));
    let other = t.create_user(&phone(9), "z@example.com", None).await;
    t.get(&format!("/v1/users/{other}"), Some(&refreshed))
        .await
        .error(403, "FORBIDDEN");
    t.get("/v1/users/nobody", Some(&refreshed))
        .await
        .error(404, "USER_NOT_FOUND");
    t.get(&format!("/v1/users/{id}"), None)
        .await
        .error(401, "INVALID_JWT");
}

#[tokio::test]
async fn create_user_refuses_taken_contacts() {
    let t = start().await;
    t.create_user(&phone(1), "taken@example.com", None).await;
    let jwt = t.wallet_login(&Wallet::new("w"), None).await.jwt();
    let jwt = t.sms_login(&phone(2), Some(&jwt)).await.jwt();
    t.post(
        "/v1/users",
        new_user_body(&phone(2), "taken@example.com"),
        Some(&jwt),
    )
    .await
    .error(409, "ALREADY_EXISTS_EMAIL");
}

// ---------------------------------------------------------------- sandbox endpoints

#[tokio::test]
async fn sandbox_users_validate_and_conflict() {
    let t = start().await;
    let w = Wallet::new("seeded");
    let id = t.create_user(&phone(1), "Seed@Example.com", Some(&w)).await;
    let user = t.sandbox_user(&id).await;
    assert_eq!(
        user,
        json!({"id": id, "phoneNumber": phone(1), "emailAddress": "seed@example.com",
               "wallets": [{"address": w.checksum(), "verified": true}]})
    );
    let post = |body: Value| t.sandbox_post("/sandbox/users", body);
    post(json!({"phoneNumber": phone(1), "emailAddress": "x@example.com"}))
        .await
        .error(409, "ALREADY_EXISTS_PHONE");
    post(json!({"phoneNumber": phone(2), "emailAddress": "seed@example.com"}))
        .await
        .error(409, "ALREADY_EXISTS_EMAIL");
    post(json!({"phoneNumber": phone(2), "emailAddress": "y@example.com", "walletAddress": w.checksum()}))
        .await
        .error(409, "ALREADY_EXISTS_WALLET_ADDRESS");
    post(json!({"phoneNumber": "+44", "emailAddress": "y@example.com"}))
        .await
        .error(400, "INVALID_PHONE");
    post(json!({"phoneNumber": phone(2), "emailAddress": "y"}))
        .await
        .error(400, "INVALID_EMAIL");
    post(json!({"phoneNumber": phone(2), "emailAddress": "y@example.com", "walletAddress": "0x1"}))
        .await
        .error(400, "INVALID_WALLET_ADDRESS");
    post(json!({"emailAddress": "y@example.com"}))
        .await
        .error(400, "MISSING_PHONE_NUMBER");
    t.sandbox_get("/sandbox/users/nobody")
        .await
        .error(404, "USER_NOT_FOUND");
}

#[tokio::test]
async fn outbox_lists_codes_newest_first() {
    let t = start().await;
    t.post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await
        .ok();
    t.post(EMAIL_SEND, json!({"emailAddress": "Box@example.com"}), None)
        .await
        .ok();
    t.post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await
        .ok();
    t.post(SMS_SEND, json!({"phoneNumber": phone(2)}), None)
        .await
        .ok();
    let all = t.sandbox_get("/sandbox/outbox").await;
    let all = all.body.as_array().unwrap().clone();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0]["to"], json!(phone(2)));
    assert_eq!(all[2]["channel"], json!("email"));
    assert_eq!(all[2]["to"], json!("box@example.com"));
    assert_eq!(all[3]["channel"], json!("sms"));
    for m in &all {
        assert!(humantime::parse_rfc3339(m["sentAt"].as_str().unwrap()).is_ok());
        assert_eq!(m["otp"].as_str().unwrap().len(), 6);
    }
    // Filtered, with `+` encoded or raw (which a query string turns into a space).
    let encoded = t
        .sandbox_get(&format!(
            "/sandbox/outbox?to={}",
            phone(1).replace('+', "%2B")
        ))
        .await;
    assert_eq!(encoded.body.as_array().unwrap().len(), 2);
    assert_eq!(encoded.body[0]["otp"], all[1]["otp"]);
    let raw = t
        .sandbox_get(&format!("/sandbox/outbox?to={}", phone(1)))
        .await;
    assert_eq!(raw.body, encoded.body);
    let email = t.sandbox_get("/sandbox/outbox?to=BOX%40example.com").await;
    assert_eq!(email.body.as_array().unwrap().len(), 1);
    let none = t.sandbox_get("/sandbox/outbox?to=nobody").await;
    assert_eq!(none.body, json!([]));
}

#[tokio::test]
async fn reset_clears_everything() {
    let t = start().await;
    let id = t.create_user(&phone(1), "a@example.com", None).await;
    let jwt = t.sms_login(&phone(1), None).await.jwt();
    t.post(SMS_SEND, json!({"phoneNumber": phone(2)}), None)
        .await
        .ok();
    t.sandbox_post(
        "/sandbox/faults",
        json!({"path": SMS_SEND, "status": 503, "count": 5}),
    )
    .await;
    let cs = t
        .post(
            "/v1/client/sessions",
            json!({"signingAddress": Wallet::new("c").checksum(), "signingType": "EVM"}),
            None,
        )
        .await;
    let r = t.sandbox_post("/sandbox/reset", json!({})).await;
    r.ok();
    t.sandbox_get(&format!("/sandbox/users/{id}"))
        .await
        .error(404, "USER_NOT_FOUND");
    assert_eq!(t.sandbox_get("/sandbox/outbox").await.body, json!([]));
    assert_eq!(t.sandbox_get("/sandbox/faults").await.body, json!([]));
    t.post(
        EMAIL_SEND,
        json!({"emailAddress": "a@example.com"}),
        Some(&jwt),
    )
    .await
    .error(401, "INVALID_JWT");
    t.sandbox_get(&format!(
        "/v1/client/sessions/{}",
        cs.body["id"].as_str().unwrap()
    ))
    .await
    .error(404, "NOT_FOUND");
    // Limits are cleared too, and the number is free again.
    t.create_user(&phone(1), "a@example.com", None).await;
    // Reset with no body but a JSON content type works; without it see tests/hostile.rs.
    let bare = reply(
        t.http
            .post(t.url("/sandbox/reset"))
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    bare.ok();
}

#[tokio::test]
async fn sandbox_clock_endpoint_moves_time() {
    let t = start().await;
    let sent = t
        .post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await;
    let otp = t.latest_otp(&phone(1)).await;
    let r = t
        .sandbox_post("/sandbox/clock", json!({"advanceSeconds": 120}))
        .await;
    r.ok();
    assert_eq!(r.body["offsetMs"], json!(120_000));
    t.post(
        SMS_AUTH,
        json!({"phoneId": sent.body["phoneId"], "otp": otp}),
        None,
    )
    .await
    .error(401, "INVALID_OTP");
    let r = t
        .sandbox_post("/sandbox/clock", json!({"advanceMs": 500}))
        .await;
    assert_eq!(r.body["offsetMs"], json!(120_500));
    assert_eq!(
        t.sandbox_get("/sandbox/clock").await.body["offsetMs"],
        json!(120_500)
    );
}
