//! The address-table deviations of `Network` (see its module documentation): a moved peer's
//! old address and unreachable walkable addresses leave the table; unresponsive peers do not
//! count towards the walkers' targets.

use std::net::SocketAddr;
use std::sync::Arc;

use ipv8_proto::network::AddOutcome;
use ipv8_proto::{CommunityId, Instant, Mid, Network, Peer};

fn cid(b: u8) -> CommunityId {
    CommunityId([b; 20])
}

fn peer(n: u8, addr: &str) -> Peer {
    let key: Arc<[u8]> = Arc::from(vec![n; 8]);
    Peer::new(
        key,
        Mid([n; 20]),
        addr.parse().unwrap(),
        Instant::ZERO,
        true,
    )
}

#[test]
fn a_moved_peer_takes_its_old_address_out_of_the_table() {
    let mut n = Network::default();
    let old: SocketAddr = "1.1.1.1:1".parse().unwrap();
    let new: SocketAddr = "1.1.1.9:1".parse().unwrap();
    // Introduced first (a walkable entry), then verified at that address.
    n.discover_address(Mid([2; 20]), old, Some(cid(7)), false);
    let mut p = peer(1, "1.1.1.1:1");
    p.set_lan_address("1.1.1.1:1".parse().unwrap());
    n.add_verified_peer(p);
    n.discover_services(Mid([1; 20]), &[cid(7)]);
    assert!(n.addresses().any(|(a, _)| a == old));
    // A signed packet from the new address: the old one is gone everywhere.
    assert!(n.add_peer_address(Mid([1; 20]), new));
    let moved = n.peer(&Mid([1; 20])).unwrap();
    assert_eq!(moved.addresses().collect::<Vec<_>>(), vec![new]);
    assert!(!n.addresses().any(|(a, _)| a == old));
    assert!(!n.add_peer_address(Mid([3; 20]), new), "unknown mid");
    // The same through a merge (a re-added record with another address).
    assert_eq!(
        n.add_verified_peer(peer(1, "1.1.1.1:2")),
        AddOutcome::Merged
    );
    assert!(n.verified_by_address(new).is_none());
    // An address still used by another verified peer stays.
    n.add_verified_peer(peer(4, "4.4.4.4:4"));
    n.add_verified_peer(peer(5, "5.5.5.5:5"));
    n.peer_mut(&Mid([5; 20]))
        .unwrap()
        .set_lan_address("4.4.4.4:4".parse().unwrap());
    n.add_peer_address(Mid([4; 20]), "4.4.4.5:4".parse().unwrap());
    assert!(
        n.addresses()
            .any(|(a, _)| a == "4.4.4.4:4".parse().unwrap())
    );
}

#[test]
fn unreachable_walkable_addresses_are_forgotten_verified_ones_kept() {
    let mut n = Network::default();
    n.add_verified_peer(peer(1, "1.1.1.1:1"));
    n.discover_address(Mid([1; 20]), "3.3.3.3:3".parse().unwrap(), None, false);
    assert!(n.forget_unreachable("3.3.3.3:3".parse().unwrap()));
    assert!(!n.forget_unreachable("3.3.3.3:3".parse().unwrap()));
    assert!(!n.forget_unreachable("1.1.1.1:1".parse().unwrap()));
    assert_eq!(n.addresses().count(), 1);
    assert_eq!(n.verified_count(), 1);
}

#[test]
fn responsive_count_leaves_out_unanswered_pings() {
    let mut n = Network::default();
    for i in 1..=3u8 {
        n.add_verified_peer(peer(i, &format!("1.1.1.{i}:1")));
        n.discover_services(Mid([i; 20]), &[cid(7)]);
    }
    let t = Instant::from_secs(100);
    n.peer_mut(&Mid([2; 20])).unwrap().set_pinged(t);
    assert_eq!(n.responsive_count_for_service(cid(7), t), 3);
    let later = t + ipv8_proto::peer::UNRESPONSIVE_AFTER;
    assert_eq!(n.responsive_count_for_service(cid(7), later), 2);
    assert_eq!(n.count_for_service(cid(7)), 3);
    n.touch_by_address("1.1.1.2:1".parse().unwrap(), later);
    assert_eq!(n.responsive_count_for_service(cid(7), later), 3);
}
