//! EIP-191 `personal_sign`: message hashing, signer recovery and EIP-55 addresses.
//!
//! Ratio's wallet challenge is signed with `personal_sign`, so the signature is over
//! `keccak256("\x19Ethereum Signed Message:\n" ++ len(message) ++ message)`, where `message` is
//! the UTF-8 bytes of the challenge. The SDK recovers the signer *before* sending a signature so
//! that a wallet that signed with another account, or signed the wrong bytes, is reported
//! precisely instead of as the server's opaque `INVALID_SIGNATURE`.

use crate::prelude::*;
use core::fmt;
use core::str::FromStr;

// Signing, and addresses of k256 keys, are for native tooling and tests (the sandbox, the load
// driver): the wasm only recovers, with `crate::secp256k1`.
#[cfg(not(target_arch = "wasm32"))]
use k256::ecdsa::{SigningKey, VerifyingKey};
use sha3::{Digest, Keccak256};

use crate::json::{self, FromJson, ShapeError, ToJson, Value};

/// Keccak-256 (the pre-standard SHA-3 variant Ethereum uses).
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// The digest `personal_sign` signs for `message`.
pub fn personal_message_hash(message: &[u8]) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    hasher.update(b"\x19Ethereum Signed Message:\n");
    hasher.update(json::u64_text(message.len() as u64).as_bytes());
    hasher.update(message);
    hasher.finalize().into()
}

/// A 20-byte Ethereum account address.
///
/// Equality compares bytes, so two spellings that differ only in case are the same address.
/// `Display` (and [`Address::to_checksum`]) gives the EIP-55 mixed-case form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address([u8; 20]);

/// Why a string is not an acceptable address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressError {
    /// It does not start with `0x`.
    MissingPrefix,
    /// It is not 40 hex digits after the prefix.
    BadLength,
    /// It has a character that is not a hex digit.
    NotHex,
    /// It is mixed-case but the case does not match the EIP-55 checksum: most likely a typo.
    BadChecksum,
}

impl Piece for AddressError {
    fn push_to(&self, out: &mut String) {
        out.push_str(match self {
            AddressError::MissingPrefix => "address must start with 0x",
            AddressError::BadLength => "address must be 40 hex digits after 0x",
            AddressError::NotHex => "address contains a character that is not a hex digit",
            AddressError::BadChecksum => "address has mixed case that fails its EIP-55 checksum",
        })
    }
}

crate::text::display_by_piece!(AddressError);

impl core::error::Error for AddressError {}

impl Address {
    pub const fn from_bytes(bytes: [u8; 20]) -> Self {
        Address(bytes)
    }

    pub const fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    /// Parses `0x` + 40 hex digits. All-lowercase and all-uppercase are accepted as they are;
    /// a mixed-case address must carry a valid EIP-55 checksum.
    pub fn parse(s: &str) -> Result<Self, AddressError> {
        let digits = s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .ok_or(AddressError::MissingPrefix)?;
        if digits.len() != 40 {
            return Err(AddressError::BadLength);
        }
        let mut bytes = [0u8; 20];
        hex::decode_to_slice(digits, &mut bytes).map_err(|_| AddressError::NotHex)?;
        let address = Address(bytes);
        let has_lower = digits.bytes().any(|b| b.is_ascii_lowercase());
        let has_upper = digits.bytes().any(|b| b.is_ascii_uppercase());
        if has_lower && has_upper && address.checksum_digits() != digits {
            return Err(AddressError::BadChecksum);
        }
        Ok(address)
    }

