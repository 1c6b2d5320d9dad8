//! Legacy ("M2Crypto" compatible) EC keys: DER keys on named curves, ECDSA-SHA1 signatures.
//!
//! Ports `ipv8/keyvault/private/m2crypto.py` and `public/m2crypto.py` of older py-ipv8 releases
//! (docs/spec/PROTOCOL.md §4.2). Public bin = DER SubjectPublicKeyInfo, private bin = DER SEC1
//! `ECPrivateKey`; signatures are ECDSA over `SHA1(msg)` encoded as `r ‖ s`, each left-padded to
//! `ceil(field_bits / 8)` bytes (42 bytes on sect163k1, the bootstrap trackers' curve).
//! All curve arithmetic is OpenSSL's, so every named curve OpenSSL parses is accepted.

use std::fmt;

use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::ecdsa::EcdsaSig;
use openssl::nid::Nid;
use openssl::pkey::{Private, Public};
use sha1::{Digest, Sha1};

use crate::{KeyError, Mid};

/// The curves py-ipv8 generates for its security levels (`ipv8/keyvault/crypto.py` `_CURVES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LegacyCurve {
    /// `very-low`: 163-bit Koblitz curve, 42-byte signatures (bootstrap trackers).
    Sect163k1,
    /// `low`: 60-byte signatures.
    Sect233k1,
    /// `medium`: 104-byte signatures.
    Sect409k1,
    /// `high` in py-ipv8 3.2.1: 144-byte signatures.
    Sect571k1,
    /// `high` before 3.2.1 (and the old DiscoveryCommunity master key): 144-byte signatures.
    Sect571r1,
}

impl LegacyCurve {
    /// Every supported curve, weakest first.
    pub const ALL: [Self; 5] = [
        Self::Sect163k1,
        Self::Sect233k1,
        Self::Sect409k1,
        Self::Sect571k1,
        Self::Sect571r1,
    ];

    /// The curve py-ipv8 3.2.1 uses for a security level (`very-low`, `low`, `medium`, `high`).
    #[must_use]
    pub fn from_security_level(level: &str) -> Option<Self> {
        match level {
            "very-low" => Some(Self::Sect163k1),
            "low" => Some(Self::Sect233k1),
            "medium" => Some(Self::Sect409k1),
            "high" => Some(Self::Sect571k1),
            _ => None,
        }
    }

    /// Looks a curve up by its OpenSSL short name, e.g. `sect163k1`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|curve| curve.name() == name)
    }

    /// The OpenSSL short name, e.g. `sect163k1`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sect163k1 => "sect163k1",
            Self::Sect233k1 => "sect233k1",
            Self::Sect409k1 => "sect409k1",
            Self::Sect571k1 => "sect571k1",
            Self::Sect571r1 => "sect571r1",
        }
    }

    /// Length of an `r ‖ s` signature on this curve.
    #[must_use]
    pub const fn signature_len(self) -> usize {
        let field_bits: usize = match self {
            Self::Sect163k1 => 163,
            Self::Sect233k1 => 233,
            Self::Sect409k1 => 409,
            Self::Sect571k1 | Self::Sect571r1 => 571,
        };
        2 * field_bits.div_ceil(8)
    }

    const fn nid(self) -> Nid {
        match self {
            Self::Sect163k1 => Nid::SECT163K1,
            Self::Sect233k1 => Nid::SECT233K1,
            Self::Sect409k1 => Nid::SECT409K1,
            Self::Sect571k1 => Nid::SECT571K1,
            Self::Sect571r1 => Nid::SECT571R1,
        }
    }
}

impl fmt::Display for LegacyCurve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Byte length of one of `r`, `s` for a key's group: `ceil(field_bits / 8)`.
fn half_len(group: &openssl::ec::EcGroupRef) -> usize {
    group.degree().div_ceil(8) as usize
}

/// A legacy EC public key.
#[derive(Clone)]
pub struct EcPublicKey {
    der: Vec<u8>,
    key: EcKey<Public>,
    half_len: usize,
    mid: Mid,
}

