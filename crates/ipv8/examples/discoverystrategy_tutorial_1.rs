//! py-ipv8's `discoverystrategy_tutorial_1.py`: a discovery strategy of our own, added to a
//! running node with `add_strategy`.
//!
//! The node calls every strategy of a community once per walk interval (0.5 s), one after the
//! other, on the one task that owns the node: network I/O of the strategies never clashes, and
//! no `walk_lock` is needed. `target_peers` -1 makes it run forever. Here the communities have
//! no walkers of their own; the strategy asks a random known peer for an introduction (or
//! walks to an introduced address, or bootstraps, while there is none). The tracker's own
//! requests (it checks that we are alive) are printed too. Prints `Peer<…> received an introduction request from
//! Peer<…>` until each of the two nodes got three.

mod common;

use ipv8::prelude::*;

const MY_COMMUNITY: CommunityId = CommunityId(*b"discovery strategy 1");

/// Counts the introduction requests it receives.
#[derive(Default)]
struct MyCommunity;

impl Community for MyCommunity {
    type Command = ();
    type Event = ();

    fn introduction_request_callback(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer, _: &[u8]) {
        println!(
            "{} received an introduction request from {peer}",
            cx.my_peer()
        );
        cx.emit(());
    }
}

struct MyDiscoveryStrategy;

impl DiscoveryStrategy<MyCommunity> for MyDiscoveryStrategy {
    fn name(&self) -> &'static str {
        "MyDiscoveryStrategy"
    }

    fn take_step(&mut self, _community: &mut MyCommunity, cx: &mut Cx<'_, MyCommunity>) {
        // Any logic goes here. This one asks a random peer for an introduction; with no
        // peers yet, walk to an address we were introduced to, or else ask the trackers.
        let peers = cx.peers();
        if let Some(peer) = cx.rng().choose(&peers) {
            cx.send_introduction_request(peer);
            return;
        }
        let introduced = cx.walkable_addresses();
        match cx.rng().choose(&introduced) {
            Some(addr) => cx.walk_to(*addr),
            None => cx.get_new_introduction(None),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (tracker, tracker_addr) = common::local_tracker().await?;
    let mut nodes = Vec::new();
    let mut handles = Vec::new();
    for _ in [1, 2] {
        let mut builder = common::loopback_node(tracker_addr);
        let mut config = common::tutorial_overlay(MY_COMMUNITY, "MyCommunity");
        config.walkers.clear();
        let community = builder.community(config, MyCommunity);
        nodes.push(builder.spawn()?);
        // ipv8_instance.add_strategy(overlay, MyDiscoveryStrategy(overlay), target_peers)
        let target_peers = -1;
        community
            .add_strategy(MyDiscoveryStrategy, target_peers)
            .await?;
        handles.push(community);
    }

    for handle in &mut handles {
        for _ in 0..3 {
            common::next_event(handle, 20).await?;
        }
    }
    for ipv8 in nodes {
        ipv8.shutdown().await?;
    }
    tracker.shutdown().await?;
    Ok(())
}
