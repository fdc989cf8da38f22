//! The session JWT reader (`jwt::read_claims`), on raw tokens and on arbitrary JSON payloads
//! wrapped in well-formed base64url parts (so the claim reading itself is reached).
//!
//! Invariants: no panic; an error's text never quotes the token; the counts and expiry checks
//! agree with the claims read.
#![no_main]

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use ratio_auth::jwt::{FactorKind, JwtPart, JwtReadError, read_claims};

/// Text starting with `{` is a payload, wrapped into a token here (so that the claim reading is
/// reached past base64); anything else is the compact token as the server sent it. The first
/// 16 bytes after a `\n\n` separator, if any, are the clock and margin for the expiry checks.
fn parse_input(data: &[u8]) -> (String, u64, u64) {
    let (token, clock) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data, &[][..]),
    };
    let word = |i: usize| {
        let mut bytes = [0u8; 8];
        for (b, c) in bytes.iter_mut().zip(clock.iter().skip(i * 8)) {
            *b = *c;
        }
        u64::from_le_bytes(bytes)
    };
    let text = String::from_utf8_lossy(token);
    let jwt = if text.starts_with('{') {
        format!(
            "{}.{}.{}",
            b64(br#"{"alg":"ES256","typ":"JWT"}"#),
            b64(token),
            b64(b"sig")
        )
    } else {
        text.into_owned()
    };
    (jwt, word(0), word(1))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fuzz_target!(|data: &[u8]| {
    let (jwt, now_ms, margin_ms) = parse_input(data);

    match read_claims(&jwt) {
        Ok(claims) => {
            let kinds = [FactorKind::Wallet, FactorKind::Sms, FactorKind::Email];
            let present = kinds.iter().filter(|k| claims.has(**k)).count();
            assert!(claims.factor_count() <= claims.factors.len());
            assert!(claims.factor_count() >= present);
            if claims.is_two_factor() {
                assert!(claims.factor_count() >= 2);
            }
            // Expired implies "expires within any margin".
            if claims.is_expired(now_ms) {
                assert!(claims.expires_within(now_ms, margin_ms));
            }
        }
        Err(e) => {
            let (display, debug) = (e.to_string(), format!("{e:?}"));
            // The errors' own wording (a token may happen to spell it) is not a leak.
            let wording = error_wording(e);
            for part in jwt
                .trim()
                .split('.')
                .filter(|p| p.len() >= 12 && !wording.contains(*p))
            {
                assert!(!display.contains(part), "error quotes the token: {display}");
                assert!(!debug.contains(part), "error quotes the token: {debug}");
            }
        }
    }
});

/// Display and Debug of an error of the same variant with other values: what any token's
/// error of that kind says, whatever the token.
fn error_wording(e: JwtReadError) -> String {
    let variants = match e {
        // It carries the number of parts, nothing else of the token.
        JwtReadError::NotThreeParts { .. } => vec![e],
        JwtReadError::BadBase64 { .. }
        | JwtReadError::BadJson { .. }
        | JwtReadError::NotAnObject { .. } => {
            [JwtPart::Header, JwtPart::Payload, JwtPart::Signature]
                .into_iter()
                .flat_map(|part| {
                    [
                        JwtReadError::BadBase64 { part },
                        JwtReadError::BadJson { part },
                        JwtReadError::NotAnObject { part },
                    ]
                })
                .collect()
        }
        other => vec![other],
    };
    variants.iter().map(|v| format!("{v} {v:?} ")).collect()
}
