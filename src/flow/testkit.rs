//! Test helpers shared by the flow's unit tests: unsigned Stytch-shaped JWTs and fixed keys.

use base64::Engine as _;
use k256::ecdsa::SigningKey;
use serde_json::{Value, json};

use crate::eip191::Address;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn factor(kind: &str) -> Value {
    match kind {
        "wallet" => json!({"type": "crypto", "delivery_method": "crypto_wallet",
            "crypto_wallet_factor": {"crypto_wallet_address": "0x0000000000000000000000000000000000000001", "crypto_wallet_type": "ethereum"}}),
        "sms" => json!({"type": "otp", "delivery_method": "sms",
            "phone_number_factor": {"phone_id": "phone-1", "phone_number": "+15555550100"}}),
        "email" => json!({"type": "otp", "delivery_method": "email",
            "email_factor": {"email_id": "email-1", "email_address": "ratio@example.com"}}),
        other => json!({"type": other, "delivery_method": other}),
    }
}

/// A JWT with these factors; `tag` makes otherwise identical tokens differ.
pub(crate) fn jwt_tagged(tag: &str, subject: &str, kinds: &[&str]) -> String {
    let header = json!({"alg": "ES256", "typ": "JWT"});
    let payload = json!({
        "sub": subject, "iat": 1_700_000_000, "exp": 1_700_000_300, "iss": "stytch.com/test",
        "https://stytch.com/session": {
            "id": format!("session-{tag}"),
            "authentication_factors": kinds.iter().map(|k| factor(k)).collect::<Vec<_>>(),
        },
    });
    format!(
        "{}.{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload.to_string().as_bytes()),
        b64(b"sig")
    )
}

pub(crate) fn jwt_with(subject: &str, kinds: &[&str]) -> String {
    jwt_tagged("t", subject, kinds)
}

pub(crate) fn key(byte: u8) -> SigningKey {
    let bytes: [u8; 32] = [byte; 32];
    match SigningKey::from_bytes(&bytes.into()) {
        Ok(key) => key,
        Err(e) => panic!("test key: {e}"),
    }
}

pub(crate) fn key_a() -> SigningKey {
    key(0x11)
}

pub(crate) fn key_b() -> SigningKey {
    key(0x22)
}

pub(crate) fn wallet_a() -> Address {
    Address::from_verifying_key(key_a().verifying_key())
}

pub(crate) fn wallet_b() -> Address {
    Address::from_verifying_key(key_b().verifying_key())
}
