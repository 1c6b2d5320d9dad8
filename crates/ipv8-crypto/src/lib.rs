//! Identity for ipv8-rs: the keys, member ids and signatures of py-ipv8 3.2.1.
//!
//! Ports `ipv8/keyvault/` of py-ipv8 (and the key half of `ipv8-rust-tunnels`, which 3.2.1 uses
//! underneath). Two key families exist on the wire (docs/spec/PROTOCOL.md §4):
//!
//! * **LibNaCL** keys ([`LibNaclPrivateKey`], [`LibNaclPublicKey`]): an X25519 pair for encryption
//!   plus an unrelated Ed25519 pair for signing, serialized as 74-byte `LibNaCLSK:` / `LibNaCLPK:`
//!   strings. Signatures are pure Ed25519 (64 bytes, deterministic).
//! * **Legacy EC** keys ([`EcPrivateKey`], [`EcPublicKey`]): DER keys on (binary) named curves, as
//!   still used by the bootstrap trackers. Signatures are ECDSA-SHA1 encoded as `r ‖ s`.
//!
//! [`PrivateKey`] and [`PublicKey`] wrap both families; [`Mid`] is the SHA-1 member id of a public
//! key; [`keyfile`] reads and writes key files exactly as py-ipv8 does; [`KeyCache`] parses each
//! verifying key once.
//!
//! ```
//! use ipv8_crypto::{PrivateKey, PublicKey};
//!
//! let key = PrivateKey::from_seeds([1; 32], [2; 32]);
//! let public = PublicKey::from_bin(&key.public().to_bin()).unwrap();
//! let signature = key.sign(b"hello");
//! assert!(public.verify(b"hello", &signature));
//! assert_eq!(signature.len(), public.signature_len());
//! ```
#![warn(missing_docs)]

mod cache;
mod error;
mod key;
pub mod keyfile;
#[cfg(feature = "legacy-ec")]
mod legacy;
mod libnacl;
mod mid;
mod parallel;

pub use cache::KeyCache;
pub use error::KeyError;
pub use key::{PrivateKey, PublicKey};
#[cfg(feature = "legacy-ec")]
pub use legacy::{EcPrivateKey, EcPublicKey, LegacyCurve};
pub use libnacl::{
    KEY_BIN_LEN, LibNaclPrivateKey, LibNaclPublicKey, PRIVATE_TAG, PUBLIC_TAG,
    SIGNATURE_LEN as ED25519_SIGNATURE_LEN, verify_batch,
};
pub use mid::{Mid, MidParseError};
pub use parallel::{LARGE_SHARE, MIN_SHARE, ParallelVerifier, Ticket};
