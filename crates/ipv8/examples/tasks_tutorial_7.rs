//! py-ipv8's `tasks_tutorial_7.py`: answers that belong to a cache. Each cache holds the
//! answering half of a `reply_channel`; the application awaits the other half. Prints
//!
//! ```text
//! future0.result()=True
//! future1.result()=False
//! future2.cancelled()=True
//! ```
//!
//! Cache 0 is answered (`finish`), cache 1 times out at once (py-ipv8's `passthrough()`, here a
//! zero `timeout_delay`) and answers `false` from its `on_timeout` (py-ipv8's
//! `register_future(..., on_timeout=False)`), cache 2 is dropped unanswered when the community
//! unloads (py-ipv8's `shutdown()`), which resolves its `Response` with `Cancelled`.

mod common;

use std::time::Duration;

use ipv8::prelude::*;

const MY_COMMUNITY: CommunityId = CommunityId(*b"tasks tutorial 7 rs ");

struct MyCache {
    awaitable: Option<Reply<bool>>,
    timeout: Duration,
}

impl MyCache {
    /// A cache and the future of its answer.
    fn new(timeout: Duration) -> (Self, Response<bool>) {
        let (reply, response) = reply_channel();
        (
            Self {
                awaitable: Some(reply),
                timeout,
            },
            response,
        )
    }

    fn finish(&mut self) {
        if let Some(reply) = self.awaitable.take() {
            reply.send(true);
        }
    }
}

impl NumberCache<MyCommunity> for MyCache {
    const PREFIX: &'static str = "my cache";

    fn timeout_delay(&self) -> Duration {
        self.timeout
    }

    fn on_timeout(self, _: &mut MyCommunity, _: &mut Cx<'_, MyCommunity>) {
        if let Some(reply) = self.awaitable {
            reply.send(false);
        }
    }
}

#[derive(Default)]
struct MyCommunity;

impl Community for MyCommunity {
    type Command = ();
    type Event = ();
}

fn py(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = common::lonely_node();
    let community = builder.community(
        common::local_overlay(MY_COMMUNITY, "MyCommunity"),
        MyCommunity,
    );
    let ipv8 = builder.spawn()?;

    let (future0, future1, future2) = community
        .call(|_, cx| {
            let second = Duration::from_secs(1);
            let (cache0, future0) = MyCache::new(second);
            cx.add_cache_numbered(0, cache0);
            let (cache1, future1) = MyCache::new(Duration::ZERO); // py-ipv8: passthrough()
            cx.add_cache_numbered(1, cache1);
            let (cache2, future2) = MyCache::new(second);
            cx.add_cache_numbered(2, cache2);
            (future0, future1, future2)
        })
        .await?;

    community
        .call(|_, cx| {
            if let Some(cache) = cx.get_cache::<MyCache>(0) {
                cache.finish();
            }
        })
        .await?;
    let result0 = future0.await;
    println!("future0.result()={}", py(result0 == Ok(true)));
    community
        .call(|_, cx| cx.pop_cache::<MyCache>(0).is_some())
        .await?;

    let result1 = future1.await;
    println!("future1.result()={}", py(result1 == Ok(true)));

    community.unload().await?;
    println!(
        "future2.cancelled()={}",
        py(future2.await == Err(ipv8::Cancelled))
    );

    ipv8.shutdown().await?;
    Ok(())
}
