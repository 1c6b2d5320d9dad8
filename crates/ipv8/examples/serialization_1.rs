//! py-ipv8's `serialization_1.py`: one message, declared by hand and with the derive.
//!
//! py-ipv8 has four ways (`Serializable`, `Payload`, `VariablePayload`, `DataClassPayload`);
//! ipv8-rs has two: implement `Payload` by hand, or `#[derive(Payload)]`. Both below are a
//! (four byte) unsigned integer followed by a (two byte) unsigned short, wire compatible with
//! every Python class of the tutorial. Prints each value and its bytes.

use std::fmt;

use ipv8::Payload;
use ipv8::wire::{DecodeError, Reader, Writer};

/// By hand: what `format_list`, `to_pack_list` and `from_unpack_list` say in Python.
#[derive(Debug, Clone, PartialEq)]
struct MySerializable {
    field1: u32,
    field2: u16,
}

impl Payload for MySerializable {
    const NAME: &'static str = "MySerializable";

    fn encode(&self, w: &mut Writer) {
        w.u32(self.field1);
        w.u16(self.field2);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            field1: r.u32("field1")?,
            field2: r.u16("field2")?,
        })
    }
}

/// With the derive: the field types give the formats (`u32` is `I`, `u16` is `H`).
#[derive(Payload, Debug, Clone, PartialEq)]
struct MyPayload {
    field1: u32,
    field2: u16,
}

/// py-ipv8's `Payload.__str__`.
impl fmt::Display for MyPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MyPayload\n| field1: {}\n| field2: {}",
            self.field1, self.field2
        )
    }
}

fn main() -> Result<(), DecodeError> {
    let serializable = MySerializable {
        field1: 1,
        field2: 2,
    };
    let payload = MyPayload {
        field1: 1,
        field2: 2,
    };

    println!("As string:");
    println!("{serializable:?}");
    println!("{payload}");

    let (a, b) = (serializable.to_bytes(), payload.to_bytes());
    println!("As bytes: {} and {}", hex::encode(&a), hex::encode(&b));
    assert_eq!(a, b);
    // And back: the bytes of one are the other.
    assert_eq!(ipv8::wire::decode_exact::<MyPayload>(&a, 0)?, payload);
    assert_eq!(
        ipv8::wire::decode_exact::<MySerializable>(&b, 0)?,
        serializable
    );
    Ok(())
}
