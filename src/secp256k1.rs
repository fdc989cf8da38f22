//! secp256k1 public-key recovery from an ECDSA signature: the one curve operation the SDK needs
//! (it checks which account signed a challenge before sending the signature on).
//!
//! Written here instead of taken from `k256` because of what `k256` costs the package: its
//! recovery, with `ecdsa`, `elliptic-curve`, `crypto-bigint` and their error types, was 14.2 KB of
//! the 90.5 KB gzip `.wasm`; this module is about 2 KB. It stays small by doing less: no signing, no
//! secret ever passes through it, so nothing needs constant time (every input is a public
//! signature and a public message hash); one reduction routine serves both moduli; points use
//! plain Jacobian formulas and a joint double-and-add. `k256` remains the oracle: the tests
//! (here, `tests/`, and the `signature` fuzz target) recover every signature both ways.

/// A 256-bit integer as eight 32-bit limbs, least significant first: wasm multiplies 32×32→64
/// in one instruction, and has no 64×64→128.
type U256 = [u32; 8];

/// A prime modulus `m = 2^256 − c`, with `c` short: products reduce by folding their high half
/// times `c` into the low half.
struct Modulus {
    m: U256,
    c: &'static [u32],
}

/// The field prime p = 2^256 − 2^32 − 977.
const P: Modulus = Modulus {
    m: [
        0xFFFF_FC2F,
        0xFFFF_FFFE,
        0xFFFF_FFFF,
        0xFFFF_FFFF,
        0xFFFF_FFFF,
        0xFFFF_FFFF,
        0xFFFF_FFFF,
        0xFFFF_FFFF,
    ],
    c: &[0x3D1, 1],
};

/// The group order n.
const N: Modulus = Modulus {
    m: [
        0xD036_4141,
        0xBFD2_5E8C,
        0xAF48_A03B,
        0xBAAE_DCE6,
        0xFFFF_FFFE,
        0xFFFF_FFFF,
        0xFFFF_FFFF,
        0xFFFF_FFFF,
    ],
    c: &[0x2FC9_BEBF, 0x402D_A173, 0x50B7_5FC4, 0x4551_2319, 1],
};

/// (p + 1) / 4: since p ≡ 3 (mod 4), a square's root is its power by this.
const SQRT_EXPONENT: U256 = [
    0xBFFF_FF0C,
    0xFFFF_FFFF,
    0xFFFF_FFFF,
    0xFFFF_FFFF,
    0xFFFF_FFFF,
    0xFFFF_FFFF,
    0xFFFF_FFFF,
    0x3FFF_FFFF,
];

const GENERATOR_X: U256 = [
    0x16F8_1798,
    0x59F2_815B,
    0x2DCE_28D9,
    0x029B_FCDB,
    0xCE87_0B07,
    0x55A0_6295,
    0xF9DC_BBAC,
    0x79BE_667E,
];
const GENERATOR_Y: U256 = [
    0xFB10_D4B8,
    0x9C47_D08F,
    0xA685_5419,
    0xFD17_B448,
    0x0E11_08A8,
    0x5DA4_FBFC,
    0x26A3_C465,
    0x483A_DA77,
];

const ZERO: U256 = [0; 8];
const ONE: U256 = [1, 0, 0, 0, 0, 0, 0, 0];

