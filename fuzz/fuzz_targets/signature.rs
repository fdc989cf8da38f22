//! Signature, hex and address parsing and EIP-191 recovery (`eip191`).
//!
//! Invariants: no panic on any text; addresses round-trip through EIP-55 and lower hex; a decoded
//! signature is 65 bytes of the given hex; whatever recovers passes `check_signer` for that
//! address and fails it for another; a signature made here (low-s or flipped to high-s, v as
//! 0/1 or 27/28) recovers to its key's address; `secp256k1::recover` agrees with k256 on any
//! bytes.
#![no_main]

use k256::ecdsa::SigningKey;
use libfuzzer_sys::fuzz_target;
use ratio_auth::eip191::{
    Address, SignatureError, challenge_hex, check_signer, decode_signature, recover_personal,
    sign_personal,
};

/// The first byte picks the check; the rest is text (so seeds can be real addresses and
/// signatures) or raw bytes.
enum Input {
    /// `a` + an address.
    Address(String),
    /// `d` + a signature as text.
    Decode(String),
    /// `b` + 65 bytes r ‖ s ‖ v, then the message.
    Recover { message: String, sig: [u8; 65] },
    /// `r` + the message, a newline, the signature as the wallet returned it.
    RecoverText { message: String, sig: String },
    /// `k` + 32 key bytes + a flags byte (bit 0: high-s, bit 1: v as 0/1) + the message: sign
    /// with that key, then recover.
    Roundtrip {
        key: [u8; 32],
        message: String,
        high_s: bool,
        v_raw: bool,
    },
}

fn parse_input(data: &[u8]) -> Option<Input> {
    let (mode, rest) = data.split_first()?;
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    Some(match mode {
        b'a' => Input::Address(text(rest)),
        b'd' => Input::Decode(text(rest)),
        b'b' => {
            let sig: [u8; 65] = rest.get(..65)?.try_into().ok()?;
            Input::Recover {
                message: text(&rest[65..]),
                sig,
            }
        }
        b'r' => {
            let rest = text(rest);
            let (message, sig) = rest.split_once('\n').unwrap_or((&rest, ""));
            Input::RecoverText {
                message: message.to_owned(),
                sig: sig.to_owned(),
            }
        }
        b'k' => {
            let key: [u8; 32] = rest.get(..32)?.try_into().ok()?;
            let flags = *rest.get(32)?;
            Input::Roundtrip {
                key,
                message: text(&rest[33..]),
                high_s: flags & 1 != 0,
                v_raw: flags & 2 != 0,
            }
        }
        _ => return None,
    })
}

fuzz_target!(|data: &[u8]| match parse_input(data) {
    None => {}
    Some(Input::Address(text)) => {
        if let Ok(address) = Address::parse(&text) {
            let checksum = address.to_checksum();
            assert_eq!(Address::parse(&checksum), Ok(address));
            assert_eq!(Address::parse(&address.to_lower_hex()), Ok(address));
            assert_eq!(address.to_string(), checksum);
        }
    }
    Some(Input::Decode(text)) => {
        if let Ok(bytes) = decode_signature(&text) {
            let t = text.trim();
            let digits = t
                .strip_prefix("0x")
                .or_else(|| t.strip_prefix("0X"))
                .unwrap_or(t);
            assert_eq!(digits.to_ascii_lowercase(), hex(&bytes));
        }
        let _ = recover_personal(text.as_bytes(), &text);
    }
    Some(Input::Recover { message, sig }) => {
        check_recovery(&message, &format!("0x{}", hex(&sig)));
        check_against_k256(&sig);
    }
    Some(Input::RecoverText { message, sig }) => check_recovery(&message, &sig),
    Some(Input::Roundtrip {
        key,
        message,
        high_s,
        v_raw,
    }) => {
        let Ok(key) = SigningKey::from_bytes(&key.into()) else {
            return;
        };
        let expected = Address::from_verifying_key(key.verifying_key());
        let signature = sign_personal(&key, message.as_bytes());
        let Ok(mut bytes) = decode_signature(&signature) else {
            panic!("sign_personal wrote an undecodable signature");
        };
        assert!(bytes[64] == 27 || bytes[64] == 28, "v is {}", bytes[64]);
        if high_s {
            flip_to_high_s(&mut bytes);
        }
        if v_raw {
            bytes[64] -= 27;
        }
        let sent = format!("0x{}", hex(&bytes));
        assert_eq!(recover_personal(message.as_bytes(), &sent), Ok(expected));
        assert_eq!(check_signer(&message, &sent, &expected), Ok(()));
        // Signed over the challenge's hex text: the quirk is recognised, not accepted.
        let quirk = sign_personal(&key, challenge_hex(&message).as_bytes());
        assert_eq!(
            check_signer(&message, &quirk, &expected),
            Err(SignatureError::WrongSigner {
                signed_by: expected,
                signed_hex_text: true
            })
        );
    }
});

