//! LibNaCL ("curve25519") keys: an X25519 pair plus an independent Ed25519 pair.
//!
//! Ports `ipv8/keyvault/private/libnaclkey.py` and `public/libnaclkey.py` of older py-ipv8 releases
//! (3.2.1 does the same inside `ipv8-rust-tunnels`). docs/spec/PROTOCOL.md §4.1: the private bin is
//! `"LibNaCLSK:" ‖ x25519 secret ‖ ed25519 seed`, the public bin
//! `"LibNaCLPK:" ‖ x25519 public ‖ ed25519 verify key`, 74 bytes each; parsers accept longer
//! inputs and ignore the excess. Signing uses only the Ed25519 half (pure Ed25519, RFC 8032).

use std::fmt;

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use x25519_dalek::{PublicKey as XPublic, StaticSecret};

use crate::{KeyError, Mid};

/// Tag that starts a serialized LibNaCL private key.
pub const PRIVATE_TAG: &[u8; 10] = b"LibNaCLSK:";
/// Tag that starts a serialized LibNaCL public key.
pub const PUBLIC_TAG: &[u8; 10] = b"LibNaCLPK:";
/// Length of a serialized LibNaCL key (private or public), tag included.
pub const KEY_BIN_LEN: usize = 74;
/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;

/// Splits `bin` into the two 32-byte halves after `tag`, checking the tag and the length.
fn halves(bin: &[u8], tag: &[u8; 10]) -> Result<([u8; 32], [u8; 32]), KeyError> {
    let (expected, other) = if tag == PRIVATE_TAG {
        ("private", (PUBLIC_TAG, "public"))
    } else {
        ("public", (PRIVATE_TAG, "private"))
    };
    if !bin.starts_with(tag) {
        let found = if bin.starts_with(other.0) {
            other.1
        } else {
            "non-LibNaCL"
        };
        return Err(KeyError::WrongKind { expected, found });
    }
    if bin.len() < KEY_BIN_LEN {
        return Err(KeyError::TooShort {
            need: KEY_BIN_LEN,
            have: bin.len(),
        });
    }
    let mut first = [0u8; 32];
    let mut second = [0u8; 32];
    first.copy_from_slice(&bin[10..42]);
    second.copy_from_slice(&bin[42..74]);
    Ok((first, second))
}

/// The public half of a LibNaCL key.
///
/// Any 32 bytes are accepted as Ed25519 verify key, as py-ipv8 does; a key whose bytes are not a
/// valid curve point simply never verifies.
#[derive(Clone)]
pub struct LibNaclPublicKey {
    bin: [u8; KEY_BIN_LEN],
    pub(crate) verifying: Option<VerifyingKey>,
    mid: Mid,
}

impl LibNaclPublicKey {
    /// Builds a public key from its raw X25519 public key and Ed25519 verify key.
    #[must_use]
    pub fn from_parts(x25519_public: [u8; 32], ed25519_verify_key: [u8; 32]) -> Self {
        let mut bin = [0u8; KEY_BIN_LEN];
        bin[..10].copy_from_slice(PUBLIC_TAG);
        bin[10..42].copy_from_slice(&x25519_public);
        bin[42..].copy_from_slice(&ed25519_verify_key);
        Self {
            bin,
            verifying: VerifyingKey::from_bytes(&ed25519_verify_key).ok(),
            mid: Mid::of(&bin),
        }
    }

    /// Parses `"LibNaCLPK:" ‖ x25519 public ‖ ed25519 verify key` (≥ 74 bytes; excess ignored).
    ///
    /// # Errors
    /// [`KeyError::WrongKind`] without the public tag, [`KeyError::TooShort`] under 74 bytes.
    pub fn from_bin(bin: &[u8]) -> Result<Self, KeyError> {
        let (x25519_public, verify_key) = halves(bin, PUBLIC_TAG)?;
        Ok(Self::from_parts(x25519_public, verify_key))
    }

    /// The 74-byte serialization.
    #[must_use]
    pub const fn as_bin(&self) -> &[u8; KEY_BIN_LEN] {
        &self.bin
    }

