//! A cheap deterministic stand-in for Ed25519, for large dynamics-only simulations.
//!
//! Keys look like LibNaCL keys on the wire (`LibNaCLPK:` + 64 bytes, so `signature_len` is 64
//! and every envelope is byte-for-byte the same shape), but a "signature" is a keyed 64-bit
//! mixing hash of (public key, message), expanded to 64 bytes. Anyone can forge it: use it only
//! where the question is how the overlay behaves, never for anything about authentication.
//! Tampering is still detected (a flipped bit changes the hash), so drop paths stay exercised.

/// The `LibNaCLPK:` tag of public keys on the wire.
pub const PUBLIC_TAG: &[u8] = b"LibNaCLPK:";

/// Length of a cheap signature (same as Ed25519).
pub const CHEAP_SIGNATURE_LEN: usize = 64;

const K: u64 = 0x9e37_79b9_7f4a_7c15;

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn absorb(mut h: u64, data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    for &b in chunks.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(K).rotate_left(13);
    }
    mix(h ^ data.len() as u64)
}

/// The public key bin of the cheap identity derived from `seed`.
#[must_use]
pub fn cheap_public_bin(seed: u64) -> Vec<u8> {
    let mut bin = Vec::with_capacity(PUBLIC_TAG.len() + 64);
    bin.extend_from_slice(PUBLIC_TAG);
    for i in 0..8u64 {
        bin.extend_from_slice(&mix(seed ^ mix(i.wrapping_add(K))).to_le_bytes());
    }
    bin
}

/// The cheap signature of `msg` under public key `public_bin`.
#[must_use]
pub fn cheap_sign(public_bin: &[u8], msg: &[u8]) -> [u8; CHEAP_SIGNATURE_LEN] {
    let h = absorb(absorb(K, public_bin), msg);
    let mut sig = [0u8; CHEAP_SIGNATURE_LEN];
    for (i, chunk) in sig.chunks_exact_mut(8).enumerate() {
        chunk.copy_from_slice(&mix(h.wrapping_add(i as u64)).to_le_bytes());
    }
    sig
}

/// Checks a cheap signature.
#[must_use]
pub fn cheap_verify(public_bin: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    sig.len() == CHEAP_SIGNATURE_LEN && cheap_sign(public_bin, msg)[..] == *sig
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_tamper() {
        let pk = cheap_public_bin(5);
        assert_eq!(pk.len(), 74);
        assert!(pk.starts_with(PUBLIC_TAG));
        assert_ne!(pk, cheap_public_bin(6));
        let sig = cheap_sign(&pk, b"hello world");
        assert!(cheap_verify(&pk, b"hello world", &sig));
        assert!(!cheap_verify(&pk, b"hello worle", &sig));
        assert!(!cheap_verify(&cheap_public_bin(6), b"hello world", &sig));
        assert!(!cheap_verify(&pk, b"hello world", &sig[..63]));
        let mut bad = sig;
        bad[40] ^= 1;
        assert!(!cheap_verify(&pk, b"hello world", &bad));
    }
}