fn check_recovery(message: &str, signature: &str) {
    match recover_personal(message.as_bytes(), signature) {
        Ok(signer) => {
            assert_eq!(check_signer(message, signature, &signer), Ok(()));
            let other = Address::from_bytes(signer.as_bytes().map(|b| b ^ 0x5a));
            match check_signer(message, signature, &other) {
                Err(SignatureError::WrongSigner { .. }) => {}
                unexpected => panic!("another address was accepted: {unexpected:?}"),
            }
        }
        Err(SignatureError::WrongSigner { .. }) => panic!("recover never says WrongSigner"),
        Err(e) => {
            // An unusable signature is refused by the check the engine runs, with the same reason.
            let anyone = Address::from_bytes([7; 20]);
            assert_eq!(check_signer(message, signature, &anyone), Err(e));
        }
    }
}

/// The crate's own secp256k1 recovery gives k256's answer for any 64 bytes and recovery bit,
/// taking the message's bytes as the hash.
fn check_against_k256(sig: &[u8; 65]) {
    let hash: [u8; 32] = std::array::from_fn(|i| sig[i].wrapping_mul(31) ^ sig[64]);
    let y_odd = sig[64] & 1 == 1;
    let (Ok(r), Ok(s)) = (sig[..32].try_into(), sig[32..64].try_into()) else {
        unreachable!("65 bytes split into two halves of 32");
    };
    let ours = ratio_auth::secp256k1::recover(&hash, &r, &s, y_odd);
    let theirs = k256::ecdsa::Signature::from_slice(&sig[..64]).ok().and_then(|mut sig| {
        let mut bit = y_odd as u8;
        if let Some(low) = sig.normalize_s() {
            sig = low;
            bit ^= 1;
        }
        let id = k256::ecdsa::RecoveryId::from_byte(bit)?;
        let key = k256::ecdsa::VerifyingKey::recover_from_prehash(&hash, &sig, id).ok()?;
        <[u8; 64]>::try_from(&key.to_encoded_point(false).as_bytes()[1..]).ok()
    });
    assert_eq!(ours, theirs, "secp256k1::recover and k256 disagree");
}

/// s -> n - s, and the recovery bit flipped: the same signature in its high-s form.
fn flip_to_high_s(bytes: &mut [u8; 65]) {
    use k256::elliptic_curve::ops::Neg;
    let Ok(sig) = k256::ecdsa::Signature::from_slice(&bytes[..64]) else {
        panic!("sign_personal wrote an invalid signature");
    };
    let (r, s) = sig.split_scalars();
    let high = k256::ecdsa::Signature::from_scalars(r.to_bytes(), (*s).neg().to_bytes());
    let Ok(high) = high else {
        panic!("negated s is a valid scalar");
    };
    bytes[..64].copy_from_slice(&high.to_bytes());
    bytes[64] = if bytes[64] == 27 { 28 } else { 27 };
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
