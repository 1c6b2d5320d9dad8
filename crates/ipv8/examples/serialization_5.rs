//! py-ipv8's `serialization_5.py`: a custom packing format for many fields.
//!
//! py-ipv8 adds a `Packer` named `"json"` to the community's `Serializer`; ipv8-rs names a
//! `Format` type on each field (`#[payload(with = Json)]`), which any payload of any community
//! can use. `Json` is py-ipv8's `PackerJSON`: a big-endian `H` length, then `json.dumps`.
//! Node 1 sends the message every 2 s; node 2 prints it and checks `d4`.

mod common;

use std::time::Duration;

use ipv8::prelude::*;
use ipv8::wire::format::Format;
use ipv8::wire::{DecodeError, DecodeErrorKind, Reader, Writer};
use serde_json::{Value, json};

const COMMUNITY_ID: CommunityId = CommunityId(*b"serialization tut. 5");

/// py-ipv8's `PackerJSON`.
struct Json;

impl Format<Value> for Json {
    fn write(value: &Value, w: &mut Writer) {
        let packed = value.to_string();
        w.varlen_h(packed.as_bytes()); // size (">H"), then the JSON text
    }

    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Value, DecodeError> {
        let start = r.offset();
        let serialized = r.varlen_h(field)?;
        serde_json::from_slice(serialized)
            .map_err(|_| DecodeError::new(field, start, DecodeErrorKind::BadMagic))
    }
}

#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 1, signed)]
struct Message {
    #[payload(with = Json)]
    d1: Value,
    #[payload(with = Json)]
    d2: Value,
    #[payload(with = Json)]
    d3: Value,
    #[payload(with = Json)]
    d4: Value,
}

#[derive(Default)]
struct MyCommunity;

impl Community for MyCommunity {
    type Command = ();
    type Event = ();

    fn handlers(h: &mut Handlers<Self>) {
        h.signed(Self::on_message);
    }
}

impl MyCommunity {
    fn on_message(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer, message: Message) {
        println!("{peer}");
        println!("{message:?}");
        // 1337 was set after construction: it must have travelled.
        assert_eq!(message.d4, 1337);
        cx.emit(());
    }

    /// py-ipv8's `started(event, peer_id)` for peer 1: send to every peer every 2 s.
    fn start_sending(&mut self, cx: &mut Cx<'_, Self>) {
        let send_message = |_: &mut Self, cx: &mut Cx<'_, Self>| {
            let mut message = Message {
                d1: json!({"a": "b", "c": "d"}),
                d2: json!({"e": "f", "g": "h"}),
                d3: json!(["i", "j", "k", "l"]),
                d4: json!(42),
            };
            // Changed after construction, so the receiver checks what was really sent.
            message.d4 = json!(1337);
            cx.broadcast(&message);
        };
        let every = Some(Duration::from_secs(2));
        cx.register_task(
            "Start Sending Messages",
            Duration::ZERO,
            every,
            send_message,
        )
        .expect("registered once");
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (tracker, tracker_addr) = common::local_tracker().await?;
    let mut nodes = Vec::new();
    let mut handles = Vec::new();
    for _ in [1, 2] {
        let mut builder = common::loopback_node(tracker_addr);
        handles.push(builder.community(
            common::tutorial_overlay(COMMUNITY_ID, "MyCommunity"),
            MyCommunity,
        ));
        nodes.push(builder.spawn()?);
    }
    handles[0].call(|c, cx| c.start_sending(cx)).await?;
    common::next_event(&mut handles[1], 20).await?;

    for ipv8 in nodes {
        ipv8.shutdown().await?;
    }
    tracker.shutdown().await?;
    Ok(())
}
