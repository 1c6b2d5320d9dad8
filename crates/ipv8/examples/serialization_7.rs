//! py-ipv8's `serialization_7.py`: payloads inside payloads.
//!
//! A field whose type is a derived payload is nested, a `Vec` of them is a list: py-ipv8's
//! `"payload"` and `"payload-list"` formats, which is how its dataclasses nest. Prints the
//! message, its bytes and the message decoded from them.

use ipv8::Payload;
use ipv8::wire::{DecodeError, decode_exact};

/// py-ipv8's `A(VariablePayload)`: `format_list = ["I", "H"]`.
#[derive(Payload, Debug, Clone, PartialEq)]
struct A {
    foo: u32,
    bar: u16,
}

/// py-ipv8's `B(VariablePayload)`: `format_list = [A, "H"]`.
#[derive(Payload, Debug, Clone, PartialEq)]
struct B {
    a: A,
    baz: u16,
}

/// py-ipv8's nested dataclass `Message.Item` (`int` fields are `q`).
#[derive(Payload, Debug, Clone, PartialEq)]
struct Item {
    foo: i64,
    bar: i64,
}

/// py-ipv8's `Message(DataClassPayload[1])`: an item, a list of items and an int.
#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 1, signed)]
struct Message {
    item: Item,
    items: Vec<Item>,
    baz: i64,
}

fn main() -> Result<(), DecodeError> {
    let b = B {
        a: A { foo: 1, bar: 2 },
        baz: 3,
    };
    let bytes = b.to_bytes();
    println!("{b:?}\n  = {}", hex::encode(&bytes));
    assert_eq!(decode_exact::<B>(&bytes, 0)?, b);

    let message = Message {
        item: Item { foo: 1, bar: 2 },
        items: vec![Item { foo: 3, bar: 4 }, Item { foo: 5, bar: 6 }],
        baz: 7,
    };
    let bytes = message.to_bytes();
    println!("{message:?}\n  = {}", hex::encode(&bytes));
    assert_eq!(decode_exact::<Message>(&bytes, 0)?, message);
    Ok(())
}
