//! py-ipv8's `tasks_tutorial_3.py`: named tasks of a community (py-ipv8's `TaskManager`;
//! every `Community` is one). Registers two, cancels the first, waits for the rest.
//! Prints `[2]`.
//!
//! A community task is a closure over the community and its `Cx`, run by the node after its
//! delay (here 0.5 s, the Python's `asyncio.sleep(0.5)`).

mod common;

use std::time::Duration;

use ipv8::prelude::*;

const MY_COMMUNITY: CommunityId = CommunityId(*b"tasks tutorial 3 rs ");

#[derive(Default)]
struct MyCommunity {
    completed: Vec<i32>,
}

impl Community for MyCommunity {
    type Command = ();
    type Event = ();
}

/// py-ipv8's `wait_for_tasks()`: until no task of the community is pending.
async fn wait_for_tasks(
    community: &CommunityHandle<MyCommunity>,
) -> Result<(), ipv8::CommunityError> {
    while !community
        .call(|_, cx| cx.pending_tasks().is_empty())
        .await?
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = common::lonely_node();
    let config = common::local_overlay(MY_COMMUNITY, "MyCommunity");
    let community = builder.community(config, MyCommunity::default());
    let ipv8 = builder.spawn()?;

    let delay = Duration::from_millis(500); // the Python's asyncio.sleep(0.5)
    community
        .call(move |_, cx| -> Result<(), ipv8::TaskError> {
            cx.register_task("execute_me_too1", delay, None, |c, _| c.completed.push(1))?;
            cx.register_task("execute_me_too2", delay, None, |c, _| c.completed.push(2))?;
            cx.cancel_pending_task("execute_me_too1");
            Ok(())
        })
        .await??;
    wait_for_tasks(&community).await?;

    let completed = community.call(|c, _| c.completed.clone()).await?;
    // py-ipv8's shutdown_task_manager(): unloading ends every task of the community.
    community.unload().await?;
    println!("{completed:?}");
    ipv8.shutdown().await?;
    Ok(())
}
