//! py-ipv8's `tasks_tutorial_4.py`: 20 anonymous tasks, all due half a second from now.
//! Prints `[0, 1, …, 19]` after just over half a second.

mod common;

use std::time::Duration;

use ipv8::prelude::*;

const MY_COMMUNITY: CommunityId = CommunityId(*b"tasks tutorial 4 rs ");

#[derive(Default)]
struct MyCommunity {
    completed: Vec<i32>,
}

impl Community for MyCommunity {
    type Command = ();
    type Event = ();
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = common::lonely_node();
    let config = common::local_overlay(MY_COMMUNITY, "MyCommunity");
    let community = builder.community(config, MyCommunity::default());
    let ipv8 = builder.spawn()?;

    let started = std::time::Instant::now();
    community
        .call(|_, cx| -> Result<(), ipv8::TaskError> {
            for i in 0..20 {
                let execute_me_too = move |c: &mut MyCommunity, _: &mut Cx<'_, MyCommunity>| {
                    c.completed.push(i);
                };
                cx.register_anonymous_task(Duration::from_millis(500), execute_me_too)?;
            }
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
    eprintln!("took {:.2} s", started.elapsed().as_secs_f64());
    ipv8.shutdown().await?;
    Ok(())
}
