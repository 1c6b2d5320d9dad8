//! Signature length from a serialized public key (docs/spec/PROTOCOL.md §3.2, §4).
//!
//! The signature length is not on the wire: it is implied by the key. `LibNaCLPK:` keys sign with
//! Ed25519 (64 bytes); legacy EC keys are DER SubjectPublicKeyInfo with a named-curve OID and sign
//! `r ‖ s`, each padded to `ceil(field_bits / 8)` bytes (py-ipv8's `get_signature_length`).
//! This module only reads the OID with a tiny, checked DER walker; it does no cryptography.

/// Tag that starts a serialized curve25519 public key.
pub const LIBNACL_PK_TAG: &[u8; 10] = b"LibNaCLPK:";
/// Length of a serialized curve25519 public key (tag ‖ X25519 ‖ Ed25519).
pub const LIBNACL_PK_LEN: usize = 74;
/// Length of an Ed25519 signature.
pub const ED25519_SIGNATURE_LEN: usize = 64;

/// Content bytes of the id-ecPublicKey OID (1.2.840.10045.2.1).
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// Content bytes of the Ed25519 OID (1.3.101.112).
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
/// SECG arc 1.3.132.0 (`certicom-arc curve`).
const ARC_SECG: &[u8] = &[0x2b, 0x81, 0x04, 0x00];
/// ANSI X9.62 prime curves arc 1.2.840.10045.3.1.
const ARC_X962_PRIME: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01];
/// Brainpool arc 1.3.36.3.3.2.8.1.1.
const ARC_BRAINPOOL: &[u8] = &[0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01];

/// Signature length implied by a serialized public key, or `None` if the key type is unknown.
///
/// * `LibNaCLPK:` ‖ ≥ 64 bytes → 64 (Ed25519);
/// * DER SubjectPublicKeyInfo with id-ecPublicKey and a named curve → `2 * ceil(field_bits / 8)`
///   (sect163k1 42, sect233k1 60, sect409k1 104, sect571k1/r1 144, the other SECG, X9.62 prime
///   and brainpool curves likewise);
/// * DER Ed25519 SubjectPublicKeyInfo → 64.
///
/// PEM text is not accepted (it never appears on the wire).
#[must_use]
pub fn signature_len(key_bin: &[u8]) -> Option<usize> {
    if key_bin.starts_with(LIBNACL_PK_TAG) {
        return (key_bin.len() >= LIBNACL_PK_LEN).then_some(ED25519_SIGNATURE_LEN);
    }
    let (0x30, spki, _) = der_tlv(key_bin)? else {
        return None;
    };
    let (0x30, algorithm, after_alg) = der_tlv(spki)? else {
        return None;
    };
    let (0x03, _bit_string, _) = der_tlv(after_alg)? else {
        return None;
    };
    let (0x06, alg_oid, params) = der_tlv(algorithm)? else {
        return None;
    };
    if alg_oid == OID_ED25519 {
        return Some(ED25519_SIGNATURE_LEN);
    }
    if alg_oid != OID_EC_PUBLIC_KEY {
        return None;
    }
    let (0x06, curve_oid, _) = der_tlv(params)? else {
        return None;
    };
    curve_field_bits(curve_oid).map(|bits| 2 * bits.div_ceil(8))
}

/// Field size in bits of a named curve, from its OID content bytes.
fn curve_field_bits(oid: &[u8]) -> Option<usize> {
    let bits = if let Some(&[n]) = oid.strip_prefix(ARC_SECG) {
        match n {
            1 | 2 | 15 => 163, // sect163k1, sect163r1, sect163r2
            3 => 239,          // sect239k1
            4 | 5 => 113,      // sect113r1/r2
            6 | 7 => 112,      // secp112r1/r2
            8 | 9 | 30 => 160, // secp160r1, secp160k1, secp160r2
            10 => 256,         // secp256k1
            16 | 17 => 283,    // sect283k1/r1
            22 | 23 => 131,    // sect131r1/r2
            24 | 25 => 193,    // sect193r1/r2
            26 | 27 => 233,    // sect233k1/r1
            28 | 29 => 128,    // secp128r1/r2
            31 => 192,         // secp192k1
            32 | 33 => 224,    // secp224k1/r1
            34 => 384,         // secp384r1
            35 => 521,         // secp521r1
            36 | 37 => 409,    // sect409k1/r1
            38 | 39 => 571,    // sect571k1/r1
            _ => return None,
        }
    } else if let Some(&[n]) = oid.strip_prefix(ARC_X962_PRIME) {
        match n {
            1..=3 => 192, // prime192v1..v3
            4..=6 => 239, // prime239v1..v3
            7 => 256,     // prime256v1
            _ => return None,
        }
    } else if let Some(&[n]) = oid.strip_prefix(ARC_BRAINPOOL) {
        match n {
            1 | 2 => 160,
            3 | 4 => 192,
            5 | 6 => 224,
            7 | 8 => 256,
            9 | 10 => 320,
            11 | 12 => 384,
            13 | 14 => 512,
            _ => return None,
        }
    } else {
        return None;
    };
    Some(bits)
}

/// Splits one DER TLV off `buf`: `(tag, content, rest)`. Definite lengths up to 4 bytes only.
fn der_tlv(buf: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = buf.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let (len_bytes, rest) = rest.split_at_checked(n)?;
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, rest)
    };
    let (content, rest) = rest.split_at_checked(len)?;
    Some((tag, content, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECT163K1_PUB: &str = "3040301006072a8648ce3d020106052b81040001032c000403ea3b58883100e401c6f5bfc26de0133a783a5358018f7999daf37db4a7f110ee0a445af607a470751a";

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn libnacl_is_64() {
        let mut key = LIBNACL_PK_TAG.to_vec();
        key.resize(74, 7);
        assert_eq!(signature_len(&key), Some(64));
        assert_eq!(signature_len(&key[..73]), None);
    }

    #[test]
    fn sect163k1_is_42() {
        assert_eq!(signature_len(&unhex(SECT163K1_PUB)), Some(42));
    }

    #[test]
    fn other_curves_follow_field_size() {
        let mut key = unhex(SECT163K1_PUB);
        // Byte 19 is the last byte of the curve OID (1.3.132.0.1).
        for (n, len) in [
            (26u8, 60),
            (36, 104),
            (38, 144),
            (39, 144),
            (35, 132),
            (10, 64),
        ] {
            key[19] = n;
            assert_eq!(signature_len(&key), Some(len), "curve 1.3.132.0.{n}");
        }
        key[19] = 200;
        assert_eq!(signature_len(&key), None);
    }

    #[test]
    fn garbage_is_none() {
        assert_eq!(signature_len(&[]), None);
        assert_eq!(signature_len(&[0x30, 0x82, 0xff]), None);
        assert_eq!(signature_len(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        let ed = unhex("302a300506032b6570032100");
        let mut ed = ed.clone();
        ed.extend([0u8; 32]);
        assert_eq!(signature_len(&ed), Some(64));
    }
}
