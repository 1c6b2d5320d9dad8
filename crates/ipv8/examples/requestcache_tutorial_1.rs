//! py-ipv8's `requestcache_tutorial_1.py`: store a state in the request cache and take it out
//! again.
//!
//! In ipv8-rs a request cache belongs to a community (py-ipv8: "Normally, you would add this to a
//! network overlay instance"), so this port runs one community on a node with no peers. A task
//! adds the state after 1.23 s; another task looks for it every 100 ms (py-ipv8's
//! `request_cache.wait_for`) and reports it. Prints `I found a cache with the state: 42`.

mod common;

use std::time::Duration;

use ipv8::prelude::*;

const MY_COMMUNITY: CommunityId = CommunityId(*b"requestcache tut. 1 ");

/// py-ipv8's `MyState(NumberCacheWithName)`: the cache name is its prefix.
struct MyState {
    state: i64,
}

impl NumberCache<MyCommunity> for MyState {
    const PREFIX: &'static str = "my-state";
}

#[derive(Default)]
struct MyCommunity;

impl Community for MyCommunity {
    type Command = ();
    /// The state found in the cache.
    type Event = i64;

    fn started(&mut self, cx: &mut Cx<'_, Self>) {
        // py-ipv8 foo(): add a MyState cache with state 42 and identifier 0, 1.23 s from now.
        let add_later =
            |_: &mut Self, cx: &mut Cx<'_, Self>| cx.add_cache_numbered(0, MyState { state: 42 });
        cx.register_anonymous_task(Duration::from_millis(1230), add_later)
            .expect("room for a task");

        // py-ipv8 bar(): wait until a MyState cache with identifier 0 is added, then remove it from the
        // request cache and report its state.
        let wait_for = |_: &mut Self, cx: &mut Cx<'_, Self>| {
            if let Some(cache) = cx.pop_cache::<MyState>(0) {
                cx.emit(cache.state);
                cx.cancel_pending_task("wait for my-state 0");
            }
        };
        let every = Some(Duration::from_millis(100));
        cx.register_task("wait for my-state 0", Duration::ZERO, every, wait_for)
            .expect("room for a task");
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = common::lonely_node();
    let config = common::local_overlay(MY_COMMUNITY, "MyCommunity");
    let mut community = builder.community(config, MyCommunity);
    let ipv8 = builder.spawn()?;

    let state = common::next_event(&mut community, 10).await?;
    println!("I found a cache with the state: {state}");

    ipv8.shutdown().await?;
    Ok(())
}
