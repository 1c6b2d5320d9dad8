//! The seed's scenario on real loopback sockets: several nodes with statistics on share the
//! DiscoveryCommunity through a tracker; some peers die (their ports close, so the survivors'
//! sends draw ICMP port unreachable — one survivor has `IP_RECVERR` on, turning those into
//! socket errors) and then a new one arrives. No survivor ever loses another survivor, every
//! dead peer is dropped by RandomChurn, and the newcomer is found. Churn timings (nodes and
//! tracker) and the bootstrap interval are shortened through `NodeConfig` to keep it short.

mod common;

use std::collections::BTreeSet;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use ipv8::proto::config::{BootstrapConfig, ChurnConfig, CommunityConfig, StrategyConfig};
use ipv8::proto::{Event, Mid};
use ipv8::udp::{BindConfig, bind};
use ipv8::{Ipv8, Ipv8Builder, NodeConfig, Snapshot};
use tokio::net::UdpSocket;
use tokio::sync::broadcast::error::TryRecvError;

const WITHIN: Duration = Duration::from_secs(30);

const FAST_CHURN: ChurnConfig = ChurnConfig {
    sample_size: 8,
    ping_interval: Duration::from_secs(1),
    inactive_time: Duration::from_secs(2),
    drop_time: Duration::from_secs(4),
};

fn config(tracker: SocketAddr) -> NodeConfig {
    let mut discovery = CommunityConfig::discovery();
    for walker in &mut discovery.walkers {
        if let StrategyConfig::RandomChurn(churn) = &mut walker.strategy {
            *churn = FAST_CHURN;
        }
    }
    let mut bootstrap = BootstrapConfig::trackers(&[tracker]);
    bootstrap.timeout = Duration::from_secs(2);
    NodeConfig {
        communities: vec![discovery],
        bootstrap,
        statistics: true,
        ..NodeConfig::default()
    }
}

fn tracker_config() -> NodeConfig {
    let mut config = NodeConfig::tracker();
    config.tracker.churn = FAST_CHURN;
    config.tracker.churn_interval = Duration::from_secs(1);
    config.tracker.ping_timeout = Duration::from_secs(1);
    config
}

fn spawn(config: NodeConfig, seed: u64, ip_recverr: bool) -> Ipv8 {
    let rebinder = move |previous: Option<SocketAddr>| -> io::Result<UdpSocket> {
        let socket = bind(&BindConfig::v4(previous.map_or(0, |p| p.port())))?.into_tokio()?;
        #[cfg(target_os = "linux")]
        if ip_recverr {
            ipv8::udp::enable_ip_recverr(&socket)?;
        }
        let _ = ip_recverr;
        Ok(socket)
    };
    Ipv8Builder::new(config, identity(seed))
        .rebinders(rebinder, None)
        .driver_config(quiet_driver())
        .spawn()
        .expect("spawn")
}

async fn mid(ipv8: &Ipv8) -> Mid {
    ipv8.with_node(|node, _| node.my_mid()).await.unwrap()
}

fn peers(snapshot: &Snapshot) -> BTreeSet<Mid> {
    snapshot.network.verified_peers().map(|p| p.mid()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survivors_keep_each_other_and_churn_drops_the_dead() {
    let tracker = spawn(tracker_config(), 100, false);
    let tracker_addr = address_of(&tracker).await;
    let survivors = [
        spawn(config(tracker_addr), 101, true),
        spawn(config(tracker_addr), 102, false),
        spawn(config(tracker_addr), 103, false),
    ];
    let mortals = [
        spawn(config(tracker_addr), 104, false),
        spawn(config(tracker_addr), 105, false),
    ];
    let mut order = Vec::new(); // survivor mids in `survivors` order
    for s in &survivors {
        order.push(mid(s).await);
    }
    let survivor_mids: BTreeSet<Mid> = order.iter().copied().collect();
    let mut mortal_mids = BTreeSet::new();
    for m in &mortals {
        mortal_mids.insert(mid(m).await);
    }
    let everyone: BTreeSet<Mid> = survivor_mids.union(&mortal_mids).copied().collect();

    // Phase 1: a full mesh of five.
    for (s, me) in survivors.iter().zip(&order) {
        let others: BTreeSet<Mid> = everyone.iter().filter(|m| *m != me).copied().collect();
        wait_for(s, "the full mesh", Duration::from_secs(60), |snap| {
            peers(snap).is_superset(&others)
        })
        .await;
    }
    let mut removals: Vec<_> = survivors.iter().map(|s| s.events()).collect();

    // Phase 2: two peers die; their ports close.
    for m in mortals {
        m.shutdown().await.unwrap();
    }

    // Phase 3: churn drops the dead (the tracker's too); no survivor is lost meanwhile.
    for (s, me) in survivors.iter().zip(&order) {
        let kept: BTreeSet<Mid> = survivor_mids.iter().filter(|m| *m != me).copied().collect();
        wait_for(s, "churn to drop the dead", WITHIN, |snap| {
            let p = peers(snap);
            assert!(p.is_superset(&kept), "a survivor lost a live peer: {p:?}");
            p.is_disjoint(&mortal_mids)
        })
        .await;
    }
    wait_for(&tracker, "the tracker to forget the dead", WITHIN, |snap| {
        peers(snap).is_disjoint(&mortal_mids)
    })
    .await;

    // Phase 4: a newcomer is introduced by the tracker and found by every survivor.
    let newcomer = spawn(config(tracker_addr), 106, false);
    let newcomer_mid = mid(&newcomer).await;
    for (s, me) in survivors.iter().zip(&order) {
        let kept: BTreeSet<Mid> = survivor_mids.iter().filter(|m| *m != me).copied().collect();
        let snap = wait_for(s, "the newcomer to appear", WITHIN, |snap| {
            let p = peers(snap);
            assert!(p.is_superset(&kept), "a survivor lost a live peer: {p:?}");
            assert!(p.is_disjoint(&mortal_mids), "a dead peer came back: {p:?}");
            p.contains(&newcomer_mid)
        })
        .await;
        assert!(snap.health.is_open, "{:?}", snap.health);
        assert!(received_any(&snap), "statistics are on and count traffic");
    }
    for (events, s) in removals.iter_mut().zip(&survivors) {
        let mut dropped = BTreeSet::new();
        loop {
            match events.try_recv() {
                Ok(Event::PeerRemoved { mid, .. }) => {
                    assert!(!survivor_mids.contains(&mid), "a survivor was removed");
                    dropped.insert(mid);
                }
                Ok(_) => {}
                Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                Err(TryRecvError::Lagged(n)) => panic!("missed {n} events"),
            }
        }
        assert_eq!(
            dropped, mortal_mids,
            "every dead peer was dropped, once per community"
        );
        let health = s.snapshot().await.unwrap().health.clone();
        assert_eq!(health.rebinds, 0, "{health:?}");
    }
    // The ICMP port-unreachable reports did reach the IP_RECVERR survivor's loop as errors.
    #[cfg(target_os = "linux")]
    {
        use ipv8::udp::ErrorClass::StaleReport;
        let counters = survivors[0].snapshot().await.unwrap().health.counters;
        let stale = counters.recv_errors.get(StaleReport) + counters.send_errors.get(StaleReport);
        assert!(stale > 0, "no ICMP report surfaced: {counters:?}");
    }
    for ipv8 in survivors.into_iter().chain([newcomer, tracker]) {
        ipv8.shutdown().await.unwrap();
    }
}

fn received_any(snapshot: &Snapshot) -> bool {
    snapshot
        .statistics
        .iter()
        .any(|(_, p)| p.aggregate().num_down > 0)
}
