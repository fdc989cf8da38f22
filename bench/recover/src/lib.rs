//! Bench only: the crate's EIP-191 recovery (`ratio_auth::eip191::recover_personal`, the code
//! the shipped wasm runs to check a wallet's signature) exported to JS, so `scripts/bench` can
//! time it next to `@noble/curves` and ethers in one page. Never shipped.

use wasm_bindgen::prelude::*;

/// The lowercase `0x` address that `personal_sign`ed `message`, or `""` if none recovers.
#[wasm_bindgen]
pub fn recover(message: &str, signature: &str) -> String {
    ratio_auth::eip191::recover_personal(message.as_bytes(), signature)
        .map(|address| address.to_lower_hex())
        .unwrap_or_default()
}
