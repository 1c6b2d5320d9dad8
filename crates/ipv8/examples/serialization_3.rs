//! py-ipv8's `serialization_3.py`: one payload per message, the message id on the payload.
//!
//! py-ipv8's `msg_id` class attribute is the derive's `#[payload(id = ...)]`; `ez_send` reads
//! it from the type. Node 1 sends `MyMessage1(42)` and `MyMessage2(7)` to node 2, which prints
//! them.

mod common;

use ipv8::prelude::*;

const COMMUNITY_ID: CommunityId = CommunityId(*b"serialization tut. 3");

#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 1, signed)]
struct MyMessage1 {
    unsigned_integer_field: u32,
}

#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 2, signed)]
struct MyMessage2 {
    unsigned_integer_field: u32,
}

#[derive(Default)]
struct MyCommunity;

impl Community for MyCommunity {
    type Command = ();
    type Event = ();

    fn handlers(h: &mut Handlers<Self>) {
        h.signed(Self::on_message1).signed(Self::on_message2);
    }
}

impl MyCommunity {
    fn on_message1(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer, payload: MyMessage1) {
        println!("Got a message from: {peer}");
        println!("The message includes the first payload:\n {payload:?}");
        cx.emit(());
    }

    fn on_message2(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer, payload: MyMessage2) {
        println!("Got a message from: {peer}");
        println!("The message includes the first payload:\n {payload:?}");
        cx.emit(());
    }

    fn better_send_message_1(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer) {
        cx.ez_send(
            peer,
            &MyMessage1 {
                unsigned_integer_field: 42,
            },
        );
    }

    fn better_send_message_2(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer) {
        cx.ez_send(
            peer,
            &MyMessage2 {
                unsigned_integer_field: 7,
            },
        );
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
                c.better_send_message_1(cx, &peer);
                c.better_send_message_2(cx, &peer);
            }
        })
        .await?;
    common::next_event(&mut handles[1], 10).await?;
    common::next_event(&mut handles[1], 10).await?;

    for ipv8 in nodes {
        ipv8.shutdown().await?;
    }
    tracker.shutdown().await?;
    Ok(())
}