    /// The member id, `SHA1` of the 74-byte serialization.
    #[must_use]
    pub const fn mid(&self) -> Mid {
        self.mid
    }

    /// The raw X25519 public key (encryption half).
    #[must_use]
    pub fn x25519_public(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(&self.bin[10..42]);
        out
    }

    /// The raw Ed25519 verify key (signing half).
    #[must_use]
    pub fn ed25519_verify_key(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(&self.bin[42..]);
        out
    }

    /// Checks a 64-byte pure Ed25519 signature over `msg`.
    ///
    /// Uses cofactorless verification with canonical `S`, like OpenSSL (which py-ipv8 3.2.1 uses
    /// through `ipv8-rust-tunnels`). Wrong lengths and invalid keys yield `false`.
    #[must_use]
    pub fn verify(&self, msg: &[u8], signature: &[u8]) -> bool {
        let Some(verifying) = &self.verifying else {
            return false;
        };
        let Ok(signature) = Signature::from_slice(signature) else {
            return false;
        };
        // `Verifier::verify` (not `verify_strict`) matches OpenSSL's ED25519_verify: it rejects
        // a non-canonical S and compares the re-encoded R, but accepts small-order keys.
        verifying.verify(msg, &signature).is_ok()
    }
}

/// Whether every `(key, msg, signature)` verifies, checked in one Ed25519 batch
/// (ed25519-dalek's `verify_batch`, deterministic since 2.0: its random coefficients come from
/// the inputs). `true` means all are valid; `false` means at least one is not (or a key is not
/// a valid curve point, or a signature has the wrong length): verify them one by one to learn
/// which. An empty batch is `true`.
///
/// The batch checks one combined equation instead of comparing each re-encoded `R`, so it can
/// disagree with the single [`LibNaclPublicKey::verify`] only on a signature with a
/// non-canonical `R` encoding, which takes the private key (or a small-order key) to make; it
/// never lets a signature without the private key pass.
#[must_use]
pub fn verify_batch(items: &[(&LibNaclPublicKey, &[u8], &[u8])]) -> bool {
    let mut keys = Vec::with_capacity(items.len());
    let mut signatures = Vec::with_capacity(items.len());
    let mut messages = Vec::with_capacity(items.len());
    for (key, msg, signature) in items {
        let (Some(verifying), Ok(signature)) = (key.verifying, Signature::from_slice(signature))
        else {
            return false;
        };
        keys.push(verifying);
        signatures.push(signature);
        messages.push(*msg);
    }
    ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
}

impl PartialEq for LibNaclPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.bin == other.bin
    }
}

impl Eq for LibNaclPublicKey {}

impl std::hash::Hash for LibNaclPublicKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bin.hash(state);
    }
}

impl fmt::Debug for LibNaclPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LibNaclPublicKey")
            .field("mid", &self.mid)
            .finish_non_exhaustive()
    }
}

/// A LibNaCL private key: X25519 secret and Ed25519 seed.
///
/// The secret material is wiped on drop (the dalek types zeroize themselves); `Debug` shows only
/// the mid.
#[derive(Clone)]
pub struct LibNaclPrivateKey {
    x25519: StaticSecret,
    ed25519: SigningKey,
    public: LibNaclPublicKey,
}

impl LibNaclPrivateKey {
    /// Builds a key from a 32-byte X25519 secret and a 32-byte Ed25519 seed.
    ///
    /// The two halves are independent; a caller with a seeded rng gets reproducible keys.
    #[must_use]
    pub fn from_seeds(x25519_secret: [u8; 32], ed25519_seed: [u8; 32]) -> Self {
        let x25519 = StaticSecret::from(x25519_secret);
        let ed25519 = SigningKey::from_bytes(&ed25519_seed);
        let public = LibNaclPublicKey::from_parts(
            XPublic::from(&x25519).to_bytes(),
            ed25519.verifying_key().to_bytes(),
        );
        Self {
            x25519,
            ed25519,
            public,
        }
    }

