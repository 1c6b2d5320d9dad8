//! py-ipv8's `tasks_tutorial_6.py`: a community that starts a failing task as soon as it is
//! loaded, tested with every task cancelled first.
//!
//! A community can only register tasks once it runs (in `started`, where it has a `Cx`), which
//! is what py-ipv8 recommends anyway. When a test must stop them, `cancel_all_pending_tasks`
//! right after `add_node` does, before the virtual clock moves. Prints the test line as
//! `python3 -m unittest -v` does; were the task not cancelled, it would panic.

use std::time::Duration;

use ipv8::prelude::*;
use ipv8::testing::TestNetwork;

const COMMUNITY_ID: CommunityId = CommunityId(*b"tasks tutorial 6 rs ");

#[derive(Default)]
struct MyCommunity;

impl Community for MyCommunity {
    type Command = ();
    type Event = ();

    fn started(&mut self, cx: &mut Cx<'_, Self>) {
        cx.register_task("error out :-(", Duration::ZERO, None, |c, _| c.error())
            .expect("a new community has no tasks yet");
    }
}

impl MyCommunity {
    fn error(&mut self) {
        panic!("error out :-(");
    }
}

/// py-ipv8's `create_node` override: a node whose community's tasks are all cancelled.
fn create_node(net: &mut TestNetwork) -> usize {
    let node = net.add_node(
        CommunityConfig::new(COMMUNITY_ID, "MyCommunity"),
        MyCommunity,
    );
    net.call(node, |_: &mut MyCommunity, cx| {
        cx.cancel_all_pending_tasks()
    });
    node
}

fn test_something() {
    let mut net = TestNetwork::new(6);
    create_node(&mut net); // Will not run tasks
    net.advance(Duration::from_secs(1));
    assert!(net.pending_tasks::<MyCommunity>(0).is_empty());
}

fn main() {
    test_something();
    println!("test_something (tasks_tutorial_6.TestMyCommunity.test_something) ... ok");
    println!("Ran 1 test\nOK");
}
