//! Smart-contract wallets (EIP-1271, ERC-6492), played without a chain: a registered wallet's
//! valid signature is its owner's EIP-191 signature over the challenge, which is what a simple
//! 1271 contract checks in `isValidSignature`. Documented in `sandbox/README.md`.

use std::collections::HashMap;

use ratio_auth::eip191::Address;

/// The last 32 bytes of an ERC-6492 signature.
pub const ERC6492_SUFFIX: [u8; 32] = {
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = if i % 2 == 0 { 0x64 } else { 0x92 };
        i += 1;
    }
    out
};

/// Registered contract wallets and whether the server plays one with EIP-1271 support.
#[derive(Debug)]
pub struct ContractWallets {
    owners: HashMap<Address, Address>,
    accept: bool,
    /// What `accept` returns to on reset (the `--no-contract-wallets` switch).
    accept_at_start: bool,
    cap: usize,
}

impl ContractWallets {
    pub fn new(accept: bool, cap: usize) -> Self {
        ContractWallets {
            owners: HashMap::new(),
            accept,
            accept_at_start: accept,
            cap,
        }
    }

    /// `false` when the table is full (and `wallet` is not in it already).
    pub fn register(&mut self, wallet: Address, owner: Address) -> bool {
        if self.owners.len() >= self.cap && !self.owners.contains_key(&wallet) {
            return false;
        }
        self.owners.insert(wallet, owner);
        true
    }

    pub fn owner(&self, wallet: &Address) -> Option<Address> {
        self.owners.get(wallet).copied()
    }

    pub fn accepts(&self) -> bool {
        self.accept
    }

    pub fn set_accept(&mut self, accept: bool) {
        self.accept = accept;
    }

    pub fn cap(&self) -> usize {
        self.cap
    }

    pub fn reset(&mut self) {
        self.owners.clear();
        self.accept = self.accept_at_start;
    }
}

/// The owner's 65-byte signature inside a contract wallet's signature: the signature itself,
/// or, in an ERC-6492 wrapper, the 65 bytes just before the magic suffix (the sandbox's
/// simplified layout: whatever comes before those is ignored, as if it deployed the wallet).
pub fn owner_signature(signature: &str) -> Option<String> {
    let trimmed = signature.trim();
    let digits = trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
        .unwrap_or(trimmed);
    if digits.len() % 2 != 0 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let suffix = hex::encode(ERC6492_SUFFIX);
    let wrapped = digits.len() > suffix.len()
        && digits[digits.len() - suffix.len()..].eq_ignore_ascii_case(&suffix);
    if !wrapped {
        return Some(format!("0x{digits}"));
    }
    let body = &digits[..digits.len() - suffix.len()];
    if body.len() < 130 {
        return None;
    }
    Some(format!("0x{}", &body[body.len() - 130..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suffix_is_6492_repeated() {
        assert_eq!(hex::encode(ERC6492_SUFFIX), "6492".repeat(16));
    }

    #[test]
    fn owner_signatures_are_found() {
        let owner = "ab".repeat(65);
        assert_eq!(
            owner_signature(&format!("0x{owner}")),
            Some(format!("0x{owner}"))
        );
        let wrapped = format!("0x{}{owner}{}", "00".repeat(40), "6492".repeat(16));
        assert_eq!(owner_signature(&wrapped), Some(format!("0x{owner}")));
        let short = format!("0x{}{}", "ab".repeat(64), "6492".repeat(16));
        assert_eq!(owner_signature(&short), None);
        assert_eq!(owner_signature("0xzz"), None);
    }

    #[test]
    fn reset_restores_the_start_setting() {
        let mut wallets = ContractWallets::new(true, 1);
        let (a, b) = (Address::from_bytes([1; 20]), Address::from_bytes([2; 20]));
        assert!(wallets.register(a, b));
        assert!(!wallets.register(b, b), "full");
        assert!(wallets.register(a, a), "re-registering is not growth");
        wallets.set_accept(false);
        wallets.reset();
        assert!(wallets.accepts());
        assert_eq!(wallets.owner(&a), None);
    }
}
