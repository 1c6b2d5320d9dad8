//! The community test harness (`ipv8::testing`) used as a downstream crate would: messages,
//! request caches, tasks, unloading, walkers and determinism.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use ipv8::prelude::*;
use ipv8::testing::{TestNetwork, TraceDigest};
use ipv8::{Cancelled, RandomWalk, RandomWalkConfig};

const ID: CommunityId = CommunityId([0x51; 20]);

fn config() -> CommunityConfig {
    CommunityConfig::new(ID, "HarnessTest")
}

// ----- signed and unsigned messages ------------------------------------------------------------

#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 1, signed)]
struct SignedNote {
    text: String,
}

#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 2, unsigned)]
struct UnsignedNote {
    value: u32,
}

#[derive(Debug, Clone, PartialEq)]
enum Heard {
    Signed(Mid, String),
    Unsigned(SocketAddr, u32),
}

#[derive(Default)]
struct Notes;

impl Community for Notes {
    type Command = ();
    type Event = Heard;

    fn handlers(h: &mut Handlers<Self>) {
        h.signed(Self::on_signed_note)
            .unsigned(Self::on_unsigned_note);
    }
}

impl Notes {
    fn on_signed_note(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer, m: SignedNote) {
        cx.emit(Heard::Signed(peer.mid(), m.text));
    }

    fn on_unsigned_note(&mut self, cx: &mut Cx<'_, Self>, from: SocketAddr, m: UnsignedNote) {
        cx.emit(Heard::Unsigned(from, m.value));
    }
}

#[test]
fn signed_and_unsigned_messages_are_delivered() {
    let mut net = TestNetwork::new(1);
    let a = net.add_node(config(), Notes);
    let b = net.add_node(config(), Notes);
    let c = net.add_node(config(), Notes);
    net.introduce_nodes();
    for i in [a, b, c] {
        assert_eq!(net.peers::<Notes>(i).len(), 2, "node {i} knows both others");
    }
    let sent = net.call::<Notes, _>(a, |_, cx| {
        cx.broadcast(&SignedNote {
            text: "signed".into(),
        })
    });
    assert_eq!(sent, 2);
    let to_b = net.address(b);
    net.call::<Notes, _>(c, |_, cx| cx.send_to(to_b, &UnsignedNote { value: 7 }));
    assert!(net.deliver_messages());

    let (mid_a, addr_c) = (net.mid(a), net.address(c));
    assert_eq!(
        net.events::<Notes>(b),
        vec![
            Heard::Signed(mid_a, "signed".into()),
            Heard::Unsigned(addr_c, 7)
        ]
    );
    assert_eq!(
        net.events::<Notes>(c),
        vec![Heard::Signed(mid_a, "signed".into())]
    );
    assert!(net.events::<Notes>(a).is_empty());
    // Drained: a second read is empty.
    assert!(net.events::<Notes>(b).is_empty());
    for i in [a, b, c] {
        assert_eq!(
            net.node(i).drops().iter().count(),
            0,
            "node {i} dropped nothing"
        );
    }
}

// ----- request/response with a request cache --------------------------------------------------

#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 1, signed)]
struct Question {
    number: u64,
    value: u32,
}

#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 2, signed)]
struct Answer {
    number: u64,
    value: u32,
}

/// An outstanding question; the application awaits the answer through `reply`.
struct Asked {
    reply: Reply<u32>,
}

impl NumberCache<Doubler> for Asked {
    const PREFIX: &'static str = "doubler-question";

    fn timeout_delay(&self) -> Duration {
        Duration::from_secs(5)
    }

    fn on_timeout(self, _: &mut Doubler, cx: &mut Cx<'_, Doubler>) {
        cx.emit(DoublerEvent::TimedOut);
    }
}

#[derive(Debug, Clone, PartialEq)]
enum DoublerEvent {
    Answered(u32),
    TimedOut,
}

/// Answers a question with its value doubled, unless `silent`.
#[derive(Default)]
struct Doubler {
    silent: bool,
}

impl Community for Doubler {
    type Command = ();
    type Event = DoublerEvent;

    fn handlers(h: &mut Handlers<Self>) {
        h.signed(Self::on_question).signed(Self::on_answer);
    }
}

impl Doubler {
    fn ask(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer, value: u32) -> Response<u32> {
        let (reply, response) = reply_channel();
        let number = cx.add_cache(Asked { reply });
        cx.ez_send(peer, &Question { number, value });
        response
    }

    fn on_question(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer, q: Question) {
        if !self.silent {
            let answer = Answer {
                number: q.number,
                value: q.value * 2,
            };
            cx.ez_send(peer, &answer);
        }
    }

    fn on_answer(&mut self, cx: &mut Cx<'_, Self>, _: &Peer, a: Answer) -> Result<(), DropReason> {
        let asked = cx
            .pop_cache::<Asked>(a.number)
            .ok_or(DropReason::UnknownMessage)?;
        asked.reply.send(a.value);
        cx.emit(DoublerEvent::Answered(a.value));
        Ok(())
    }
}

