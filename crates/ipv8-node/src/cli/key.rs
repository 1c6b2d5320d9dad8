//! `ipv8 key generate|show`: create and inspect key files in py-ipv8's format
//! (see `ipv8_crypto::keyfile`).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Subcommand, ValueEnum};
use ipv8_crypto::keyfile::{self, KeyFileError};
use ipv8_crypto::{LegacyCurve, PrivateKey, PublicKey};
use serde_json::json;

use super::bad_input;

/// Key-file subcommands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a key and write it to a new file (mode 0600; never overwrites).
    Generate {
        /// Where to write the key (py-ipv8's raw private key bin).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Key type, named like py-ipv8's `generation` setting.
        #[arg(long = "type", value_enum, default_value_t = KeyType::Curve25519)]
        key_type: KeyType,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show the public key and member id of a key file.
    Show {
        /// A key file written by `ipv8 key generate` or py-ipv8.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// The key types py-ipv8 can generate (`ipv8/keyvault/crypto.py` security levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyType {
    /// LibNaCL X25519 + Ed25519 (the default everywhere).
    Curve25519,
    /// Legacy EC on sect163k1 (what bootstrap trackers use).
    VeryLow,
    /// Legacy EC on sect233k1.
    Low,
    /// Legacy EC on sect409k1.
    Medium,
    /// Legacy EC on sect571k1.
    High,
}

impl KeyType {
    /// A new key of this type.
    ///
    /// # Errors
    /// OpenSSL failed to generate a legacy EC key.
    pub fn generate(self) -> anyhow::Result<PrivateKey> {
        let curve = match self {
            Self::Curve25519 => return Ok(PrivateKey::generate()),
            Self::VeryLow => LegacyCurve::Sect163k1,
            Self::Low => LegacyCurve::Sect233k1,
            Self::Medium => LegacyCurve::Sect409k1,
            Self::High => LegacyCurve::Sect571k1,
        };
        PrivateKey::generate_legacy(curve).with_context(|| format!("generating a {curve} key"))
    }
}

/// Runs a key subcommand.
///
/// # Errors
/// Bad input when the target exists or the key file cannot be used; other errors on I/O failure.
pub fn run(command: KeyCommand, out: &mut dyn Write) -> anyhow::Result<()> {
    match command {
        KeyCommand::Generate {
            out: path,
            key_type,
            json,
        } => {
            let key = key_type.generate()?;
            keyfile::save(&path, &key).map_err(|err| match err {
                KeyFileError::Exists(_) => bad_input(err.to_string()),
                other => anyhow::Error::new(other).context("writing the key file"),
            })?;
            print_key(out, &path, &key.public(), json)
        }
        KeyCommand::Show { file, json } => {
            let key = keyfile::load(&file).map_err(|err| bad_input(err.to_string()))?;
            print_key(out, &file, &key.public(), json)
        }
    }
}

/// `curve25519` for LibNaCL keys, the curve name for EC keys.
pub(crate) fn type_name(key: &PublicKey) -> String {
    match key {
        PublicKey::LibNacl(_) => "curve25519".to_owned(),
        PublicKey::LegacyEc(ec) => ec
            .curve_name()
            .map_or_else(|| format!("ec-{}-bit", ec.field_bits()), str::to_owned),
    }
}

fn print_key(out: &mut dyn Write, file: &Path, key: &PublicKey, json: bool) -> anyhow::Result<()> {
    let mid = key.mid();
    if json {
        let value = json!({
            "file": file.display().to_string(),
            "type": type_name(key),
            "public_key": hex::encode(key.as_bin()),
            "mid": mid.to_hex(),
            "mid_b64": mid.to_base64(),
            "signature_len": key.signature_len(),
        });
        writeln!(out, "{value}")?;
    } else {
        writeln!(out, "file: {}", file.display())?;
        writeln!(out, "type: {}", type_name(key))?;
        writeln!(out, "public_key: {}", hex::encode(key.as_bin()))?;
        writeln!(out, "mid: {}", mid.to_hex())?;
        writeln!(out, "mid_b64: {}", mid.to_base64())?;
    }
    Ok(())
}