impl EcPublicKey {
    /// Wraps a parsed OpenSSL key, re-serializing it as DER SubjectPublicKeyInfo.
    pub(crate) fn from_ec_key(key: EcKey<Public>) -> Result<Self, KeyError> {
        let der = key.public_key_to_der()?;
        let half_len = half_len(key.group());
        let mid = Mid::of(&der);
        Ok(Self {
            der,
            key,
            half_len,
            mid,
        })
    }

    /// Parses a DER SubjectPublicKeyInfo holding an EC key.
    ///
    /// # Errors
    /// [`KeyError::Unparsable`] when OpenSSL rejects the input.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        let key =
            EcKey::public_key_from_der(der).map_err(|_| KeyError::Unparsable(String::new()))?;
        Self::from_ec_key(key)
    }

    /// Parses a PEM `PUBLIC KEY` block holding an EC key.
    ///
    /// # Errors
    /// [`KeyError::Unparsable`] when OpenSSL rejects the input.
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let key =
            EcKey::public_key_from_pem(pem).map_err(|_| KeyError::Unparsable(String::new()))?;
        Self::from_ec_key(key)
    }

    /// The DER SubjectPublicKeyInfo (the key's wire form, and the input of its mid).
    #[must_use]
    pub fn as_der(&self) -> &[u8] {
        &self.der
    }

    /// The member id, `SHA1(DER)`.
    #[must_use]
    pub const fn mid(&self) -> Mid {
        self.mid
    }

    /// The OpenSSL short name of the key's named curve (e.g. `sect163k1`), if it has one.
    #[must_use]
    pub fn curve_name(&self) -> Option<&'static str> {
        self.key
            .group()
            .curve_name()
            .and_then(|nid| nid.short_name().ok())
    }

    /// The curve's field size in bits (163 for sect163k1).
    #[must_use]
    pub fn field_bits(&self) -> u32 {
        self.key.group().degree()
    }

    /// Length of this key's `r ‖ s` signatures: `2 * ceil(field_bits / 8)`.
    #[must_use]
    pub const fn signature_len(&self) -> usize {
        2 * self.half_len
    }

    /// Checks an ECDSA-SHA1 `r ‖ s` signature over `msg`; any malformed input yields `false`.
    #[must_use]
    pub fn verify(&self, msg: &[u8], signature: &[u8]) -> bool {
        if signature.len() != self.signature_len() {
            return false;
        }
        let (r, s) = signature.split_at(self.half_len);
        let parsed = BigNum::from_slice(r)
            .and_then(|r| BigNum::from_slice(s).map(|s| (r, s)))
            .and_then(|(r, s)| EcdsaSig::from_private_components(r, s));
        let Ok(sig) = parsed else {
            return false;
        };
        sig.verify(&Sha1::digest(msg), &self.key).unwrap_or(false)
    }
}

impl PartialEq for EcPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for EcPublicKey {}

impl std::hash::Hash for EcPublicKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.der.hash(state);
    }
}

impl fmt::Debug for EcPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcPublicKey")
            .field("curve", &self.curve_name())
            .field("mid", &self.mid)
            .finish_non_exhaustive()
    }
}

/// A legacy EC private key.
#[derive(Clone)]
pub struct EcPrivateKey {
    key: EcKey<Private>,
    public: EcPublicKey,
}

impl EcPrivateKey {
    fn from_ec_key(key: EcKey<Private>) -> Result<Self, KeyError> {
        key.check_key()?;
        let public = EcKey::from_public_key(key.group(), key.public_key())?;
        Ok(Self {
            public: EcPublicKey::from_ec_key(public)?,
            key,
        })
    }

    /// Generates a fresh key on `curve` (OpenSSL's rng).
    ///
    /// # Errors
    /// [`KeyError::Openssl`] when the linked OpenSSL lacks the curve (built without EC2M).
    pub fn generate(curve: LegacyCurve) -> Result<Self, KeyError> {
        let group = EcGroup::from_curve_name(curve.nid())?;
        Self::from_ec_key(EcKey::generate(&group)?)
    }

