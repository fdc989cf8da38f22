//! Smart-contract wallets: `POST /sandbox/contract-wallets` registers one whose valid signature
//! is its owner's (as a 1271 contract would check), plain or ERC-6492-wrapped; with contract
//! wallets switched off (flag or run time) their signatures are refused as a server without
//! EIP-1271 support would.

mod support;

use ratio_sandbox::{Config, Variants};
use reqwest::StatusCode;
use serde_json::json;
use support::*;

const SUFFIX: &str = "6492649264926492649264926492649264926492649264926492649264926492";

async fn register(t: &T, wallet: &Wallet, owner: &Wallet) {
    let r = t
        .sandbox_post(
            "/sandbox/contract-wallets",
            json!({"address": wallet.checksum(), "owner": owner.checksum()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["owner"], json!(owner.checksum()));
}

fn wrap_6492(owner_signature: &str) -> String {
    format!(
        "0x{}{}{}{SUFFIX}",
        "00".repeat(12) + &"fa".repeat(20),
        "c0ffee".repeat(10),
        owner_signature.trim_start_matches("0x")
    )
}

#[tokio::test]
async fn a_contract_wallet_signs_in_with_its_owners_signature() {
    let t = start().await;
    let (safe, owner) = (Wallet::new("safe"), Wallet::new("safe owner"));
    register(&t, &safe, &owner).await;
    let challenge = t.challenge(&safe, None).await;
    let r = t
        .wallet_authenticate(&safe, &owner.sign(&challenge), None)
        .await;
    r.ok();
    assert!(r.body["sessionJwt"].is_string());
    assert_eq!(factor_methods(&r.jwt()), vec!["crypto_wallet".to_string()]);
}

#[tokio::test]
async fn an_erc6492_wrapped_owner_signature_is_accepted() {
    let t = start().await;
    let (safe, owner) = (Wallet::new("counterfactual"), Wallet::new("cf owner"));
    register(&t, &safe, &owner).await;
    let challenge = t.challenge(&safe, None).await;
    let r = t
        .wallet_authenticate(&safe, &wrap_6492(&owner.sign(&challenge)), None)
        .await;
    r.ok();
}

#[tokio::test]
async fn a_contract_wallet_refuses_a_stranger_and_its_own_address_key() {
    let t = start().await;
    let (safe, owner, stranger) = (
        Wallet::new("safe 2"),
        Wallet::new("owner 2"),
        Wallet::new("stranger"),
    );
    register(&t, &safe, &owner).await;
    let challenge = t.challenge(&safe, None).await;
    t.wallet_authenticate(&safe, &stranger.sign(&challenge), None)
        .await
        .error(400, "INVALID_SIGNATURE");
    let challenge = t.challenge(&safe, None).await;
    // The wallet is a contract now: a key that happens to be its address signs for nothing.
    t.wallet_authenticate(&safe, &safe.sign(&challenge), None)
        .await
        .error(400, "INVALID_SIGNATURE");
}

#[tokio::test]
async fn an_owner_signature_does_not_sign_for_an_unregistered_wallet() {
    let t = start().await;
    let (wallet, owner) = (Wallet::new("not a contract"), Wallet::new("owner 3"));
    let challenge = t.challenge(&wallet, None).await;
    t.wallet_authenticate(&wallet, &owner.sign(&challenge), None)
        .await
        .error(400, "INVALID_SIGNATURE");
}

#[tokio::test]
async fn the_flag_refuses_contract_wallets_with_401() {
    let t = start_with(Config {
        variants: Variants {
            no_contract_wallets: true,
            ..Variants::default()
        },
        ..Config::default()
    })
    .await;
    let r = t.sandbox_get("/sandbox/contract-wallets/support").await;
    assert_eq!(r.body, json!({"accept": false}));
    let (safe, owner) = (Wallet::new("safe 4"), Wallet::new("owner 4"));
    register(&t, &safe, &owner).await;
    let challenge = t.challenge(&safe, None).await;
    let r = t
        .wallet_authenticate(&safe, &owner.sign(&challenge), None)
        .await;
    r.error(401, "INVALID_SIGNATURE");
    assert_error_shape(&r);
    assert!(
        r.text
            .contains("does not accept smart-contract wallet signatures"),
        "{}",
        r.text
    );
    // Plain wallets are untouched.
    t.wallet_login(&owner, None).await.ok();
}

#[tokio::test]
async fn support_switches_at_run_time_and_reset_restores_it() {
    let t = start().await;
    let (safe, owner) = (Wallet::new("safe 5"), Wallet::new("owner 5"));
    register(&t, &safe, &owner).await;
    let r = t
        .sandbox_post(
            "/sandbox/contract-wallets/support",
            json!({"accept": false}),
        )
        .await;
    assert_eq!(r.body, json!({"accept": false}));
    let challenge = t.challenge(&safe, None).await;
    t.wallet_authenticate(&safe, &owner.sign(&challenge), None)
        .await
        .error(401, "INVALID_SIGNATURE");
    t.sandbox_post("/sandbox/contract-wallets/support", json!({"accept": true}))
        .await;
    let challenge = t.challenge(&safe, None).await;
    t.wallet_authenticate(&safe, &owner.sign(&challenge), None)
        .await
        .ok();

    t.sandbox_post(
        "/sandbox/contract-wallets/support",
        json!({"accept": false}),
    )
    .await;
    t.sandbox_post("/sandbox/reset", json!({})).await;
    let r = t.sandbox_get("/sandbox/contract-wallets/support").await;
    assert_eq!(r.body, json!({"accept": true}));
    // The registration went with the reset: the owner's signature no longer counts.
    let challenge = t.challenge(&safe, None).await;
    t.wallet_authenticate(&safe, &owner.sign(&challenge), None)
        .await
        .error(400, "INVALID_SIGNATURE");
}

#[tokio::test]
async fn registrations_are_checked() {
    let t = start().await;
    let r = t
        .sandbox_post(
            "/sandbox/contract-wallets",
            json!({"address": "0x12", "owner": Wallet::new("o").checksum()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let r = t
        .sandbox_post(
            "/sandbox/contract-wallets",
            json!({"address": Wallet::new("a").checksum()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
}
