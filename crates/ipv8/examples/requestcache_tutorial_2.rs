//! py-ipv8's `requestcache_tutorial_2.py`: a cache that times out.
//!
//! The cache is never taken out again, so after its 3 s `timeout_delay` its `on_timeout` runs
//! and prints `Oh no! I never received a response!`. The program ends after 4 s.

mod common;

use std::time::Duration;

use ipv8::prelude::*;

const MY_COMMUNITY: CommunityId = CommunityId(*b"requestcache tut. 2 ");

struct MyState {
    #[allow(dead_code)] // kept, as in the Python, though nobody reads it
    state: i64,
}

impl NumberCache<MyCommunity> for MyState {
    const PREFIX: &'static str = "my-state";

    // Three seconds instead of the default ten.
    fn timeout_delay(&self) -> Duration {
        Duration::from_secs(3)
    }

    fn on_timeout(self, _community: &mut MyCommunity, _cx: &mut Cx<'_, MyCommunity>) {
        println!("Oh no! I never received a response!");
    }
}

#[derive(Default)]
struct MyCommunity;

impl Community for MyCommunity {
    type Command = ();
    type Event = ();
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = common::lonely_node();
    let community = builder.community(
        common::local_overlay(MY_COMMUNITY, "MyCommunity"),
        MyCommunity,
    );
    let ipv8 = builder.spawn()?;

    community
        .call(|_, cx| cx.add_cache_numbered(0, MyState { state: 42 }))
        .await?;
    tokio::time::sleep(Duration::from_secs(4)).await;

    ipv8.shutdown().await?;
    Ok(())
}
