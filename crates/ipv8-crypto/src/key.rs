//! `PrivateKey` / `PublicKey`: either key family behind one type, parsed like py-ipv8's
//! `ECCrypto.key_from_private_bin` / `key_from_public_bin` (`ipv8/keyvault/crypto.py`).
//!
//! Input starting with a LibNaCL tag is a LibNaCL key; anything else is handed to OpenSSL as PEM
//! (when it starts with `-----`) or DER (docs/spec/PROTOCOL.md §4.2). A DER/PEM Ed25519 public key
//! becomes a LibNaCL key whose X25519 half repeats the verify key, as py-ipv8 3.2.1 re-serializes
//! it.

#[cfg(feature = "legacy-ec")]
use openssl::pkey::{Id, PKey, Private, Public};

use crate::libnacl::{PRIVATE_TAG, PUBLIC_TAG};
#[cfg(feature = "legacy-ec")]
use crate::{EcPrivateKey, EcPublicKey, LegacyCurve};
use crate::{KeyError, LibNaclPrivateKey, LibNaclPublicKey, Mid};

#[cfg(feature = "legacy-ec")]
/// Whether `bin` looks like PEM text rather than DER.
fn is_pem(bin: &[u8]) -> bool {
    bin.starts_with(b"-----")
}

#[cfg(feature = "legacy-ec")]
/// OpenSSL's error queue is dropped: it says "could not decode" at kilobyte length.
fn unparsable(_: openssl::error::ErrorStack) -> KeyError {
    KeyError::Unparsable(String::new())
}

#[cfg(feature = "legacy-ec")]
/// Name of an OpenSSL key type for error messages.
fn type_name(id: Id) -> String {
    match id {
        Id::RSA => "RSA".to_owned(),
        Id::DSA => "DSA".to_owned(),
        Id::ED25519 => "Ed25519".to_owned(),
        Id::X25519 => "X25519".to_owned(),
        Id::ED448 => "Ed448".to_owned(),
        other => format!("OpenSSL key type {}", other.as_raw()),
    }
}

/// Why DER/PEM input is refused when the crate is built without `legacy-ec`.
#[cfg(not(feature = "legacy-ec"))]
const LEGACY_OFF: &str = "DER/PEM key (ipv8-crypto was built without the legacy-ec feature)";

/// A public key of either family: what peers put in their authentication field.
///
/// Equality and hashing use the serialized form ([`PublicKey::to_bin`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "legacy-ec",
    expect(
        clippy::large_enum_variant,
        reason = "LibNaCL is the common variant; boxing it would allocate per key for the rare EC case"
    )
)]
pub enum PublicKey {
    /// A `LibNaCLPK:` key (Ed25519 signatures).
    LibNacl(LibNaclPublicKey),
    /// A legacy DER EC key (ECDSA-SHA1 signatures).
    #[cfg(feature = "legacy-ec")]
    LegacyEc(EcPublicKey),
}

impl PublicKey {
    /// Parses a public key bin as py-ipv8 does: `LibNaCLPK:` (≥ 74 bytes), else PEM or DER
    /// SubjectPublicKeyInfo (EC, or Ed25519).
    ///
    /// # Errors
    /// [`KeyError`] naming why the bytes are not a public key.
    pub fn from_bin(bin: &[u8]) -> Result<Self, KeyError> {
        if bin.starts_with(PUBLIC_TAG) || bin.starts_with(PRIVATE_TAG) {
            return LibNaclPublicKey::from_bin(bin).map(Self::LibNacl);
        }
        #[cfg(not(feature = "legacy-ec"))]
        return Err(KeyError::UnsupportedType(LEGACY_OFF.to_owned()));
        #[cfg(feature = "legacy-ec")]
        Self::from_openssl_bin(bin)
    }

    #[cfg(feature = "legacy-ec")]
    fn from_openssl_bin(bin: &[u8]) -> Result<Self, KeyError> {
        let pkey: PKey<Public> = if is_pem(bin) {
            PKey::public_key_from_pem(bin).map_err(unparsable)?
        } else {
            PKey::public_key_from_der(bin).map_err(unparsable)?
        };
        match pkey.id() {
            Id::EC => Ok(Self::LegacyEc(EcPublicKey::from_ec_key(pkey.ec_key()?)?)),
            Id::ED25519 => {
                let raw = pkey.raw_public_key()?;
                let vk: [u8; 32] = raw
                    .try_into()
                    .map_err(|_| KeyError::Unparsable("Ed25519 key is not 32 bytes".into()))?;
                Ok(Self::LibNacl(LibNaclPublicKey::from_parts(vk, vk)))
            }
            other => Err(KeyError::UnsupportedType(type_name(other))),
        }
    }

