//! `ipv8 packet decode`: dissects one datagram given in hex and prints it as one JSON object,
//! verifying the signature of signed messages with `ipv8-crypto`.
//!
//! The dissection is `ipv8_wire::decode_any`; this module only parses the hex, checks the
//! signature and turns [`Decoded::fields`] into JSON.

use std::io::{Read as _, Write};

use anyhow::Context as _;
use clap::Subcommand;
use ipv8_crypto::PublicKey;
use ipv8_wire::{Decoded, Envelope, FieldValue, decode_any};
use serde_json::{Map, Value};

use super::bad_input;

/// Largest datagram accepted on stdin (well above any UDP payload).
const MAX_INPUT_BYTES: u64 = 1 << 20;

/// Entries of [`Decoded::fields`] that describe the header or envelope; they are printed at the
/// top level of the JSON object, every other entry under `fields`. (`public_key_bin` is printed
/// as `public_key`, next to the signer's mid.)
const TOP_LEVEL_FIELDS: &[&str] = &[
    "name",
    "style",
    "version",
    "community_id",
    "message_id",
    "global_time",
    "signature",
    "signed_length",
];

/// Datagram subcommands.
#[derive(Debug, Subcommand)]
pub enum PacketCommand {
    /// Decode one datagram and print it as a JSON object (fields, signer, signature validity).
    Decode {
        /// The datagram in hex. Whitespace and a leading `0x` are ignored, and several arguments
        /// are joined. Without arguments, or with `-`, the hex is read from stdin.
        #[arg(value_name = "HEX")]
        hex: Vec<String>,
        /// Indent the JSON output.
        #[arg(long)]
        pretty: bool,
    },
}

/// Runs a packet subcommand.
///
/// # Errors
/// Bad input for malformed hex or an undecodable packet (the message names field and offset).
pub fn run(command: PacketCommand, out: &mut dyn Write) -> anyhow::Result<()> {
    match command {
        PacketCommand::Decode { hex, pretty } => {
            let text = if hex.is_empty() || hex == ["-"] {
                read_stdin()?
            } else {
                hex.join(" ")
            };
            let datagram = parse_hex(&text).map_err(bad_input)?;
            let decoded = decode_any(&datagram)
                .map_err(|err| bad_input(format!("malformed packet: {err}")))?;
            let json = describe(&decoded, datagram.len());
            let text = if pretty {
                serde_json::to_string_pretty(&json)?
            } else {
                serde_json::to_string(&json)?
            };
            writeln!(out, "{text}")?;
            Ok(())
        }
    }
}

fn read_stdin() -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT_BYTES)
        .read_to_end(&mut bytes)
        .context("reading hex from stdin")?;
    String::from_utf8(bytes).map_err(|_| bad_input("malformed hex: stdin is not text"))
}

/// Parses hex digits, ignoring ASCII whitespace and a `0x`/`0X` before each group.
///
/// # Errors
/// A one-line description naming the offending character position.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let mut digits = Vec::with_capacity(text.len());
    for group in text.split_ascii_whitespace() {
        let group = group
            .strip_prefix("0x")
            .or_else(|| group.strip_prefix("0X"))
            .unwrap_or(group);
        digits.extend(group.chars());
    }
    if digits.is_empty() {
        return Err("no packet given: pass its hex as arguments or on stdin".to_owned());
    }
    if let Some((position, bad)) = digits
        .iter()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_hexdigit())
    {
        return Err(format!(
            "malformed hex: invalid character {bad:?} at hex digit {position}"
        ));
    }
    if digits.len() % 2 == 1 {
        return Err(format!(
            "malformed hex: odd number of hex digits ({})",
            digits.len()
        ));
    }
    let digits: String = digits.into_iter().collect();
    hex::decode(&digits).map_err(|err| format!("malformed hex: {err}"))
}

fn field_json(value: &FieldValue) -> Value {
    match value {
        FieldValue::Uint(v) => Value::from(*v),
        FieldValue::Bool(v) => Value::Bool(*v),
        FieldValue::Text(s) | FieldValue::Hex(s) => Value::String(s.clone()),
        FieldValue::List(items) => Value::Array(items.iter().map(field_json).collect()),
    }
}

/// The JSON object printed for `decoded`.
fn describe(decoded: &Decoded<'_>, length: usize) -> Value {
    let mut top = Map::new();
    let mut fields = Map::new();
    for (name, value) in decoded.fields() {
        if name == "public_key_bin" {
            continue;
        }
        let target = if TOP_LEVEL_FIELDS.contains(&name) {
            &mut top
        } else {
            &mut fields
        };
        target.insert(name.to_owned(), field_json(&value));
    }
    top.insert("length".into(), Value::from(length));
    top.insert("fields".into(), Value::Object(fields));
    top.insert(
        "signed".into(),
        Value::Bool(matches!(decoded.envelope, Envelope::Signed(_))),
    );
    let (public_key, mid, key_type, valid, key_error) = match &decoded.envelope {
        Envelope::Signed(packet) => match PublicKey::from_bin(packet.public_key) {
            Ok(key) => (
                Value::String(hex::encode(packet.public_key)),
                Value::String(key.mid().to_hex()),
                Value::String(key_type(&key)),
                Value::Bool(key.verify(packet.signed_part, packet.signature)),
                Value::Null,
            ),
            Err(err) => (
                Value::String(hex::encode(packet.public_key)),
                Value::Null,
                Value::Null,
                Value::Bool(false),
                Value::String(err.to_string()),
            ),
        },
        Envelope::Unsigned(_) | Envelope::None => (
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
        ),
    };
    top.insert("public_key".into(), public_key);
    top.insert("mid".into(), mid);
    top.insert("key_type".into(), key_type);
    top.insert("signature_valid".into(), valid);
    if !key_error.is_null() {
        top.insert("key_error".into(), key_error);
    }
    Value::Object(top)
}

fn key_type(key: &PublicKey) -> String {
    match key {
        PublicKey::LibNacl(_) => "curve25519".to_owned(),
        PublicKey::LegacyEc(ec) => ec.curve_name().unwrap_or("ec").to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_accepts_whitespace_and_prefixes() {
        assert_eq!(parse_hex("0x00 02\n0Xff"), Ok(vec![0, 2, 0xff]));
        assert_eq!(parse_hex(" ABcd "), Ok(vec![0xab, 0xcd]));
    }

    #[test]
    fn hex_errors_are_one_line_and_precise() {
        assert_eq!(
            parse_hex("  "),
            Err("no packet given: pass its hex as arguments or on stdin".to_owned())
        );
        assert_eq!(
            parse_hex("00zz"),
            Err("malformed hex: invalid character 'z' at hex digit 2".to_owned())
        );
        assert_eq!(
            parse_hex("abc"),
            Err("malformed hex: odd number of hex digits (3)".to_owned())
        );
        assert!(parse_hex("é0").unwrap_err().contains("at hex digit 0"));
    }
}