    /// The address that owns `key`: the last 20 bytes of keccak256 of the uncompressed point.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_verifying_key(key: &VerifyingKey) -> Self {
        let point = key.to_encoded_point(false);
        // An uncompressed SEC1 point is 0x04 ‖ x ‖ y; the address hashes x ‖ y.
        Self::from_public_key(&point.as_bytes()[1..])
    }

    /// The address of the public key whose uncompressed point is `x ‖ y` (64 bytes).
    fn from_public_key(x_y: &[u8]) -> Self {
        let hash = keccak256(x_y);
        let mut bytes = [0u8; 20];
        bytes.copy_from_slice(&hash[12..]);
        Address(bytes)
    }

    /// EIP-55 mixed-case checksum form, with `0x`.
    pub fn to_checksum(&self) -> String {
        let mut out = String::with_capacity(42);
        out.push_str("0x");
        out.push_str(&self.checksum_digits());
        out
    }

    /// Lowercase hex with `0x`.
    pub fn to_lower_hex(&self) -> String {
        let mut out = String::with_capacity(42);
        out.push_str("0x");
        out.push_str(&hex::encode(self.0));
        out
    }

    fn checksum_digits(&self) -> String {
        let lower = hex::encode(self.0);
        let hash = keccak256(lower.as_bytes());
        lower
            .char_indices()
            .map(|(i, c)| {
                let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
                if c.is_ascii_alphabetic() && nibble >= 8 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect()
    }
}

impl FromStr for Address {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Address::parse(s)
    }
}

impl Piece for Address {
    fn push_to(&self, out: &mut String) {
        out.push_str(&self.to_checksum())
    }
}

crate::text::display_by_piece!(Address);

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&text!("Address(", self.to_checksum(), ")"))
    }
}

/// Written EIP-55.
impl ToJson for Address {
    fn to_json(&self) -> Value {
        Value::String(self.to_checksum())
    }
}

/// Read with [`Address::parse`] (a mixed-case string must pass its checksum).
impl FromJson for Address {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        value
            .as_str()
            .and_then(|s| Address::parse(s).ok())
            .ok_or(ShapeError::WrongType("address"))
    }
}

/// Why a signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// Not hex (with or without `0x`).
    NotHex,
    /// Not 65 bytes (r ‖ s ‖ v).
    BadLength { bytes: usize },
    /// `v` is not one of 0, 1, 27, 28.
    BadRecoveryId { v: u8 },
    /// r or s is out of range, or no public key recovers from it.
    Unrecoverable,
    /// The signature is valid but was made by another account than the one expected.
    /// `signed_hex_text` is set when the expected account did sign, but over the *text* of the
    /// challenge's hex encoding rather than its UTF-8 bytes (a known wallet quirk); `signed_by`
    /// is then that account.
    WrongSigner {
        signed_by: Address,
        signed_hex_text: bool,
    },
}

impl Piece for SignatureError {
    fn push_to(&self, out: &mut String) {
        match self {
            SignatureError::NotHex => out.push_str("signature is not hex"),
            SignatureError::BadLength { bytes } => {
                out.push_str(&text!("signature must be 65 bytes, got ", bytes))
            }
            SignatureError::BadRecoveryId { v } => out.push_str(&text!(
                "signature recovery byte must be 0, 1, 27 or 28, got ",
                v
            )),
            SignatureError::Unrecoverable => {
                out.push_str("no signer can be recovered from the signature")
            }
            SignatureError::WrongSigner {
                signed_by,
                signed_hex_text: true,
            } => out.push_str(&text!(
                "wallet ",
                signed_by,
                " signed the hex text of the challenge instead of its UTF-8 bytes"
            )),
            SignatureError::WrongSigner {
                signed_by,
                signed_hex_text: false,
            } => out.push_str(&text!(
                "signature was made by ",
                signed_by,
                ", not by the signing account"
            )),
        }
    }
}

crate::text::display_by_piece!(SignatureError);

impl core::error::Error for SignatureError {}

/// Decodes `0x`-hex or bare hex into the 65 bytes r ‖ s ‖ v.
pub fn decode_signature(signature: &str) -> Result<[u8; 65], SignatureError> {
    let digits = signature.trim();
    let digits = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
        .unwrap_or(digits);
    if digits.len() % 2 != 0 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SignatureError::NotHex);
    }
    if digits.len() != 130 {
        return Err(SignatureError::BadLength {
            bytes: digits.len() / 2,
        });
    }
    let mut bytes = [0u8; 65];
    hex::decode_to_slice(digits, &mut bytes).map_err(|_| SignatureError::NotHex)?;
    Ok(bytes)
}

