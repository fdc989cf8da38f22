//! Identifiers, challenge tokens and OTP codes, all from the OS RNG.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;

fn bytes<const N: usize>() -> Result<[u8; N], ApiError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf)
        .map_err(|e| ApiError::internal(format!("OS random source failed: {e}")))?;
    Ok(buf)
}

/// A random UUID (version 4) in its usual text form.
pub fn uuid() -> Result<String, ApiError> {
    let mut b = bytes::<16>()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// A URL-safe token of 32 random bytes (43 characters).
pub fn token() -> Result<String, ApiError> {
    Ok(URL_SAFE_NO_PAD.encode(bytes::<32>()?))
}

/// A uniformly random 6-digit code.
pub fn otp_code() -> Result<String, ApiError> {
    // Rejection sampling: 4_294_000_000 is the largest multiple of 10^6 below 2^32, so taking
    // the remainder of values under it has no bias.
    loop {
        let n = u32::from_le_bytes(bytes::<4>()?);
        if n < 4_294_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

/// A 32-byte key for HS256.
pub fn key() -> Result<[u8; 32], ApiError> {
    bytes::<32>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let id = uuid().unwrap();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_ne!(uuid().unwrap(), id);
        let t = token().unwrap();
        assert_eq!(t.len(), 43);
        assert!(
            t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        for _ in 0..100 {
            let code = otp_code().unwrap();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }
}
