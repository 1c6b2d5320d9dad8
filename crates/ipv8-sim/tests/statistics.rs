//! Statistics on the test harness: counters per prefix and message id, py-ipv8's filters, and
//! passivity (the same seed gives the same datagrams with statistics on or off).

mod common;

use common::{TEST_COMMUNITY, client_config};
use std::time::Duration;

use ipv8_proto::stats::StatFilter;
use ipv8_proto::{CommunityId, Event, NodeConfig, Prefix};
use ipv8_sim::testing::{Datagram, TestNetwork};

/// A tracker (node 0) and three clients (1..=3) for 6 s, with the cheap signer.
fn run(statistics: bool, seed: u64) -> TestNetwork {
    let mut net = TestNetwork::new(seed)
        .with_cheap_crypto()
        .with_datagram_log();
    let mut tracker = NodeConfig::tracker();
    tracker.statistics = statistics;
    let t = net.add_node_with(tracker);
    let tracker = net.address(t);
    for _ in 0..3 {
        let mut c = client_config(tracker);
        c.statistics = statistics;
        net.add_node_with(c);
    }
    net.advance(Duration::from_secs(6));
    net
}

/// Every datagram of every node, by node.
fn log(net: &TestNetwork) -> Vec<Vec<Datagram>> {
    (0..net.len()).map(|i| net.sent(i).to_vec()).collect()
}

/// Every node event of every node, by node.
fn events(net: &mut TestNetwork) -> Vec<Vec<Event>> {
    (0..net.len()).map(|i| net.node_events(i)).collect()
}

#[test]
fn statistics_count_every_message_of_every_community() {
    let net = run(true, 10);
    let a = net.node(1);
    let prefix = Prefix::for_community(CommunityId::DISCOVERY);
    let stats = a.statistics().prefix(&prefix).unwrap();
    for (id, s) in stats.iter() {
        let up: Vec<_> = net
            .sent(1)
            .iter()
            .filter(|l| l.bytes[..22] == prefix.0 && l.msg_id() == Some(id))
            .collect();
        assert_eq!(s.num_up, up.len() as u64, "msg {id}");
        assert_eq!(
            s.bytes_up,
            up.iter().map(|l| l.bytes.len() as u64).sum::<u64>()
        );
        if s.num_up > 0 {
            assert_eq!(s.first_measured_up, Some(up[0].at));
            assert_eq!(s.last_measured_up, Some(up.last().unwrap().at));
        }
    }
    let req = stats.get(246).unwrap();
    assert_eq!(
        req.bytes_up,
        req.num_up * 192,
        "old-style 246 with a LibNaCL key is 192 bytes"
    );
    assert!(stats.get(245).unwrap().num_down >= 1);
    assert!(stats.get(1).unwrap().num_up >= 1);
    let all = stats.totals(StatFilter::ALL);
    let filtered = stats.totals(StatFilter::default());
    let intro = stats.get(246).map_or(0, |s| s.num_up) + stats.get(245).map_or(0, |s| s.num_up);
    let punct = stats.get(249).map_or(0, |s| s.num_up) + stats.get(250).map_or(0, |s| s.num_up);
    assert_eq!(all.messages_sent - filtered.messages_sent, intro + punct);
    let agg = stats.aggregate();
    assert_eq!(agg.num_up, all.messages_sent);
    assert!(agg.diff_time > Duration::ZERO);
    // The REST names of the messages.
    assert_eq!(
        a.message_name(CommunityId::DISCOVERY, 246),
        "246:on_old_introduction_request"
    );
    assert_eq!(
        a.message_name(CommunityId::DISCOVERY, 1),
        "1:on_similarity_request"
    );
    assert_eq!(a.message_name(TEST_COMMUNITY, 1), "1:unknown");
    // The tracker tracks the prefixes it serves.
    assert!(
        net.node(0)
            .statistics()
            .prefix(&prefix)
            .unwrap()
            .get(246)
            .unwrap()
            .num_down
            > 0
    );
    let overlays = a.overlays();
    assert!(overlays.iter().all(|o| o.statistics.is_some()));
}

#[test]
fn statistics_on_or_off_gives_identical_datagrams() {
    let on = run(true, 20);
    let off = run(false, 20);
    assert!(log(&on).iter().map(Vec::len).sum::<usize>() > 50);
    assert_eq!(log(&on), log(&off));
    assert_eq!(on.digest(), off.digest());
    assert_eq!(off.node(1).statistics().enabled_count(), 0);
    assert!(
        off.node(1)
            .overlays()
            .iter()
            .all(|o| o.statistics.is_none())
    );
}

#[test]
fn same_seed_same_run_other_seed_other_run() {
    let mut a = run(true, 30);
    let mut b = run(true, 30);
    assert_eq!(log(&a), log(&b));
    assert_eq!(events(&mut a), events(&mut b));
    assert_eq!(a.digest(), b.digest());
    let c = run(true, 31);
    assert_ne!(log(&a), log(&c));
    assert_ne!(a.digest(), c.digest());
}

#[test]
fn statistics_can_be_switched_per_community() {
    let mut net = run(true, 40);
    net.with_node(1, |node, _| {
        node.set_statistics(Some(TEST_COMMUNITY), false);
        assert!(
            node.statistics()
                .prefix(&Prefix::for_community(TEST_COMMUNITY))
                .is_none()
        );
        assert!(
            node.statistics()
                .prefix(&Prefix::for_community(CommunityId::DISCOVERY))
                .is_some()
        );
        node.set_statistics(None, false);
        assert_eq!(node.statistics().enabled_count(), 0);
        node.set_statistics(None, true);
        assert_eq!(node.statistics().enabled_count(), 2);
    });
}