    /// Parses a DER SEC1 `ECPrivateKey` (py-ipv8's private bin for EC keys).
    ///
    /// # Errors
    /// [`KeyError::Unparsable`] when OpenSSL rejects the input.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        let key =
            EcKey::private_key_from_der(der).map_err(|_| KeyError::Unparsable(String::new()))?;
        Self::from_ec_key(key)
    }

    /// Parses a PEM `EC PRIVATE KEY` block.
    ///
    /// # Errors
    /// [`KeyError::Unparsable`] when OpenSSL rejects the input.
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let key =
            EcKey::private_key_from_pem(pem).map_err(|_| KeyError::Unparsable(String::new()))?;
        Self::from_ec_key(key)
    }

    /// Wraps a private key OpenSSL parsed in some other container (e.g. PKCS#8).
    pub(crate) fn from_openssl(key: EcKey<Private>) -> Result<Self, KeyError> {
        Self::from_ec_key(key)
    }

    /// The DER SEC1 `ECPrivateKey` serialization (with curve OID and public point), as py-ipv8
    /// writes it.
    ///
    /// # Errors
    /// [`KeyError::Openssl`] if OpenSSL fails to encode the key.
    pub fn to_der(&self) -> Result<Vec<u8>, KeyError> {
        Ok(self.key.private_key_to_der()?)
    }

    /// The public half.
    #[must_use]
    pub const fn public(&self) -> &EcPublicKey {
        &self.public
    }

    /// Randomized ECDSA-SHA1 over `msg`, encoded as `r ‖ s` ([`EcPublicKey::signature_len`]
    /// bytes).
    ///
    /// # Errors
    /// [`KeyError::Openssl`] if OpenSSL fails to sign.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        let digest = Sha1::digest(msg);
        let half = i32::try_from(self.public.half_len)
            .map_err(|_| KeyError::Openssl("field too large".into()))?;
        // On curves whose group order is wider than the field (never the binary curves IPv8
        // uses) r or s may not fit; a fresh signature usually will.
        for _ in 0..64 {
            let sig = EcdsaSig::sign(&digest, &self.key)?;
            if let (Ok(mut out), Ok(s)) = (sig.r().to_vec_padded(half), sig.s().to_vec_padded(half))
            {
                out.extend_from_slice(&s);
                return Ok(out);
            }
        }
        Err(KeyError::Openssl(
            "r or s does not fit the signature encoding of this curve".into(),
        ))
    }
}

impl fmt::Debug for EcPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcPrivateKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_curve_signs_and_verifies() {
        for curve in LegacyCurve::ALL {
            let key = EcPrivateKey::generate(curve).unwrap();
            let public = key.public();
            assert_eq!(public.curve_name(), Some(curve.name()));
            assert_eq!(public.signature_len(), curve.signature_len());
            let sig = key.sign(b"message").unwrap();
            assert_eq!(sig.len(), curve.signature_len());
            assert!(public.verify(b"message", &sig));
            assert!(!public.verify(b"messagf", &sig));
            assert!(!public.verify(b"message", &sig[1..]));
            let reparsed = EcPrivateKey::from_der(&key.to_der().unwrap()).unwrap();
            assert_eq!(reparsed.public(), public);
            assert_eq!(EcPublicKey::from_der(public.as_der()).unwrap(), *public);
        }
    }

    #[test]
    fn security_levels_follow_pyipv8() {
        assert_eq!(
            LegacyCurve::from_security_level("very-low"),
            Some(LegacyCurve::Sect163k1)
        );
        assert_eq!(
            LegacyCurve::from_security_level("high"),
            Some(LegacyCurve::Sect571k1)
        );
        assert_eq!(LegacyCurve::from_security_level("curve25519"), None);
        assert_eq!(
            LegacyCurve::from_name("sect571r1"),
            Some(LegacyCurve::Sect571r1)
        );
        assert_eq!(LegacyCurve::Sect163k1.signature_len(), 42);
        assert_eq!(LegacyCurve::Sect409k1.signature_len(), 104);
    }
}
