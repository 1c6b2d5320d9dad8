//! Statistics: counters per prefix and message id, py-ipv8's filters, and passivity (the same
//! seed gives the same datagrams with statistics on or off).

mod common;

use std::time::Duration;

use common::{Sim, TEST_COMMUNITY, addr, client_config};
use ipv8_proto::stats::StatFilter;
use ipv8_proto::{CommunityId, NodeConfig, Prefix};

const TRACKER: &str = "127.0.0.1:6421";

/// Three clients and a tracker for 6 s; the dynamics use the cheap test signer.
fn run(statistics: bool, seed: u64) -> Sim {
    let mut sim = Sim::new();
    let mut tracker = NodeConfig::tracker();
    tracker.statistics = statistics;
    sim.add_fast(TRACKER, tracker, seed);
    for i in 0..3u64 {
        let mut c = client_config(addr(TRACKER));
        c.statistics = statistics;
        sim.add_fast(&format!("127.0.0.1:{}", 8001 + i), c, seed + 1 + i);
    }
    sim.run_for(Duration::from_secs(6));
    sim
}

#[test]
fn statistics_count_every_message_of_every_community() {
    let sim = run(true, 10);
    let a = sim.node(1);
    let at = sim.addr_of(1);
    let prefix = Prefix::for_community(CommunityId::DISCOVERY);
    let stats = a.statistics().prefix(&prefix).unwrap();
    for (id, s) in stats.iter() {
        let up: Vec<_> = sim
            .log
            .iter()
            .filter(|l| l.from == at && l.bytes[..22] == prefix.0 && l.msg_id() == id)
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
        sim.node(0)
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
    assert!(on.log.len() > 50);
    assert_eq!(on.log, off.log);
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
    let a = run(true, 30);
    let b = run(true, 30);
    assert_eq!(a.log, b.log);
    assert_eq!(a.events, b.events);
    let c = run(true, 31);
    assert_ne!(a.log, c.log);
}

#[test]
fn statistics_can_be_switched_per_community() {
    let mut sim = run(true, 40);
    let node = sim.node_mut(1);
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
}
