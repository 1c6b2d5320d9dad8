//! py-ipv8's `requestcache_tutorial_3.py`: two peers use each other to count to 10, with a
//! request, a response and a cache that remembers each outstanding request.
//!
//! Prints `Peer<…> responded to: N with: N+1` for every answer, as the Python does, and stops
//! when both peers reached 10. Every request is sent twice (a replay attack): the cache makes
//! the second answer count for nothing.

mod common;

use std::time::Duration;

use ipv8::prelude::*;

const MY_COMMUNITY: CommunityId = CommunityId(*b"requestcache tut. 3 ");

/// Ask the other peer to increment `value`; `identifier` is our cache number.
#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 1, signed)]
struct MyRequest {
    value: u32,
    identifier: u32,
}

/// The incremented value, for the request with `identifier`.
#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 2, signed)]
struct MyResponse {
    value: u32,
    identifier: u32,
}

/// py-ipv8's `MyCache(RandomNumberCacheWithName)`: the value we asked to increment.
/// `Cx::add_cache` picks a free random number for it.
struct MyCache {
    value: u32,
}

impl NumberCache<MyCommunity> for MyCache {
    const PREFIX: &'static str = "my-cache";
}

#[derive(Default)]
struct MyCommunity;

impl Community for MyCommunity {
    type Command = ();
    /// We reached 10.
    type Event = ();

    fn handlers(h: &mut Handlers<Self>) {
        h.signed(Self::on_request).signed(Self::on_response);
    }

    fn started(&mut self, cx: &mut Cx<'_, Self>) {
        let every = Some(Duration::from_millis(100));
        cx.register_task(
            "wait for peers and send a request",
            Duration::ZERO,
            every,
            Self::send,
        )
        .expect("a new community has no tasks yet");
    }
}

impl MyCommunity {
    fn send(&mut self, cx: &mut Cx<'_, Self>) {
        // Nothing to do until the other node is a peer.
        let peers = cx.peers();
        if peers.is_empty() {
            return;
        }
        cx.cancel_pending_task("wait for peers and send a request");
        // Remember the request in a cache; its number travels with the request.
        let number = cx.add_cache(MyCache { value: 0 });
        for peer in &peers {
            cx.ez_send(
                peer,
                &MyRequest {
                    value: 0,
                    identifier: number as u32,
                },
            );
        }
    }

    fn on_request(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer, payload: MyRequest) {
        // Answer with the value plus one, under the asker's identifier.
        let value = payload.value.wrapping_add(1);
        cx.ez_send(
            peer,
            &MyResponse {
                value,
                identifier: payload.identifier,
            },
        );
    }

    fn on_response(
        &mut self,
        cx: &mut Cx<'_, Self>,
        peer: &Peer,
        payload: MyResponse,
    ) -> Result<(), DropReason> {
        // py-ipv8's @retrieve_cache: no outstanding request with this number, no handling.
        let cache = cx
            .pop_cache::<MyCache>(u64::from(payload.identifier))
            .ok_or(DropReason::UnsolicitedResponse)?;
        let (asked, answer) = (cache.value, payload.value);
        println!("{peer} responded to: {asked} with: {answer}");

        // At 10 this peer is done counting.
        if payload.value == 10 {
            cx.emit(());
            return Ok(());
        }

        // Below 10: ask for the next increment.
        let number = cx.add_cache(MyCache {
            value: payload.value,
        });
        let request = MyRequest {
            value: payload.value,
            identifier: number as u32,
        };
        for p in cx.peers() {
            cx.ez_send(&p, &request);
            // Send it again, as a replay attack would: the answer to the copy finds no cache.
            cx.ez_send(&p, &request);
        }
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (tracker, tracker_addr) = common::local_tracker().await?;
    let mut nodes = Vec::new();
    let mut handles = Vec::new();
    for _ in [1, 2] {
        let mut builder = common::loopback_node(tracker_addr);
        let config = common::tutorial_overlay(MY_COMMUNITY, "MyCommunity");
        handles.push(builder.community(config, MyCommunity));
        nodes.push(builder.spawn()?);
    }

    // Wait until both peers counted to 10.
    for handle in &mut handles {
        common::next_event(handle, 30).await?;
    }
    for ipv8 in nodes {
        ipv8.shutdown().await?;
    }
    tracker.shutdown().await?;
    Ok(())
}
