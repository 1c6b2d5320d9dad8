//! py-ipv8's `serialization_4.py`: custom serialization of one field.
//!
//! py-ipv8's `fix_pack_<field>` / `fix_unpack_<field>` become a `Format` type named on the
//! field with `#[payload(with = ...)]`. `Json` below keeps a JSON object as py-ipv8 does: the
//! `json.dumps` text in a `varlenH` field. Both messages (ids 1 and 2, as the Python's
//! `VariablePayload` and dataclass) serialize to the same bytes. Prints them and the objects
//! decoded from them.

use ipv8::Payload;
use ipv8::wire::format::Format;
use ipv8::wire::{DecodeError, DecodeErrorKind, Reader, Writer, decode_exact};
use serde_json::{Map, Value, json};

/// A JSON object as the `json.dumps` text in a `varlenH` field.
struct Json;

impl Format<Map<String, Value>> for Json {
    fn write(value: &Map<String, Value>, w: &mut Writer) {
        w.varlen_h(Value::Object(value.clone()).to_string().as_bytes());
    }

    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Map<String, Value>, DecodeError> {
        let start = r.offset();
        let text = r.varlen_h_utf8(field)?;
        match serde_json::from_str(text) {
            Ok(Value::Object(map)) => Ok(map),
            // Not a JSON object: the field is not what it should be.
            _ => Err(DecodeError::new(field, start, DecodeErrorKind::BadMagic)),
        }
    }
}

#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 1, unsigned)]
struct VPMessageKeepDict {
    #[payload(with = Json)]
    dictionary: Map<String, Value>,
}

#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 2, unsigned)]
struct DCMessageKeepDict {
    #[payload(with = Json)]
    dictionary: Map<String, Value>,
}

fn main() -> Result<(), DecodeError> {
    let Value::Object(data) = json!({"1": 1, "key": "value"}) else {
        unreachable!("a JSON object literal")
    };

    let message1 = VPMessageKeepDict {
        dictionary: data.clone(),
    };
    let message2 = DCMessageKeepDict { dictionary: data };

    assert_eq!(message1.dictionary["1"], 1);
    assert_eq!(message1.dictionary["key"], "value");

    let serialized1 = message1.to_bytes();
    let serialized2 = message2.to_bytes();
    assert_eq!(serialized1, serialized2);
    println!("serialized: {}", String::from_utf8_lossy(&serialized1[2..]));

    let unserialized1 = decode_exact::<VPMessageKeepDict>(&serialized1, 0)?;
    let unserialized2 = decode_exact::<DCMessageKeepDict>(&serialized2, 0)?;
    assert_eq!(unserialized1.dictionary["1"], 1);
    assert_eq!(unserialized2.dictionary["key"], "value");
    println!("unserialized: {:?}", unserialized1.dictionary);
    Ok(())
}
