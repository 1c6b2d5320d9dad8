//! py-ipv8's `overlay_tutorial_5.py`: three peers keep a Lamport clock with one signed message.
//!
//! Prints `Peer<…> current clock: N` for every message received, as the Python does. The
//! Python runs until Ctrl+C; this port stops once every peer counted past 100. The one-peer
//! command-line version, for running next to the Python, is the `overlay_tutorial` example.

mod common;

use std::time::Duration;

use ipv8::prelude::*;

const MY_COMMUNITY: CommunityId = CommunityId(*b"overlay tutorial 5rs");

/// The value 1 identifies this message and must be unique per community. `clock` is an
/// `i64` (py-ipv8's `int`, packed as a "long long").
#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 1, signed)]
struct MyMessage {
    clock: i64,
}

#[derive(Default)]
struct MyCommunity {
    /// The Lamport clock this peer maintains.
    lamport_clock: i64,
}

impl Community for MyCommunity {
    type Command = ();
    type Event = ();

    fn handlers(h: &mut Handlers<Self>) {
        // MyMessage (id 1) goes to on_message.
        h.signed(Self::on_message);
    }

    fn started(&mut self, cx: &mut Cx<'_, Self>) {
        // If we have not started counting, try bootstrapping communication with our other
        // known peers; once we count, stop trying.
        let start_communication = |c: &mut Self, cx: &mut Cx<'_, Self>| {
            if c.lamport_clock == 0 {
                let clock = c.lamport_clock;
                for p in cx.peers() {
                    cx.ez_send(&p, &MyMessage { clock });
                }
            } else {
                cx.cancel_pending_task("start_communication");
            }
        };
        // A task of the community ends when the community is unloaded. This one runs now and
        // then every 5 seconds.
        let (now, every) = (Duration::ZERO, Some(Duration::from_secs(5)));
        cx.register_task("start_communication", now, every, start_communication)
            .expect("a new community has no tasks yet");
    }
}

impl MyCommunity {
    fn on_message(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer, payload: MyMessage) {
        // The Lamport rule: one past the larger of both clocks.
        self.lamport_clock = self.lamport_clock.max(payload.clock).saturating_add(1);
        println!("{} current clock: {}", cx.my_peer(), self.lamport_clock);
        // And tell the sender where we are now.
        let clock = self.lamport_clock;
        cx.ez_send(peer, &MyMessage { clock });
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (tracker, tracker_addr) = common::local_tracker().await?;
    let mut nodes = Vec::new();
    let mut handles = Vec::new();
    for _ in [1, 2, 3] {
        let mut builder = common::loopback_node(tracker_addr);
        let config = common::tutorial_overlay(MY_COMMUNITY, "MyCommunity");
        handles.push(builder.community(config, MyCommunity::default()));
        nodes.push(builder.spawn()?);
    }

    // Let them count for a while (the Python counts forever).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    for handle in &handles {
        while handle.call(|c, _| c.lamport_clock).await? < 100 {
            if tokio::time::Instant::now() >= deadline {
                return Err("the clocks did not pass 100 within 30 s".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    for ipv8 in nodes {
        ipv8.shutdown().await?;
    }
    tracker.shutdown().await?;
    Ok(())
}