/// Recovers the account that `personal_sign`ed `message` to produce `signature`.
///
/// Accepts `v` in {0, 1, 27, 28} and high-s signatures (wallets give low-s; a high s recovers
/// the same account as its low-s twin).
pub fn recover_personal(message: &[u8], signature: &str) -> Result<Address, SignatureError> {
    let bytes = decode_signature(signature)?;
    let v = bytes[64];
    let y_odd = match v {
        0 | 27 => false,
        1 | 28 => true,
        _ => return Err(SignatureError::BadRecoveryId { v }),
    };
    let mut r = [0u8; 32];
    let mut s = [0u8; 32];
    r.copy_from_slice(&bytes[..32]);
    s.copy_from_slice(&bytes[32..64]);
    let hash = personal_message_hash(message);
    let key =
        crate::secp256k1::recover(&hash, &r, &s, y_odd).ok_or(SignatureError::Unrecoverable)?;
    Ok(Address::from_public_key(&key))
}

/// Checks that `expected` `personal_sign`ed the UTF-8 bytes of `challenge`.
///
/// When another account comes out, also tries the hex-text quirk so the error can say what the
/// wallet actually did.
pub fn check_signer(
    challenge: &str,
    signature: &str,
    expected: &Address,
) -> Result<(), SignatureError> {
    let signer = recover_personal(challenge.as_bytes(), signature)?;
    if signer == *expected {
        return Ok(());
    }
    let hex_text = challenge_hex(challenge);
    let bare_hex = hex_text.get(2..).unwrap_or_default();
    let quirk = [hex_text.as_str(), bare_hex]
        .iter()
        .any(|text| recover_personal(text.as_bytes(), signature).is_ok_and(|a| a == *expected));
    Err(SignatureError::WrongSigner {
        signed_by: if quirk { *expected } else { signer },
        signed_hex_text: quirk,
    })
}

/// The `0x`-hex of the challenge's UTF-8 bytes: what `personal_sign` is given as its message.
pub fn challenge_hex(challenge: &str) -> String {
    let mut out = String::from("0x");
    out.push_str(&hex::encode(challenge.as_bytes()));
    out
}

