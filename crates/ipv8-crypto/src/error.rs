//! The error type of key parsing and key operations.

/// Why a key could not be parsed or used.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The input starts with a LibNaCL tag but is shorter than the 74 bytes such a key needs.
    #[error("LibNaCL key too short: need {need} bytes, have {have}")]
    TooShort {
        /// Bytes a LibNaCL key needs (tag included).
        need: usize,
        /// Bytes that were given.
        have: usize,
    },
    /// The input is a LibNaCL key of the other kind (a public key where a private one was
    /// expected or vice versa).
    #[error("expected a {expected} key, got a {found} key")]
    WrongKind {
        /// The kind that was asked for (`"private"` or `"public"`).
        expected: &'static str,
        /// The kind that was found.
        found: &'static str,
    },
    /// OpenSSL could not parse the input as a PEM or DER key.
    #[error("not a LibNaCL, PEM or DER key: {0}")]
    Unparsable(String),
    /// OpenSSL parsed the key, but it is of a type IPv8 does not use (e.g. RSA).
    #[error("unsupported key type: {0}")]
    UnsupportedType(String),
    /// An OpenSSL operation on a parsed key failed.
    #[error("OpenSSL error: {0}")]
    Openssl(String),
}

#[cfg(feature = "legacy-ec")]
impl From<openssl::error::ErrorStack> for KeyError {
    fn from(err: openssl::error::ErrorStack) -> Self {
        Self::Openssl(err.to_string())
    }
}
