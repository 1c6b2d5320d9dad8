//! py-ipv8's `serialization_2.py`: one message made of two payloads.
//!
//! py-ipv8 packs several payloads after one message id (`ezr_pack(1, p1, p2)`) and unpacks them
//! with `lazy_wrapper(P1, P2)`. In ipv8-rs the message is one struct whose fields are the
//! payloads, inlined with `#[payload(flatten)]` (no length prefix, so the bytes are the same).
//! Node 1 sends the message to node 2, which prints what it got.

mod common;

use ipv8::prelude::*;

const COMMUNITY_ID: CommunityId = CommunityId(*b"serialization tut. 2");

#[derive(Payload, Debug, Clone, PartialEq, Default)]
struct MyMessagePayload1 {}

#[derive(Payload, Debug, Clone, PartialEq, Default)]
struct MyMessagePayload2 {}

/// Message 1: the first payload, then the second.
#[derive(Payload, Debug, Clone, PartialEq, Default)]
#[payload(id = 1, signed)]
struct MyMessage {
    #[payload(flatten)]
    payload1: MyMessagePayload1,
    #[payload(flatten)]
    payload2: MyMessagePayload2,
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
    fn on_message(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer, message: MyMessage) {
        println!("Got a message from: {peer}");
        println!(
            "The message includes the first payload:\n {:?}",
            message.payload1
        );
        println!(
            "The message includes the second payload:\n {:?}",
            message.payload2
        );
        cx.emit(());
    }

    fn send_message(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer) {
        cx.ez_send(peer, &MyMessage::default());
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
    common::wait_for_peers(&handles.iter().collect::<Vec<_>>(), 20).await?;

    handles[0]
        .call(|c, cx| {
            for peer in cx.peers() {
                c.send_message(cx, &peer);
            }
        })
        .await?;
    common::next_event(&mut handles[1], 10).await?;

    for ipv8 in nodes {
        ipv8.shutdown().await?;
    }
    tracker.shutdown().await?;
    Ok(())
}
