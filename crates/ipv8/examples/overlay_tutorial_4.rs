//! py-ipv8's `overlay_tutorial_4.py`: print every peer an overlay finds.
//!
//! py-ipv8's `PeerObserver.on_peer_added` becomes the node's event stream: every node reports
//! `Event::PeerAdded` for the peers its communities find. Prints, per node,
//! `I am: Peer<…> I found: Peer<…>` and stops once both nodes found the other.

mod common;

use std::time::Duration;

use ipv8::Event;
use ipv8::prelude::*;

const MY_COMMUNITY: CommunityId = CommunityId(*b"overlay tutorial 4rs");

#[derive(Default)]
struct MyCommunity;

impl Community for MyCommunity {
    type Command = ();
    type Event = ();
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (tracker, tracker_addr) = common::local_tracker().await?;
    let mut observers = Vec::new();
    let mut nodes = Vec::new();
    for _ in [1, 2] {
        let mut builder = common::loopback_node(tracker_addr);
        let handle = builder.community(
            common::tutorial_overlay(MY_COMMUNITY, "MyCommunity"),
            MyCommunity,
        );
        let ipv8 = builder.spawn()?;
        // Our peer observer: the node's events, until the first peer of MyCommunity.
        let mut events = ipv8.events();
        observers.push(tokio::spawn(async move {
            while let Ok(event) = events.recv().await {
                if let Event::PeerAdded { community, mid, .. } = event {
                    if community != MY_COMMUNITY {
                        continue;
                    }
                    let (me, found) = handle
                        .call(move |_, cx| (cx.my_peer(), cx.network().peer(&mid).cloned()))
                        .await?;
                    if let Some(found) = found {
                        println!("I am: {me} I found: {found}");
                        return Ok(());
                    }
                }
            }
            Err(ipv8::CommunityError::DriverGone)
        }));
        nodes.push(ipv8);
    }

    for observer in observers {
        tokio::time::timeout(Duration::from_secs(20), observer).await???;
    }
    for ipv8 in nodes {
        ipv8.shutdown().await?;
    }
    tracker.shutdown().await?;
    Ok(())
}
