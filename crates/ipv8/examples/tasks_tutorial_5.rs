//! py-ipv8's `tasks_tutorial_5.py`: a periodic task and a delayed one. "keep adding 1" runs
//! every 0.1 s (its first run, as in py-ipv8, one interval from now) until 20 values are in;
//! "sneaky inject" adds a single 2 after 0.5 s. Prints
//! `[1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]` (the 2 lands after the
//! fourth or the fifth 1: both are due at 0.5 s).

mod common;

use std::time::Duration;

use ipv8::prelude::*;

const MY_COMMUNITY: CommunityId = CommunityId(*b"tasks tutorial 5 rs ");

#[derive(Default)]
struct MyCommunity {
    completed: Vec<i32>,
}

impl Community for MyCommunity {
    type Command = ();
    type Event = ();
}

fn execute_me_too(c: &mut MyCommunity, cx: &mut Cx<'_, MyCommunity>, i: i32) {
    if c.completed.len() == 20 {
        cx.cancel_pending_task("keep adding 1");
        return;
    }
    c.completed.push(i);
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = common::lonely_node();
    let config = common::local_overlay(MY_COMMUNITY, "MyCommunity");
    let community = builder.community(config, MyCommunity::default());
    let ipv8 = builder.spawn()?;

    let interval = Duration::from_millis(100);
    let inject_at = Duration::from_millis(500);
    community
        .call(move |_, cx| -> Result<(), ipv8::TaskError> {
            cx.register_task("keep adding 1", interval, Some(interval), |c, cx| {
                execute_me_too(c, cx, 1);
            })?;
            cx.register_task("sneaky inject", inject_at, None, |c, cx| {
                execute_me_too(c, cx, 2);
            })?;
            Ok(())
        })
        .await??;
    // py-ipv8's wait_for_tasks().
    while !community
        .call(|_, cx| cx.pending_tasks().is_empty())
        .await?
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let completed = community.call(|c, _| c.completed.clone()).await?;
    community.unload().await?;
    println!("{completed:?}");
    ipv8.shutdown().await?;
    Ok(())
}