    /// The serialized key: 74-byte `LibNaCLPK:` or DER SubjectPublicKeyInfo.
    #[must_use]
    pub fn as_bin(&self) -> &[u8] {
        match self {
            Self::LibNacl(key) => key.as_bin(),
            #[cfg(feature = "legacy-ec")]
            Self::LegacyEc(key) => key.as_der(),
        }
    }

    /// The serialized key as an owned vector (py-ipv8 `key_to_bin`).
    #[must_use]
    pub fn to_bin(&self) -> Vec<u8> {
        self.as_bin().to_vec()
    }

    /// The member id, `SHA1(self.to_bin())` (py-ipv8 `key_to_hash`).
    #[must_use]
    pub const fn mid(&self) -> Mid {
        match self {
            Self::LibNacl(key) => key.mid(),
            #[cfg(feature = "legacy-ec")]
            Self::LegacyEc(key) => key.mid(),
        }
    }

    /// Length of this key's signatures: 64 for LibNaCL, `2 * ceil(field_bits / 8)` for EC.
    #[must_use]
    pub const fn signature_len(&self) -> usize {
        match self {
            Self::LibNacl(_) => crate::libnacl::SIGNATURE_LEN,
            #[cfg(feature = "legacy-ec")]
            Self::LegacyEc(key) => key.signature_len(),
        }
    }

    /// Checks `signature` over `msg`. Malformed signatures (including a wrong length) yield
    /// `false`; this never panics.
    #[must_use]
    pub fn verify(&self, msg: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::LibNacl(key) => key.verify(msg, signature),
            #[cfg(feature = "legacy-ec")]
            Self::LegacyEc(key) => key.verify(msg, signature),
        }
    }
}

/// A private key of either family.
///
/// `Debug` never shows secret material.
#[derive(Clone, Debug)]
#[cfg_attr(
    feature = "legacy-ec",
    expect(
        clippy::large_enum_variant,
        reason = "LibNaCL is the common variant; boxing it would allocate per key for the rare EC case"
    )
)]
pub enum PrivateKey {
    /// A `LibNaCLSK:` key: X25519 secret plus Ed25519 seed.
    LibNacl(LibNaclPrivateKey),
    /// A legacy EC key (as used by bootstrap trackers).
    #[cfg(feature = "legacy-ec")]
    LegacyEc(EcPrivateKey),
}

impl PrivateKey {
    /// Builds a LibNaCL key from its two 32-byte seeds (reproducible keys for seeded callers).
    #[must_use]
    pub fn from_seeds(x25519_secret: [u8; 32], ed25519_seed: [u8; 32]) -> Self {
        Self::LibNacl(LibNaclPrivateKey::from_seeds(x25519_secret, ed25519_seed))
    }

    /// Generates a fresh LibNaCL (`curve25519`) key from the operating system's rng.
    ///
    /// # Panics
    /// If the OS random number generator is unavailable (as `OsRng` does).
    #[must_use]
    pub fn generate() -> Self {
        Self::LibNacl(LibNaclPrivateKey::generate())
    }

    #[cfg(feature = "legacy-ec")]
    /// Generates a fresh legacy EC key on `curve` (e.g. a tracker-style sect163k1 key).
    ///
    /// # Errors
    /// [`KeyError::Openssl`] when the linked OpenSSL lacks the curve.
    pub fn generate_legacy(curve: LegacyCurve) -> Result<Self, KeyError> {
        EcPrivateKey::generate(curve).map(Self::LegacyEc)
    }

