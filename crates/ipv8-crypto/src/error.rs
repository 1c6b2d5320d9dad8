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
    /// The input is neither a LibNaCL key nor a PEM or DER key OpenSSL can parse. The string
    /// is a short reason of our own, empty when OpenSSL only said it could not decode the input
    /// (its error queue names decoder internals and runs to kilobytes, so it is not kept).
    #[error("not a LibNaCL, PEM or DER key{}", reason_suffix(.0))]
    Unparsable(String),
    /// OpenSSL parsed the key, but it is of a type IPv8 does not use (e.g. RSA).
    #[error("unsupported key type: {0}")]
    UnsupportedType(String),
    /// An OpenSSL operation on a parsed key failed.
    #[error("OpenSSL error: {0}")]
    Openssl(String),
}

/// ` (reason)`, or nothing for an empty reason.
fn reason_suffix(reason: &str) -> String {
    if reason.is_empty() {
        String::new()
    } else {
        format!(" ({reason})")
    }
}

/// The first reason in an OpenSSL error queue (`"wrong tag"`), not the whole queue.
#[cfg(feature = "legacy-ec")]
fn openssl_reason(err: &openssl::error::ErrorStack) -> String {
    err.errors()
        .iter()
        .find_map(openssl::error::Error::reason)
        .unwrap_or("unknown error")
        .to_owned()
}

#[cfg(feature = "legacy-ec")]
impl From<openssl::error::ErrorStack> for KeyError {
    fn from(err: openssl::error::ErrorStack) -> Self {
        Self::Openssl(openssl_reason(&err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unparsable_is_one_short_clause() {
        assert_eq!(
            KeyError::Unparsable(String::new()).to_string(),
            "not a LibNaCL, PEM or DER key"
        );
        assert_eq!(
            KeyError::Unparsable("Ed25519 key is not 32 bytes".into()).to_string(),
            "not a LibNaCL, PEM or DER key (Ed25519 key is not 32 bytes)"
        );
    }
}
