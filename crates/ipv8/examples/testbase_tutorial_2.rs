//! py-ipv8's `testbase_tutorial_2.py`: asserting which messages a node received.
//!
//! py-ipv8's `assertReceivedBy` spies on a node's endpoint. Here the community keeps what its
//! handlers got, and `assert_received_by` takes it out and compares: in order or not, and
//! optionally only some message ids (the filter). It returns the messages for further checks.
//! Prints one line per test, as `python3 -m unittest -v` does.

use ipv8::prelude::*;
use ipv8::testing::TestNetwork;

const COMMUNITY_ID: CommunityId = CommunityId(*b"testbase tutorial 2 ");

#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 1, signed)]
struct Message1 {
    value: i64,
}

#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 2, unsigned)]
struct Message2 {
    value: i64,
}

#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 3, signed)]
struct Message3 {
    value: i64,
}

/// `(message id, value)` of every message received, oldest first.
#[derive(Default)]
struct MyCommunity {
    received: Vec<(u8, i64)>,
}

impl Community for MyCommunity {
    type Command = ();
    type Event = ();

    fn handlers(h: &mut Handlers<Self>) {
        h.signed(|c: &mut Self, _, _, m: Message1| c.received.push((1, m.value)))
            .unsigned(|c: &mut Self, _, _, m: Message2| c.received.push((2, m.value)))
            .signed(|c: &mut Self, _, _, m: Message3| c.received.push((3, m.value)));
    }
}

impl MyCommunity {
    fn send_msg_to(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer, message_number: i64) {
        match message_number {
            1 => cx.ez_send(peer, &Message1 { value: 1 }),
            2 => cx.ez_send(peer, &Message2 { value: 2 }),
            _ => cx.ez_send(peer, &Message3 { value: 3 }),
        }
    }
}

/// `setUp`: `initialize(MyCommunity, 2)`, the nodes introduced to each other.
fn set_up() -> TestNetwork {
    let mut net = TestNetwork::new(2);
    for _ in 0..2 {
        net.add_node(
            CommunityConfig::new(COMMUNITY_ID, "MyCommunity"),
            MyCommunity::default(),
        );
    }
    net.introduce_nodes();
    net
}

/// `overlay(0).send_msg_to(peer(1), n)`.
fn send_msg_to(net: &mut TestNetwork, n: i64) {
    let to = net.mid(1);
    net.call(0, move |c: &mut MyCommunity, cx| {
        let peer = cx.network().peer(&to).cloned().expect("node 1 is a peer");
        c.send_msg_to(cx, &peer, n);
    });
}

/// py-ipv8's `assertReceivedBy(node, expected, ordered, message_filter)`.
fn assert_received_by(
    net: &mut TestNetwork,
    node: usize,
    expected: &[u8],
    ordered: bool,
    message_filter: Option<&[u8]>,
) -> Vec<(u8, i64)> {
    let received: Vec<(u8, i64)> = net
        .call(node, |c: &mut MyCommunity, _| {
            std::mem::take(&mut c.received)
        })
        .into_iter()
        .filter(|(id, _)| message_filter.is_none_or(|f| f.contains(id)))
        .collect();
    let mut ids: Vec<u8> = received.iter().map(|(id, _)| *id).collect();
    let mut expected = expected.to_vec();
    if !ordered {
        ids.sort_unstable();
        expected.sort_unstable();
    }
    assert_eq!(ids, expected, "node {node} received {received:?}");
    received
}

fn test_received_default() {
    let mut net = set_up();
    send_msg_to(&mut net, 1);
    send_msg_to(&mut net, 2);
    net.deliver_messages();
    assert_received_by(&mut net, 1, &[1, 2], true, None);
}

fn test_received_no_order() {
    let mut net = set_up();
    let mut messages = [2, 1, 2];
    // shuffle(messages), with the network's seeded randomness
    net.call(0, |_: &mut MyCommunity, cx| {
        for i in (1..messages.len()).rev() {
            messages.swap(i, cx.rng().below(i + 1));
        }
    });
    for m in messages {
        send_msg_to(&mut net, m);
    }
    net.deliver_messages();
    assert_received_by(&mut net, 1, &[1, 2, 2], false, None);
}

fn test_received_filter() {
    let mut net = set_up();
    send_msg_to(&mut net, 1);
    if net.call(0, |_: &mut MyCommunity, cx| cx.rng().chance(0.5)) {
        send_msg_to(&mut net, 3);
    }
    send_msg_to(&mut net, 2);
    net.deliver_messages();
    assert_received_by(&mut net, 1, &[1, 2], true, Some(&[1, 2]));
}

fn test_received_result() {
    let mut net = set_up();
    send_msg_to(&mut net, 1);
    send_msg_to(&mut net, 2);
    net.deliver_messages();
    let received = assert_received_by(&mut net, 1, &[1, 2], true, None);
    let [(_, value1), (_, value2)] = received[..] else {
        unreachable!("two messages, checked above")
    };
    assert_eq!(1, value1);
    assert_eq!(2, value2);
}

fn main() {
    let tests: [(&str, fn()); 4] = [
        ("test_received_default", test_received_default),
        ("test_received_no_order", test_received_no_order),
        ("test_received_filter", test_received_filter),
        ("test_received_result", test_received_result),
    ];
    for (name, test) in tests {
        test();
        println!("{name} (testbase_tutorial_2.TestMyCommunity.{name}) ... ok");
    }
    println!("Ran {} tests\nOK", tests.len());
}