/// Signs `message` as `personal_sign` would: `0x` ‖ r ‖ s ‖ v, low-s, v = 27/28.
///
/// For tests, the demo's sandbox wallet and native tooling; a dapp signs with its wallet.
#[cfg(not(target_arch = "wasm32"))]
pub fn sign_personal(key: &SigningKey, message: &[u8]) -> String {
    let hash = personal_message_hash(message);
    // `sign_prehash_recoverable` only fails for a digest shorter than the field size; ours is
    // always 32 bytes, so the error arm cannot be taken. It still maps to a well-formed but
    // invalid signature rather than a panic.
    match key.sign_prehash_recoverable(&hash) {
        Ok((sig, recovery_id)) => {
            let mut out = [0u8; 65];
            out[..64].copy_from_slice(&sig.to_bytes());
            out[64] = 27 + recovery_id.to_byte();
            text!("0x", hex::encode(out))
        }
        Err(_) => text!("0x", "00".repeat(65)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Produced by ethers v6 (`Wallet.signMessage`, `hashMessage`), an independent implementation.
    struct Vector {
        key: &'static str,
        address: &'static str,
        message: &'static str,
        hash: &'static str,
        signature: &'static str,
    }

    const KEY_A: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
    const KEY_B: &str = "0123456789012345678901234567890123456789012345678901234567890123";
    const ADDR_A: &str = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";
    const ADDR_B: &str = "0x14791697260E4c9A71f18484C9f997B308e59325";

    const VECTORS: &[Vector] = &[
        Vector {
            key: KEY_A,
            address: ADDR_A,
            message: "Some data",
            hash: "1da44b586eb0729ff70a73c326926f6ed5a25f5b056e7f47fbc6e58d86871655",
            signature: "0xb91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a0291c",
        },
        Vector {
            key: KEY_A,
            address: ADDR_A,
            message: "Hello World",
            hash: "a1de988600a42c4b4ab089b619297c17d53cffae5d5120d82d8a92d0bb3b78f2",
            signature: "0x6f267aa61dda3067280942299172e2b9f6b4252b492e7c0343ecce6e7edfe0b24110a805ba6777e4303501ea9dfae133855f4ee2e34fd0444bb23d11f296eef31c",
        },
        Vector {
            key: KEY_A,
            address: ADDR_A,
            message: "Signing in with Ratio: q9JxWcH2v-Lr0e8bZp3FtA",
            hash: "4fe13b21c96f959b6f12af82e1e61a87671268e63958df3d3fec420c9505a1e7",
            signature: "0x599659177c875422c4799733f53481ded31b36fb02063893c9806379c04a30945682aa050d8e52d98649eb1c94501b13518200ddd78560611803e2442d3ddcf51b",
        },
        Vector {
            key: KEY_A,
            address: ADDR_A,
            message: "",
            hash: "5f35dce98ba4fba25530a026ed80b2cecdaa31091ba4958b99b52ea1d068adad",
            signature: "0x8a68b4e66cd2b575338e16069d7b65f6f67c7ceae8945dccf8cb7bdb06278d933dd9c888f3444ca4698464079a067ad3cfffe96d493b8ecf56885169d0fdfe7d1b",
        },
        Vector {
            key: KEY_A,
            address: ADDR_A,
            message: "héllo ✓ 日本",
            hash: "97f38272bb493fe7b9a85839d620aab5f401b0e3ae1a3924c28d2f935541d208",
            signature: "0xd3b1e929b631c51d7637c87f945a7726ef49a2e7d4f3e0033cff2f851089259c483aeebee5b6168a33a3d1b90c645c379ed53344d71452ae10099d9461b13dbd1c",
        },
        Vector {
            key: KEY_B,
            address: ADDR_B,
            message: "Some data",
            hash: "1da44b586eb0729ff70a73c326926f6ed5a25f5b056e7f47fbc6e58d86871655",
            signature: "0x0ff83f70566342e0c158cf32ce3e7bfc029c0d450ca1cda029f3e1753916d8a05063a9559d93af9060e227fd8a7d08f0b004cf34f41ce487954b016977bfd4891b",
        },
        Vector {
            key: KEY_B,
            address: ADDR_B,
            message: "Hello World",
            hash: "a1de988600a42c4b4ab089b619297c17d53cffae5d5120d82d8a92d0bb3b78f2",
            signature: "0xe0ed34fbbe927a58267ce2e8067a611c69869e20e731bc99187a8bc97058664c16de07f7660f06ce0985d1d8e063726783033fda59b307897f26a21392d62b3a1c",
        },
        Vector {
            key: KEY_B,
            address: ADDR_B,
            message: "Signing in with Ratio: q9JxWcH2v-Lr0e8bZp3FtA",
            hash: "4fe13b21c96f959b6f12af82e1e61a87671268e63958df3d3fec420c9505a1e7",
            signature: "0xda90187124ed56c083e998757a512162053c5f03bf96819c5a4426b72f7dbaa7343183a6ae353043d7cf6247511a31d7dc0d6f65bfa0bbf7e7526e7e22cfa1671c",
        },
        Vector {
            key: KEY_B,
            address: ADDR_B,
            message: "",
            hash: "5f35dce98ba4fba25530a026ed80b2cecdaa31091ba4958b99b52ea1d068adad",
            signature: "0xf93927710a3a451d0a5e5c00013078156e6e1de125513ef855322bb7cd82f8464973d0cf7adc5809004833afc97f5eb98ab3ed5a8a5ad38b2d4e10e071b36faf1b",
        },
        Vector {
            key: KEY_B,
            address: ADDR_B,
            message: "héllo ✓ 日本",
            hash: "97f38272bb493fe7b9a85839d620aab5f401b0e3ae1a3924c28d2f935541d208",
            signature: "0x38edab6636e5b289637783521fb9b42c32e2c40970fd0ce03ebcfbef39b1b02d36e1add1911eef464831886f00cead1913e2e252b90984adbd4ff984f3463e081b",
        },
    ];

    fn key(hex_key: &str) -> SigningKey {
        let bytes: [u8; 32] = hex::decode(hex_key).unwrap().try_into().unwrap();
        SigningKey::from_bytes(&bytes.into()).unwrap()
    }

    fn addr(s: &str) -> Address {
        Address::parse(s).unwrap()
    }

    #[test]
    fn hashes_match_ethers() {
        for v in VECTORS {
            assert_eq!(
                hex::encode(personal_message_hash(v.message.as_bytes())),
                v.hash,
                "{:?}",
                v.message
            );
        }
    }

    #[test]
    fn keys_give_the_published_addresses() {
        for v in VECTORS {
            let a = Address::from_verifying_key(key(v.key).verifying_key());
            assert_eq!(a.to_checksum(), v.address);
        }
    }

    #[test]
    fn signing_is_byte_identical_to_ethers() {
        // RFC 6979 makes ECDSA deterministic, so two correct implementations agree exactly.
        for v in VECTORS {
            assert_eq!(
                sign_personal(&key(v.key), v.message.as_bytes()),
                v.signature,
                "{:?}",
                v.message
            );
        }
    }

    #[test]
    fn recovers_ethers_signatures() {
        for v in VECTORS {
            assert_eq!(
                recover_personal(v.message.as_bytes(), v.signature).unwrap(),
                addr(v.address)
            );
            assert_eq!(
                check_signer(v.message, v.signature, &addr(v.address)),
                Ok(())
            );
        }
    }

    #[test]
    fn accepts_bare_hex_and_v_0_or_1() {
        let v = &VECTORS[0];
        let bare = &v.signature[2..];
        assert_eq!(
            recover_personal(v.message.as_bytes(), bare).unwrap(),
            addr(v.address)
        );
        let mut bytes = decode_signature(v.signature).unwrap();
        bytes[64] -= 27;
        let zero_one = hex::encode(bytes);
        assert_eq!(
            recover_personal(v.message.as_bytes(), &zero_one).unwrap(),
            addr(v.address)
        );
    }

    #[test]
    fn accepts_high_s_signatures() {
        // n - s with the recovery bit flipped is the same signature in its high-s form.
        const N: [u8; 32] = [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c,
            0xd0, 0x36, 0x41, 0x41,
        ];
        for v in VECTORS {
            let mut bytes = decode_signature(v.signature).unwrap();
            let mut borrow = 0i16;
            for i in (0..32).rev() {
                let d = N[i] as i16 - bytes[32 + i] as i16 - borrow;
                bytes[32 + i] = d.rem_euclid(256) as u8;
                borrow = if d < 0 { 1 } else { 0 };
            }
            bytes[64] = if bytes[64] == 27 { 28 } else { 27 };
            let high_s = format!("0x{}", hex::encode(bytes));
            assert_ne!(high_s, v.signature);
            assert_eq!(
                recover_personal(v.message.as_bytes(), &high_s).unwrap(),
                addr(v.address)
            );
        }
    }

    #[test]
    fn rejects_malformed_signatures() {
        let msg = b"x";
        assert_eq!(recover_personal(msg, "0xzz"), Err(SignatureError::NotHex));
        assert_eq!(recover_personal(msg, "0x123"), Err(SignatureError::NotHex));
        assert_eq!(
            recover_personal(msg, "0x1234"),
            Err(SignatureError::BadLength { bytes: 2 })
        );
        assert_eq!(
            recover_personal(msg, ""),
            Err(SignatureError::BadLength { bytes: 0 })
        );
        let mut bytes = decode_signature(VECTORS[0].signature).unwrap();
        bytes[64] = 29;
        assert_eq!(
            recover_personal(msg, &hex::encode(bytes)),
            Err(SignatureError::BadRecoveryId { v: 29 })
        );
        // r = 0 is out of range.
        let zero_r = format!("{}{}", "00".repeat(32), &VECTORS[0].signature[66..]);
        assert_eq!(
            recover_personal(msg, &zero_r),
            Err(SignatureError::Unrecoverable)
        );
        assert_eq!(
            recover_personal(msg, &"ff".repeat(65)),
            Err(SignatureError::BadRecoveryId { v: 255 })
        );
    }

    #[test]
    fn wrong_account_is_named() {
        let challenge = "Signing in with Ratio: q9JxWcH2v-Lr0e8bZp3FtA";
        let by_b = sign_personal(&key(KEY_B), challenge.as_bytes());
        assert_eq!(
            check_signer(challenge, &by_b, &addr(ADDR_A)),
            Err(SignatureError::WrongSigner {
                signed_by: addr(ADDR_B),
                signed_hex_text: false
            })
        );
    }

    #[test]
    fn hex_text_quirk_is_told_apart() {
        let challenge = "Signing in with Ratio: q9JxWcH2v-Lr0e8bZp3FtA";
        for text in [challenge_hex(challenge), hex::encode(challenge.as_bytes())] {
            let quirky = sign_personal(&key(KEY_A), text.as_bytes());
            let err = check_signer(challenge, &quirky, &addr(ADDR_A)).unwrap_err();
            assert_eq!(
                err,
                SignatureError::WrongSigner {
                    signed_by: addr(ADDR_A),
                    signed_hex_text: true
                }
            );
            assert!(err.to_string().contains("hex text"));
        }
    }

    #[test]
    fn eip55_examples_from_the_eip() {
        for s in [
            "0x52908400098527886E0F7030069857D2E4169EE7",
            "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
            "0xde709f2102306220921060314715629080e2fb77",
            "0x27b1fdb04752bbc536007a920d24acb045561c26",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ] {
            let a = addr(s);
            // The EIP's all-caps and all-lower examples are not checksummed; the rest are.
            assert_eq!(a.to_checksum().to_lowercase(), s.to_lowercase());
            if s[2..].bytes().any(|b| b.is_ascii_lowercase())
                && s[2..].bytes().any(|b| b.is_ascii_uppercase())
            {
                assert_eq!(a.to_checksum(), s);
            }
        }
        assert_eq!(
            addr("0x52908400098527886E0F7030069857D2E4169EE7").to_checksum(),
            "0x52908400098527886E0F7030069857D2E4169EE7"
        );
        assert_eq!(
            addr("0xde709f2102306220921060314715629080e2fb77").to_checksum(),
            "0xde709f2102306220921060314715629080e2fb77"
        );
    }

    #[test]
    fn address_parsing_rules() {
        assert_eq!(
            Address::parse("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
            Err(AddressError::MissingPrefix)
        );
        assert_eq!(
            Address::parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe"),
            Err(AddressError::BadLength)
        );
        assert_eq!(
            Address::parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg"),
            Err(AddressError::NotHex)
        );
        // One letter's case flipped: a typo the checksum exists to catch.
        assert_eq!(
            Address::parse("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
            Err(AddressError::BadChecksum)
        );
        assert_eq!(
            addr("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
            addr("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED")
        );
        assert_eq!(
            addr("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").to_lower_hex(),
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
        );
        assert_eq!(
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".parse::<Address>(),
            Ok(addr("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"))
        );
    }

    #[test]
    fn address_json_round_trip() {
        let a = addr(ADDR_A);
        let text = a.to_json().to_json_string();
        assert_eq!(text, format!("\"{ADDR_A}\""));
        let lower = json::parse(&text.to_lowercase()).unwrap();
        assert_eq!(Address::from_json(&lower), Ok(a));
        let typo = json::parse("\"0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"").unwrap();
        assert!(Address::from_json(&typo).is_err());
        assert!(Address::from_json(&Value::from(7u64)).is_err());
    }
}