    /// Parses a private key bin as py-ipv8 does: `LibNaCLSK:` (≥ 74 bytes), else PEM or DER
    /// (SEC1 `ECPrivateKey` or PKCS#8) holding an EC key.
    ///
    /// # Errors
    /// [`KeyError`] naming why the bytes are not a private key.
    pub fn from_bin(bin: &[u8]) -> Result<Self, KeyError> {
        if bin.starts_with(PRIVATE_TAG) || bin.starts_with(PUBLIC_TAG) {
            return LibNaclPrivateKey::from_bin(bin).map(Self::LibNacl);
        }
        #[cfg(not(feature = "legacy-ec"))]
        return Err(KeyError::UnsupportedType(LEGACY_OFF.to_owned()));
        #[cfg(feature = "legacy-ec")]
        Self::from_openssl_bin(bin)
    }

    #[cfg(feature = "legacy-ec")]
    fn from_openssl_bin(bin: &[u8]) -> Result<Self, KeyError> {
        let pkey: PKey<Private> = if is_pem(bin) {
            PKey::private_key_from_pem(bin).map_err(unparsable)?
        } else {
            PKey::private_key_from_der(bin).map_err(unparsable)?
        };
        match pkey.id() {
            Id::EC => Ok(Self::LegacyEc(EcPrivateKey::from_openssl(pkey.ec_key()?)?)),
            other => Err(KeyError::UnsupportedType(type_name(other))),
        }
    }

    /// The private serialization py-ipv8 writes to key files: 74-byte `LibNaCLSK:` or DER SEC1.
    ///
    /// # Panics
    /// Only if OpenSSL fails to DER-encode a valid EC key (allocation failure).
    #[must_use]
    pub fn to_bin(&self) -> Vec<u8> {
        match self {
            Self::LibNacl(key) => key.to_bin(),
            #[cfg(feature = "legacy-ec")]
            Self::LegacyEc(key) => match key.to_der() {
                Ok(der) => der,
                Err(err) => panic!("OpenSSL failed to encode an EC private key: {err}"),
            },
        }
    }

    /// The public half.
    #[must_use]
    pub fn public(&self) -> PublicKey {
        match self {
            Self::LibNacl(key) => PublicKey::LibNacl(key.public().clone()),
            #[cfg(feature = "legacy-ec")]
            Self::LegacyEc(key) => PublicKey::LegacyEc(key.public().clone()),
        }
    }

    /// The public key's serialization, without cloning the key.
    #[must_use]
    pub fn public_bin(&self) -> &[u8] {
        match self {
            Self::LibNacl(key) => key.public().as_bin(),
            #[cfg(feature = "legacy-ec")]
            Self::LegacyEc(key) => key.public().as_der(),
        }
    }

    /// The member id of the public half.
    #[must_use]
    pub const fn mid(&self) -> Mid {
        match self {
            Self::LibNacl(key) => key.public().mid(),
            #[cfg(feature = "legacy-ec")]
            Self::LegacyEc(key) => key.public().mid(),
        }
    }

    /// Length of this key's signatures.
    #[must_use]
    pub const fn signature_len(&self) -> usize {
        match self {
            Self::LibNacl(_) => crate::libnacl::SIGNATURE_LEN,
            #[cfg(feature = "legacy-ec")]
            Self::LegacyEc(key) => key.public().signature_len(),
        }
    }

    /// Signs `msg`: pure Ed25519 (deterministic) or randomized ECDSA-SHA1 `r ‖ s`.
    ///
    /// # Errors
    /// [`KeyError::Openssl`] if OpenSSL fails to produce an EC signature.
    pub fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        match self {
            Self::LibNacl(key) => Ok(key.sign(msg).to_vec()),
            #[cfg(feature = "legacy-ec")]
            Self::LegacyEc(key) => key.sign(msg),
        }
    }

    /// Signs all of `datagram` and appends the signature to it ([`PrivateKey::signature_len`]
    /// bytes): the signing step of a datagram encoded into a reused buffer. An Ed25519
    /// signature allocates nothing; `datagram` is left as it was on an error.
    ///
    /// # Errors
    /// [`KeyError::Openssl`] if OpenSSL fails to produce an EC signature.
    pub fn append_signature(&self, datagram: &mut Vec<u8>) -> Result<(), KeyError> {
        match self {
            Self::LibNacl(key) => {
                let signature = key.sign(datagram);
                datagram.extend_from_slice(&signature);
            }
            #[cfg(feature = "legacy-ec")]
            Self::LegacyEc(key) => {
                let signature = key.sign(datagram)?;
                datagram.extend_from_slice(&signature);
            }
        }
        Ok(())
    }

    /// Signs `msg`; [`PrivateKey::signature_len`] bytes.
    ///
    /// # Panics
    /// Only if OpenSSL fails to sign with a valid EC key (allocation or rng failure); use
    /// [`PrivateKey::try_sign`] to handle that case.
    #[must_use]
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match self.try_sign(msg) {
            Ok(signature) => signature,
            Err(err) => panic!("signing failed: {err}"),
        }
    }
}

