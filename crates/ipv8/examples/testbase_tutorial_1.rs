//! py-ipv8's `testbase_tutorial_1.py`: unit tests of a community with `ipv8::testing`.
//!
//! py-ipv8's `TestBase` is `TestNetwork`: real nodes (real keys, signatures and walks) on an
//! in-memory network with a virtual clock, deterministic by seed. `initialize(MyCommunity, n)`
//! is `add_node` n times, `overlay(i).method()` is `call(i, ...)`, `deliver_messages()` and
//! `introduce_nodes()` are the same, and `asyncio.sleep` is `advance` of the virtual clock.
//! In your crate these are `#[test]` functions; this example runs them from `main` and prints
//! one line per test, as `python3 -m unittest -v` does.

use std::time::Duration;

use ipv8::prelude::*;
use ipv8::testing::TestNetwork;

const COMMUNITY_ID: CommunityId = CommunityId(*b"testbase tutorial 1 ");

/// py-ipv8's `MyCache(NumberCache)`: prefix "" and number 0, timing out after 10 s.
struct MyCache;

impl NumberCache<MyCommunity> for MyCache {
    const PREFIX: &'static str = "";

    fn on_timeout(self, community: &mut MyCommunity, _: &mut Cx<'_, MyCommunity>) {
        community.timed_out = true;
    }
}

/// py-ipv8's `MyCommunitySettings.some_constant` is an argument of the constructor.
struct MyCommunity {
    some_constant: i64,
    last_peer: Option<Peer>,
    timed_out: bool,
}

impl MyCommunity {
    fn new(some_constant: Option<i64>) -> Self {
        Self {
            some_constant: some_constant.unwrap_or(42),
            last_peer: None,
            timed_out: false,
        }
    }

    fn some_constant(&self) -> i64 {
        self.some_constant
    }

    fn add_cache(&mut self, cx: &mut Cx<'_, Self>) {
        cx.add_cache_numbered(0, MyCache);
    }
}

impl Community for MyCommunity {
    type Command = ();
    type Event = ();

    fn introduction_request_callback(&mut self, _: &mut Cx<'_, Self>, peer: &Peer, _: &[u8]) {
        self.last_peer = Some(peer.clone());
    }
}

fn config() -> CommunityConfig {
    CommunityConfig::new(COMMUNITY_ID, "MyCommunity")
}

/// `initialize(MyCommunity, n)`.
fn initialize(n: usize, some_constant: Option<i64>) -> TestNetwork {
    let mut net = TestNetwork::new(1);
    for _ in 0..n {
        net.add_node(config(), MyCommunity::new(some_constant));
    }
    net
}

/// Create a MyCommunity and check the output of some_constant().
fn test_call() {
    // One node with MyCommunity.
    let mut net = initialize(1, None);
    // The first node is node 0.
    let value = net.call(0, |c: &mut MyCommunity, _| c.some_constant());
    assert_eq!(42, value);
}

/// Create a MyCommunity with a custom some_constant.
fn test_call2() {
    let mut net = initialize(1, Some(7));
    let value = net.call(0, |c: &mut MyCommunity, _| c.some_constant());
    assert_eq!(7, value);
}

/// Check if we got a request from another MyCommunity.
fn test_intro_called() {
    let mut net = initialize(2, None);
    // Node 0 sends an introduction request to node 1.
    let to = net.address(1);
    net.call(0, |_: &mut MyCommunity, cx| cx.walk_to(to));
    // Let the virtual network deliver it.
    net.deliver_messages();
    // Node 1 remembers node 0 as the last peer that asked.
    let last = net.call(1, |c: &mut MyCommunity, _| {
        c.last_peer.as_ref().map(Peer::mid)
    });
    assert_eq!(Some(net.mid(0)), last);
}

/// Check if we got a request from another MyCommunity, with introduce_nodes().
fn test_intro_called2() {
    let mut net = initialize(2, None);
    net.introduce_nodes();
    let last = |net: &mut TestNetwork, i| {
        net.call(i, |c: &mut MyCommunity, _| {
            c.last_peer.as_ref().map(Peer::mid)
        })
    };
    assert_eq!(Some(net.mid(0)), last(&mut net, 1));
    assert_eq!(Some(net.mid(1)), last(&mut net, 0));
}

/// Check if a cache time out is properly handled. py-ipv8 nullifies the timeout with
/// `passthrough()`; on the virtual clock we simply let its 10 s pass.
fn test_passthrough() {
    let mut net = initialize(1, None);
    net.call(0, |c: &mut MyCommunity, cx| c.add_cache(cx));
    net.advance(Duration::from_secs(10));
    assert!(net.call(0, |c: &mut MyCommunity, _| c.timed_out));
}

fn main() {
    let tests: [(&str, fn()); 5] = [
        ("test_call", test_call),
        ("test_call2", test_call2),
        ("test_intro_called", test_intro_called),
        ("test_intro_called2", test_intro_called2),
        ("test_passthrough", test_passthrough),
    ];
    for (name, test) in tests {
        test();
        println!("{name} (testbase_tutorial_1.MyTests.{name}) ... ok");
    }
    println!("Ran {} tests\nOK", tests.len());
}