fn from_be_bytes(bytes: &[u8; 32]) -> U256 {
    let mut out = ZERO;
    for (limb, chunk) in out.iter_mut().zip(bytes.rchunks_exact(4)) {
        *limb = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    out
}

fn to_be_bytes(value: &U256, out: &mut [u8]) {
    for (limb, chunk) in value.iter().zip(out.rchunks_exact_mut(4)) {
        chunk.copy_from_slice(&limb.to_be_bytes());
    }
}

/// `a + b` and whether it carried out of 256 bits.
fn add_raw(a: &U256, b: &U256) -> (U256, bool) {
    let mut out = ZERO;
    let mut carry = 0u64;
    for i in 0..8 {
        let sum = a[i] as u64 + b[i] as u64 + carry;
        out[i] = sum as u32;
        carry = sum >> 32;
    }
    (out, carry != 0)
}

/// `a − b` and whether it borrowed.
fn sub_raw(a: &U256, b: &U256) -> (U256, bool) {
    let mut out = ZERO;
    let mut borrow = 0i64;
    for i in 0..8 {
        let diff = a[i] as i64 - b[i] as i64 + borrow;
        out[i] = diff as u32;
        borrow = diff >> 32;
    }
    (out, borrow != 0)
}

/// Whether `a` is a reduced residue of `m`, that is `a < m`.
fn below(a: &U256, m: &Modulus) -> bool {
    sub_raw(a, &m.m).1
}

impl Modulus {
    fn add(&self, a: &U256, b: &U256) -> U256 {
        let (sum, carried) = add_raw(a, b);
        if carried || !below(&sum, self) {
            sub_raw(&sum, &self.m).0
        } else {
            sum
        }
    }

    fn sub(&self, a: &U256, b: &U256) -> U256 {
        let (diff, borrowed) = sub_raw(a, b);
        if borrowed {
            add_raw(&diff, &self.m).0
        } else {
            diff
        }
    }

    fn neg(&self, a: &U256) -> U256 {
        self.sub(&ZERO, a)
    }

    fn mul(&self, a: &U256, b: &U256) -> U256 {
        let mut wide = [0u32; 16];
        for i in 0..8 {
            let mut carry = 0u64;
            for j in 0..8 {
                let t = wide[i + j] as u64 + a[i] as u64 * b[j] as u64 + carry;
                wide[i + j] = t as u32;
                carry = t >> 32;
            }
            wide[i + 8] = carry as u32;
        }
        self.reduce(wide)
    }

    /// Reduces a 512-bit value: `high·2^256 + low ≡ low + high·c`, repeated until the high half
    /// is zero (three or four rounds: each shortens the value by 256 − bits(c)), then one
    /// subtraction, since m > 2^255.
    fn reduce(&self, mut wide: [u32; 16]) -> U256 {
        while wide[8..].iter().any(|&limb| limb != 0) {
            let mut next = [0u32; 16];
            next[..8].copy_from_slice(&wide[..8]);
            for (i, &high) in wide[8..].iter().enumerate() {
                let mut carry = 0u64;
                // The sum stays below 2^512, so the carry dies before the last limb.
                for (k, limb) in next.iter_mut().enumerate().skip(i) {
                    let factor = self.c.get(k - i).copied().unwrap_or(0);
                    if factor == 0 && carry == 0 {
                        break;
                    }
                    let t = *limb as u64 + high as u64 * factor as u64 + carry;
                    *limb = t as u32;
                    carry = t >> 32;
                }
            }
            wide = next;
        }
        let mut low = ZERO;
        low.copy_from_slice(&wide[..8]);
        if below(&low, self) {
            low
        } else {
            sub_raw(&low, &self.m).0
        }
    }

    fn square(&self, a: &U256) -> U256 {
        self.mul(a, a)
    }

    /// `base^exponent`, four bits at a time from the top (the exponents here are mostly ones:
    /// 64 products instead of 250).
    fn pow(&self, base: &U256, exponent: &U256) -> U256 {
        let mut powers = [ONE; 16];
        for i in 1..16 {
            powers[i] = self.mul(&powers[i - 1], base);
        }
        let mut out = ONE;
        for nibble in (0..64).rev() {
            for _ in 0..4 {
                out = self.square(&out);
            }
            let digit = exponent[nibble / 8] >> (nibble % 8 * 4) & 0xF;
            if digit != 0 {
                out = self.mul(&out, &powers[digit as usize]);
            }
        }
        out
    }

    /// `a^-1` by Fermat (`a^(m−2)`); `a` is not zero.
    fn invert(&self, a: &U256) -> U256 {
        let exponent = sub_raw(&self.m, &[2, 0, 0, 0, 0, 0, 0, 0]).0;
        self.pow(a, &exponent)
    }
}

/// A point in Jacobian coordinates (x = X/Z², y = Y/Z³); Z = 0 is the point at infinity.
#[derive(Clone, Copy)]
struct Point {
    x: U256,
    y: U256,
    z: U256,
}

const INFINITY: Point = Point {
    x: ONE,
    y: ONE,
    z: ZERO,
};

impl Point {
    fn is_infinity(&self) -> bool {
        self.z == ZERO
    }

    /// 2·self, for a curve with a = 0 (dbl-2009-l).
    fn double(&self) -> Point {
        if self.is_infinity() || self.y == ZERO {
            return INFINITY;
        }
        let a = P.square(&self.x);
        let b = P.square(&self.y);
        let c = P.square(&b);
        let x_plus_b = P.add(&self.x, &b);
        let d = P.sub(&P.sub(&P.square(&x_plus_b), &a), &c);
        let d = P.add(&d, &d);
        let e = P.add(&P.add(&a, &a), &a);
        let f = P.square(&e);
        let x = P.sub(&f, &P.add(&d, &d));
        let c2 = P.add(&c, &c);
        let c4 = P.add(&c2, &c2);
        let c8 = P.add(&c4, &c4);
        let y = P.sub(&P.mul(&e, &P.sub(&d, &x)), &c8);
        let yz = P.mul(&self.y, &self.z);
        Point {
            x,
            y,
            z: P.add(&yz, &yz),
        }
    }

    /// self + other, any two points (add-1998-cmo-2, with the equal and opposite cases).
    fn add(&self, other: &Point) -> Point {
        if self.is_infinity() {
            return *other;
        }
        if other.is_infinity() {
            return *self;
        }
        let z1z1 = P.square(&self.z);
        let u2 = P.mul(&other.x, &z1z1);
        let s2 = P.mul(&other.y, &P.mul(&self.z, &z1z1));
        // Most additions are of G or R, whose Z is 1: four products fewer.
        let (u1, s1) = if other.z == ONE {
            (self.x, self.y)
        } else {
            let z2z2 = P.square(&other.z);
            (
                P.mul(&self.x, &z2z2),
                P.mul(&self.y, &P.mul(&other.z, &z2z2)),
            )
        };
        let h = P.sub(&u2, &u1);
        let r = P.sub(&s2, &s1);
        if h == ZERO {
            return if r == ZERO { self.double() } else { INFINITY };
        }
        let hh = P.square(&h);
        let hhh = P.mul(&h, &hh);
        let v = P.mul(&u1, &hh);
        let x = P.sub(&P.sub(&P.square(&r), &hhh), &P.add(&v, &v));
        let y = P.sub(&P.mul(&r, &P.sub(&v, &x)), &P.mul(&s1, &hhh));
        let z = P.mul(&h, &P.mul(&self.z, &other.z));
        Point { x, y, z }
    }
}

/// `a·A + b·B` by one joint double-and-add over the two scalars' bits (Shamir's trick).
fn linear_combination(a: &U256, point_a: &Point, b: &U256, point_b: &Point) -> Point {
    let both = point_a.add(point_b);
    let mut out = INFINITY;
    for bit in (0..256).rev() {
        out = out.double();
        let bit_a = a[bit / 32] >> (bit % 32) & 1;
        let bit_b = b[bit / 32] >> (bit % 32) & 1;
        match (bit_a, bit_b) {
            (1, 1) => out = out.add(&both),
            (1, _) => out = out.add(point_a),
            (_, 1) => out = out.add(point_b),
            _ => {}
        }
    }
    out
}

/// The public key that made the signature `(r, s)` over `prehash`, as the 64 bytes x ‖ y of its
/// uncompressed point; `y_odd` is the recovery bit (the parity of the nonce point's y).
///
/// `None` when r or s is zero or not below n, when r is not the x of a curve point, or when the
/// key would be the point at infinity: exactly the signatures `k256`'s `recover_from_prehash`
/// refuses. A high s is accepted (it recovers the same key as n − s with the bit flipped), and r
/// is always the nonce point's x itself: Ethereum has no recovery ids for an x above n.
pub fn recover(prehash: &[u8; 32], r: &[u8; 32], s: &[u8; 32], y_odd: bool) -> Option<[u8; 64]> {
    let r = from_be_bytes(r);
    let s = from_be_bytes(s);
    if r == ZERO || s == ZERO || !below(&r, &N) || !below(&s, &N) {
        return None;
    }
    // The nonce point R = (r, y) with y² = r³ + 7 (r < n < p, so r is a field element).
    let y_squared = P.add(&P.mul(&P.square(&r), &r), &[7, 0, 0, 0, 0, 0, 0, 0]);
    let mut y = P.pow(&y_squared, &SQRT_EXPONENT);
    if P.square(&y) != y_squared {
        return None;
    }
    if (y[0] & 1 == 1) != y_odd {
        y = P.neg(&y);
    }
    let nonce_point = Point { x: r, y, z: ONE };
    // The message hash as a scalar: 32 bytes are below 2n, so one subtraction reduces them.
    let mut z = from_be_bytes(prehash);
    if !below(&z, &N) {
        z = sub_raw(&z, &N.m).0;
    }
    // Q = r⁻¹·(s·R − z·G)
    let r_inverse = N.invert(&r);
    let generator_factor = N.neg(&N.mul(&z, &r_inverse));
    let nonce_factor = N.mul(&s, &r_inverse);
    let generator = Point {
        x: GENERATOR_X,
        y: GENERATOR_Y,
        z: ONE,
    };
    let key = linear_combination(&generator_factor, &generator, &nonce_factor, &nonce_point);
    if key.is_infinity() {
        return None;
    }
    let z_inverse = P.invert(&key.z);
    let z_inverse_squared = P.square(&z_inverse);
    let x = P.mul(&key.x, &z_inverse_squared);
    let y = P.mul(&key.y, &P.mul(&z_inverse_squared, &z_inverse));
    let mut out = [0u8; 64];
    to_be_bytes(&x, &mut out[..32]);
    to_be_bytes(&y, &mut out[32..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k256::ecdsa::{SigningKey, VerifyingKey};
    use proptest::prelude::*;

    /// The oracle: k256's recovery of the same signature (s normalised to low-s first, as
    /// k256 only recovers from low-s).
    fn k256_recover(prehash: &[u8; 32], sig: &[u8; 64], y_odd: bool) -> Option<[u8; 64]> {
        let mut sig = k256::ecdsa::Signature::from_slice(sig).ok()?;
        let mut bit = y_odd as u8;
        if let Some(low) = sig.normalize_s() {
            sig = low;
            bit ^= 1;
        }
        let id = k256::ecdsa::RecoveryId::from_byte(bit)?;
        let key = VerifyingKey::recover_from_prehash(prehash, &sig, id).ok()?;
        let point = key.to_encoded_point(false);
        point.as_bytes()[1..].try_into().ok()
    }

    fn ours(prehash: &[u8; 32], sig: &[u8; 64], y_odd: bool) -> Option<[u8; 64]> {
        let r = sig[..32].try_into().ok()?;
        let s = sig[32..].try_into().ok()?;
        recover(prehash, r, s, y_odd)
    }

    fn be(value: &U256) -> [u8; 32] {
        let mut out = [0u8; 32];
        to_be_bytes(value, &mut out);
        out
    }

    #[test]
    fn constants_are_the_curves() {
        // G is on the curve, n·G is infinity, (n−1)·G = −G.
        let g = Point {
            x: GENERATOR_X,
            y: GENERATOR_Y,
            z: ONE,
        };
        let rhs = P.add(
            &P.mul(&P.square(&GENERATOR_X), &GENERATOR_X),
            &[7, 0, 0, 0, 0, 0, 0, 0],
        );
        assert_eq!(P.square(&GENERATOR_Y), rhs);
        let n_minus_1 = sub_raw(&N.m, &ONE).0;
        let minus_g = linear_combination(&n_minus_1, &g, &ZERO, &g);
        assert!(g.add(&minus_g).is_infinity());
        assert_eq!(
            add_raw(&N.m, &{
                let mut c = ZERO;
                c[..N.c.len()].copy_from_slice(N.c);
                c
            }),
            (ZERO, true)
        );
        assert_eq!(add_raw(&P.m, &[0x3D1, 1, 0, 0, 0, 0, 0, 0]), (ZERO, true));
        // The square-root exponent is (p + 1) / 4.
        let (p_plus_1, _) = add_raw(&P.m, &ONE);
        let mut quarter = ZERO;
        for i in 0..8 {
            quarter[i] = p_plus_1[i] >> 2 | p_plus_1.get(i + 1).map_or(0, |next| next << 30);
        }
        assert_eq!(quarter, SQRT_EXPONENT);
    }

    #[test]
    fn edges_are_refused_like_k256() {
        let hash = [0x5a; 32];
        let n = be(&N.m);
        let n_minus_1 = be(&sub_raw(&N.m, &ONE).0);
        let max = [0xff; 32];
        let one = be(&ONE);
        for r in [[0u8; 32], n, max, one, n_minus_1, be(&GENERATOR_X)] {
            for s in [[0u8; 32], n, max, one, n_minus_1] {
                for y_odd in [false, true] {
                    let mut sig = [0u8; 64];
                    sig[..32].copy_from_slice(&r);
                    sig[32..].copy_from_slice(&s);
                    assert_eq!(ours(&hash, &sig, y_odd), k256_recover(&hash, &sig, y_odd));
                }
            }
        }
        // A hash above n is reduced, as k256 does.
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&be(&GENERATOR_X));
        sig[32..].copy_from_slice(&one);
        assert_eq!(ours(&max, &sig, true), k256_recover(&max, &sig, true));
        assert!(ours(&max, &sig, true).is_some());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn recovers_what_k256_signs(key in any::<[u8; 32]>(), prehash in any::<[u8; 32]>(), high_s: bool) {
            let Ok(key) = SigningKey::from_slice(&key) else { return Ok(()) };
            let (sig, id) = key.sign_prehash_recoverable(&prehash).unwrap();
            let mut bytes: [u8; 64] = sig.to_bytes().into();
            let mut y_odd = id.is_y_odd();
            if high_s {
                let s = from_be_bytes(bytes[32..].try_into().unwrap());
                bytes[32..].copy_from_slice(&be(&N.neg(&s)));
                y_odd = !y_odd;
            }
            let expected = key.verifying_key().to_encoded_point(false);
            prop_assert_eq!(&ours(&prehash, &bytes, y_odd).unwrap()[..], &expected.as_bytes()[1..]);
        }

        #[test]
        fn agrees_with_k256_on_any_bytes(sig in any::<[u8; 64]>(), prehash in any::<[u8; 32]>(), y_odd: bool) {
            prop_assert_eq!(ours(&prehash, &sig, y_odd), k256_recover(&prehash, &sig, y_odd));
        }
    }
}
