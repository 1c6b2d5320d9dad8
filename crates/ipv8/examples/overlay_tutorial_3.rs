//! py-ipv8's `overlay_tutorial_3.py`: our own overlay, loaded in two IPv8 nodes that run
//! nothing else.
//!
//! The Python runs until Ctrl+C; this port stops once both instances found each other.

mod common;

use ipv8::prelude::*;

/// Other peers find this community by its id (the Python draws a random one per run).
const MY_COMMUNITY: CommunityId = CommunityId(*b"overlay tutorial 3rs");

/// An overlay with no messages of its own: only the introduction walk.
#[derive(Default)]
struct MyCommunity;

impl Community for MyCommunity {
    type Command = ();
    type Event = ();
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (tracker, tracker_addr) = common::local_tracker().await?;
    let mut nodes = Vec::new();
    let mut handles = Vec::new();
    for i in [1, 2] {
        // No default overlays, one key per node (common::loopback_node). We load MyCommunity and
        // find other peers with RandomWalk until we have 10 (common::tutorial_overlay).
        let mut builder = common::loopback_node(tracker_addr);
        let handle = builder.community(
            common::tutorial_overlay(MY_COMMUNITY, "MyCommunity"),
            MyCommunity,
        );
        let ipv8 = builder.spawn()?;
        println!(
            "IPv8 {i} loaded MyCommunity on {}",
            common::bound_addr(&ipv8).await?
        );
        nodes.push(ipv8);
        handles.push(handle);
    }

    // Our overlay is loaded twice; it does nothing but find the other instance.
    common::wait_for_peers(&handles.iter().collect::<Vec<_>>(), 20).await?;
    println!("Both instances of MyCommunity found a peer");

    for ipv8 in nodes {
        ipv8.shutdown().await?;
    }
    tracker.shutdown().await?;
    Ok(())
}