    /// Generates a fresh key from the operating system's random number generator.
    ///
    /// # Panics
    /// If the OS random number generator is unavailable (as `OsRng` does).
    #[must_use]
    pub fn generate() -> Self {
        let mut x25519_secret = [0u8; 32];
        let mut ed25519_seed = [0u8; 32];
        if let Err(err) = getrandom::getrandom(&mut x25519_secret)
            .and_then(|()| getrandom::getrandom(&mut ed25519_seed))
        {
            panic!("operating system random number generator failed: {err}");
        }
        let key = Self::from_seeds(x25519_secret, ed25519_seed);
        x25519_secret.fill(0);
        ed25519_seed.fill(0);
        key
    }

    /// Parses `"LibNaCLSK:" ‖ x25519 secret ‖ ed25519 seed` (≥ 74 bytes; excess ignored).
    ///
    /// # Errors
    /// [`KeyError::WrongKind`] without the private tag, [`KeyError::TooShort`] under 74 bytes.
    pub fn from_bin(bin: &[u8]) -> Result<Self, KeyError> {
        let (x25519_secret, ed25519_seed) = halves(bin, PRIVATE_TAG)?;
        Ok(Self::from_seeds(x25519_secret, ed25519_seed))
    }

    /// The 74-byte private serialization (what py-ipv8 writes to key files).
    #[must_use]
    pub fn to_bin(&self) -> Vec<u8> {
        let mut bin = Vec::with_capacity(KEY_BIN_LEN);
        bin.extend_from_slice(PRIVATE_TAG);
        bin.extend_from_slice(self.x25519.as_bytes());
        bin.extend_from_slice(self.ed25519.as_bytes());
        bin
    }

    /// The public half.
    #[must_use]
    pub const fn public(&self) -> &LibNaclPublicKey {
        &self.public
    }

    /// Pure Ed25519 signature (64 bytes, deterministic) over `msg`.
    #[must_use]
    pub fn sign(&self, msg: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.ed25519.sign(msg).to_bytes()
    }

    /// X25519 Diffie-Hellman with a peer's raw X25519 public key.
    #[must_use]
    pub fn diffie_hellman(&self, peer_x25519_public: [u8; 32]) -> [u8; 32] {
        self.x25519
            .diffie_hellman(&XPublic::from(peer_x25519_public))
            .to_bytes()
    }
}

impl fmt::Debug for LibNaclPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LibNaclPrivateKey")
            .field("mid", &self.public.mid)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsers_check_tag_and_length() {
        let key = LibNaclPrivateKey::from_seeds([7; 32], [9; 32]);
        let mut bin = key.to_bin();
        assert_eq!(bin.len(), KEY_BIN_LEN);
        bin.extend_from_slice(b"trailing");
        assert_eq!(
            LibNaclPrivateKey::from_bin(&bin).unwrap().to_bin(),
            key.to_bin()
        );
        assert_eq!(
            LibNaclPrivateKey::from_bin(&bin[..73]).unwrap_err(),
            KeyError::TooShort { need: 74, have: 73 }
        );
        assert_eq!(
            LibNaclPublicKey::from_bin(&bin).unwrap_err(),
            KeyError::WrongKind {
                expected: "public",
                found: "private"
            }
        );
        let public = key.public().as_bin();
        assert_eq!(LibNaclPublicKey::from_bin(public).unwrap(), *key.public());
        assert_eq!(
            LibNaclPrivateKey::from_bin(public).unwrap_err(),
            KeyError::WrongKind {
                expected: "private",
                found: "public"
            }
        );
    }

    #[test]
    fn invalid_verify_key_parses_but_never_verifies() {
        let public = LibNaclPublicKey::from_parts([1; 32], [0xff; 32]);
        assert!(!public.verify(b"msg", &[0; 64]));
        assert_eq!(public.ed25519_verify_key(), [0xff; 32]);
    }

    #[test]
    fn diffie_hellman_agrees() {
        let a = LibNaclPrivateKey::from_seeds([1; 32], [2; 32]);
        let b = LibNaclPrivateKey::from_seeds([3; 32], [4; 32]);
        assert_eq!(
            a.diffie_hellman(b.public().x25519_public()),
            b.diffie_hellman(a.public().x25519_public())
        );
    }
}