impl From<LibNaclPrivateKey> for PrivateKey {
    fn from(key: LibNaclPrivateKey) -> Self {
        Self::LibNacl(key)
    }
}

#[cfg(feature = "legacy-ec")]
impl From<EcPrivateKey> for PrivateKey {
    fn from(key: EcPrivateKey) -> Self {
        Self::LegacyEc(key)
    }
}

impl From<LibNaclPublicKey> for PublicKey {
    fn from(key: LibNaclPublicKey) -> Self {
        Self::LibNacl(key)
    }
}

#[cfg(feature = "legacy-ec")]
impl From<EcPublicKey> for PublicKey {
    fn from(key: EcPublicKey) -> Self {
        Self::LegacyEc(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<PublicKey>();
        assert_send_sync::<PrivateKey>();
        assert_send_sync::<crate::KeyCache>();
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bin in [
            &b""[..],
            b"-----",
            b"\x30\x03\x02\x01",
            b"LibNaCLPK:short",
            &[0xff; 200],
        ] {
            assert!(PublicKey::from_bin(bin).is_err(), "{bin:?}");
            assert!(PrivateKey::from_bin(bin).is_err(), "{bin:?}");
        }
    }

    #[cfg(feature = "legacy-ec")]
    #[test]
    fn pem_and_ed25519_spki_are_accepted() {
        let ec = EcPrivateKey::generate(LegacyCurve::Sect233k1).unwrap();
        let pem = openssl::ec::EcKey::private_key_from_der(&ec.to_der().unwrap())
            .unwrap()
            .private_key_to_pem()
            .unwrap();
        let parsed = PrivateKey::from_bin(&pem).unwrap();
        assert_eq!(parsed.public_bin(), ec.public().as_der());

        let ed = PKey::generate_ed25519().unwrap();
        let vk: [u8; 32] = ed.raw_public_key().unwrap().try_into().unwrap();
        let public = PublicKey::from_bin(&ed.public_key_to_der().unwrap()).unwrap();
        assert_eq!(
            public,
            PublicKey::LibNacl(LibNaclPublicKey::from_parts(vk, vk))
        );
        let pem = ed.public_key_to_pem().unwrap();
        assert_eq!(PublicKey::from_bin(&pem).unwrap(), public);
    }

    #[test]
    fn an_appended_signature_is_the_signature_of_what_came_before() {
        let key = PrivateKey::from_seeds([1; 32], [2; 32]);
        let mut datagram = b"prefix and payload".to_vec();
        key.append_signature(&mut datagram).unwrap();
        let (msg, sig) = datagram.split_at(datagram.len() - key.signature_len());
        assert_eq!(msg, b"prefix and payload");
        assert_eq!(sig, key.sign(msg).as_slice(), "Ed25519 is deterministic");
        assert!(key.public().verify(msg, sig));
    }

    #[cfg(feature = "legacy-ec")]
    #[test]
    fn a_legacy_key_appends_its_signature_too() {
        let key = PrivateKey::generate_legacy(LegacyCurve::Sect163k1).unwrap();
        let mut datagram = b"tracker".to_vec();
        key.append_signature(&mut datagram).unwrap();
        assert_eq!(datagram.len(), 7 + key.signature_len());
        assert!(key.public().verify(b"tracker", &datagram[7..]));
    }

    #[cfg(feature = "legacy-ec")]
    #[test]
    fn legacy_private_key_signs_through_the_enum() {
        let key = PrivateKey::generate_legacy(LegacyCurve::Sect163k1).unwrap();
        let sig = key.sign(b"tracker");
        assert_eq!(sig.len(), 42);
        assert_eq!(key.signature_len(), 42);
        assert!(key.public().verify(b"tracker", &sig));
        assert_eq!(key.public().mid(), Mid::of(key.public_bin()));
        assert_eq!(
            PrivateKey::from_bin(&key.to_bin()).unwrap().mid(),
            key.mid()
        );
    }
}