fn poll_now<F: Future>(f: F) -> Poll<F::Output> {
    pin!(f).poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn a_request_is_answered_through_the_request_cache() {
    let mut net = TestNetwork::new(2);
    let a = net.add_node(config(), Doubler::default());
    let b = net.add_node(config(), Doubler::default());
    net.introduce_nodes();
    let peer_b = net.peers::<Doubler>(a)[0].clone();
    let response = net.call::<Doubler, _>(a, |c, cx| c.ask(cx, &peer_b, 21));
    assert_eq!(net.call::<Doubler, _>(a, |_, cx| cx.cache_len()), 1);
    assert!(net.deliver_messages());
    assert_eq!(poll_now(response), Poll::Ready(Ok(42)));
    assert_eq!(net.events::<Doubler>(a), vec![DoublerEvent::Answered(42)]);
    assert_eq!(net.call::<Doubler, _>(a, |_, cx| cx.cache_len()), 0);
    // Nothing times out later.
    net.advance(Duration::from_secs(10));
    assert!(net.events::<Doubler>(a).is_empty());
    assert!(net.events::<Doubler>(b).is_empty());
}

#[test]
fn an_unanswered_request_times_out_when_time_advances() {
    let mut net = TestNetwork::new(3);
    let a = net.add_node(config(), Doubler::default());
    let _b = net.add_node(config(), Doubler { silent: true });
    net.introduce_nodes();
    let peer_b = net.peers::<Doubler>(a)[0].clone();
    let asked_at = net.now();
    let response = net.call::<Doubler, _>(a, |c, cx| c.ask(cx, &peer_b, 1));
    assert!(net.deliver_messages());
    let mut response = Box::pin(response);
    assert!(poll_now(response.as_mut()).is_pending());

    net.advance(Duration::from_secs(4));
    assert!(net.events::<Doubler>(a).is_empty(), "not before 5 s");
    assert_eq!(net.call::<Doubler, _>(a, |_, cx| cx.cache_len()), 1);

    net.advance(Duration::from_secs(2));
    assert_eq!(net.events::<Doubler>(a), vec![DoublerEvent::TimedOut]);
    assert_eq!(net.call::<Doubler, _>(a, |_, cx| cx.cache_len()), 0);
    assert_eq!(poll_now(response), Poll::Ready(Err(Cancelled)));
    assert!(net.now() >= asked_at + Duration::from_secs(5));
}

// ----- tasks and unloading ---------------------------------------------------------------------

/// Counts task runs in a counter shared with the test (it outlives the community).
struct Ticker {
    ticks: Arc<AtomicUsize>,
    unloaded: Arc<AtomicBool>,
}

impl Ticker {
    fn new() -> (Self, Arc<AtomicUsize>, Arc<AtomicBool>) {
        let ticks = Arc::new(AtomicUsize::new(0));
        let unloaded = Arc::new(AtomicBool::new(false));
        let me = Self {
            ticks: Arc::clone(&ticks),
            unloaded: Arc::clone(&unloaded),
        };
        (me, ticks, unloaded)
    }
}

impl Community for Ticker {
    type Command = ();
    type Event = usize;

    fn started(&mut self, cx: &mut Cx<'_, Self>) {
        let second = Duration::from_secs(1);
        cx.register_task("tick", second, Some(second), |me: &mut Self, cx| {
            let n = me.ticks.fetch_add(1, Ordering::Relaxed) + 1;
            cx.emit(n);
        })
        .expect("first task of this name");
    }

    fn unload(&mut self, _: &mut Cx<'_, Self>) {
        self.unloaded.store(true, Ordering::Relaxed);
    }
}

#[test]
fn a_periodic_task_fires_once_per_interval() {
    let mut net = TestNetwork::new(4);
    let (ticker, ticks, _) = Ticker::new();
    let a = net.add_node(config(), ticker);
    assert_eq!(net.pending_tasks::<Ticker>(a), vec!["tick".to_owned()]);
    net.advance(Duration::from_millis(10_500));
    assert_eq!(ticks.load(Ordering::Relaxed), 10);
    assert_eq!(net.events::<Ticker>(a), (1..=10).collect::<Vec<_>>());
    net.advance(Duration::from_secs(5));
    assert_eq!(ticks.load(Ordering::Relaxed), 15);
}

#[test]
fn unloading_a_community_ends_its_tasks() {
    let mut net = TestNetwork::new(5);
    let (ticker, ticks, unloaded) = Ticker::new();
    let a = net.add_node(config(), ticker);
    net.advance(Duration::from_millis(3_500));
    assert_eq!(ticks.load(Ordering::Relaxed), 3);
    assert!(net.remove_community::<Ticker>(a));
    assert!(unloaded.load(Ordering::Relaxed), "unload hook ran");
    assert!(net.node(a).pending_tasks(ID).is_empty());
    assert!(net.node(a).community::<Ticker>(ID).is_none());
    net.advance(Duration::from_secs(10));
    assert_eq!(ticks.load(Ordering::Relaxed), 3, "no run after unload");
    assert!(!net.remove_community::<Ticker>(a), "already gone");
}

#[test]
fn a_task_faster_than_quiet_ends_delivery_at_its_bound() {
    let mut net = TestNetwork::new(6);
    let (ticker, ticks, _) = Ticker::new();
    let a = net.add_node(config(), ticker);
    net.call::<Ticker, _>(a, |_, cx| {
        cx.register_task(
            "fast",
            Duration::ZERO,
            Some(Duration::from_millis(10)),
            |_, _| {},
        )
    })
    .unwrap();
    let start = net.now();
    assert!(!net.deliver_messages(), "never quiet");
    assert_eq!(net.now() - start, ipv8::testing::DELIVER_LIMIT);
    assert_eq!(ticks.load(Ordering::Relaxed), 60);
}

// ----- walkers ----------------------------------------------------------------------------------

#[test]
fn walkers_are_off_unless_asked_for() {
    let mut net = TestNetwork::new(7);
    let a = net.add_node(config(), Notes);
    net.add_node(config(), Notes);
    net.introduce_nodes();
    let sent = net.sim().stats().sent;
    assert!(sent > 0);
    net.advance(Duration::from_secs(30));
    assert_eq!(net.sim().stats().sent, sent, "no walker, no traffic");
    assert!(net.node(a).overlays()[0].strategies.is_empty());

    // Turned on for one node: it walks to its peer every round.
    net.add_strategy::<Notes>(a, RandomWalk::new(RandomWalkConfig::default()), -1);
    net.advance(Duration::from_secs(5));
    assert!(net.sim().stats().sent >= sent + 10);

    let mut walking = TestNetwork::new(7).with_walkers();
    let w = walking.add_node(config(), Notes);
    assert_eq!(
        walking.node(w).overlays()[0].strategies[0].name,
        "RandomWalk"
    );
}

#[test]
fn a_walking_network_finds_peers_through_an_introduction() {
    // A knows B, B knows C: with walkers on, A is introduced to C.
    let mut net = TestNetwork::new(8).with_walkers();
    let nodes: Vec<usize> = (0..3).map(|_| net.add_node(config(), Notes)).collect();
    let (b_addr, c_addr) = (net.address(nodes[1]), net.address(nodes[2]));
    net.with_node(nodes[0], |n, now| n.walk_to(now, b_addr));
    net.with_node(nodes[1], |n, now| n.walk_to(now, c_addr));
    net.advance(Duration::from_secs(10));
    for &i in &nodes {
        assert_eq!(net.peers::<Notes>(i).len(), 2, "node {i}");
    }
}

// ----- determinism -------------------------------------------------------------------------------

fn scenario(seed: u64) -> (Vec<Mid>, Vec<Vec<DoublerEvent>>, TraceDigest) {
    let mut net = TestNetwork::new(seed).with_walkers();
    let nodes = net.add_nodes(4, &config(), |i| Doubler { silent: i == 3 });
    net.introduce_nodes();
    for &i in &nodes {
        for peer in net.peers::<Doubler>(i) {
            drop(net.call::<Doubler, _>(i, |c, cx| c.ask(cx, &peer, 5)));
        }
    }
    net.advance(Duration::from_secs(20));
    let mids = nodes.iter().map(|&i| net.mid(i)).collect();
    let events = nodes.iter().map(|&i| net.events::<Doubler>(i)).collect();
    (mids, events, net.digest())
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let first = scenario(9);
    let second = scenario(9);
    assert_eq!(first, second);
    // Three answers and a timeout at every asking node but the silent one's peers.
    let answered = |events: &[DoublerEvent]| {
        events
            .iter()
            .filter(|e| matches!(e, DoublerEvent::Answered(10)))
            .count()
    };
    assert_eq!(answered(&first.1[0]), 2);
    assert!(first.1[0].contains(&DoublerEvent::TimedOut));
    let other = scenario(10);
    assert_ne!(first.0, other.0, "keys derive from the seed");
    assert_ne!(first.2, other.2);
}

#[test]
fn delivery_waits_for_datagrams_slower_than_quiet() {
    let slow = ipv8::testing::LinkModel::ideal(Duration::from_millis(700));
    let mut net = TestNetwork::new(11).with_link(slow);
    let a = net.add_node(config(), Notes);
    let b = net.add_node(config(), Notes);
    net.introduce_nodes();
    assert_eq!(net.peers::<Notes>(a).len(), 1);
    let start = net.now();
    let to_b = net.address(b);
    net.call::<Notes, _>(a, |_, cx| cx.send_to(to_b, &UnsignedNote { value: 1 }));
    assert!(net.deliver_messages());
    assert_eq!(net.now() - start, Duration::from_millis(700));
    assert_eq!(
        net.events::<Notes>(b),
        vec![Heard::Unsigned(net.address(a), 1)]
    );
}
