//! Unit tests of the routing table.

use std::net::SocketAddr;
use std::time::Duration;

use ipv8::proto::Instant;

use super::*;

const T0: Instant = Instant::from_secs(1000);

/// A node whose id starts with `first_byte` (the address and key are made up to fit).
fn node_with_id(first_byte: u8, n: u8) -> Node {
    let mut node = Node::new(vec![n; 74], SocketAddr::from(([10, 0, 0, n], 1000)));
    node.id[0] = first_byte;
    node.id[19] = n;
    node
}

#[test]
fn distance_is_xor() {
    let a = [0xff; 20];
    let mut b = [0xff; 20];
    b[19] = 0xfe;
    assert_eq!(distance(&a, &b)[19], 1);
    assert_eq!(distance(&a, &a), [0; 20]);
}

#[test]
fn id_bits() {
    let mut id = [0; 20];
    id[0] = 0b1010_0000;
    let bits = id_to_binary_string(&id);
    assert_eq!(bits.len(), 160);
    assert!(bits.starts_with("10100000"));
}

#[test]
fn id_prefix_matches_the_bit_string() {
    let ids: [NodeId; 3] = [[0; 20], [0xff; 20], std::array::from_fn(|i| (i * 37) as u8)];
    for id in &ids {
        let bits = id_to_binary_string(id);
        for len in 0..=160 {
            assert!(id_has_prefix(id, &bits[..len]), "{len}");
            let mut other = bits[..len].to_owned();
            if let Some(last) = other.pop() {
                other.push(if last == '0' { '1' } else { '0' });
                assert!(!id_has_prefix(id, &other), "{len}");
            }
        }
        assert!(
            !id_has_prefix(id, &format!("{bits}0")),
            "longer than 160 bits"
        );
        assert!(!id_has_prefix(id, "x"));
    }
}

#[test]
fn rate_limit_blocks_the_eleventh_query_within_five_seconds() {
    let mut n = node_with_id(0, 1);
    for i in 0..NODE_LIMIT_QUERIES as u64 {
        assert!(!n.blocked(T0), "query {i}");
        n.record_query(T0 + Duration::from_millis(100 * i));
    }
    assert!(n.blocked(T0 + Duration::from_secs(1)));
    assert!(!n.blocked(T0 + Duration::from_secs(6)));
    assert_eq!(n.last_queries.len(), NODE_LIMIT_QUERIES);
}

#[test]
fn status_follows_bep5() {
    let mut n = node_with_id(0, 1);
    assert_eq!(n.status(T0), NodeStatus::Unknown);
    n.on_response(T0, Duration::from_millis(10));
    assert_eq!(n.status(T0 + Duration::from_secs(60)), NodeStatus::Good);
    let later = T0 + GOOD_FOR + Duration::from_secs(1);
    assert_eq!(n.status(later), NodeStatus::Unknown);
    n.record_query(later);
    assert_eq!(
        n.status(later),
        NodeStatus::Good,
        "answered once, queried recently"
    );
    n.failed = 2;
    assert_eq!(n.status(later), NodeStatus::Bad);
}

#[test]
fn bucket_makes_room_by_dropping_bad_and_slow_nodes() {
    let mut b = Bucket::new(String::new(), 2);
    let mut slow = node_with_id(0, 1);
    slow.rtt = Some(Duration::from_millis(100));
    let mut bad = node_with_id(0, 2);
    bad.failed = 2;
    assert!(b.add(slow, T0));
    assert!(b.add(bad, T0));
    let mut fast = node_with_id(0, 3);
    fast.rtt = Some(Duration::from_millis(50));
    // Room is made twice: the bad node, and the node at least twice as slow.
    assert!(b.add(fast, T0));
    assert_eq!(b.nodes.len(), 1);
    assert_eq!(b.nodes[0].id[19], 3);
    // An existing node is updated in place.
    let mut moved = node_with_id(0, 3);
    moved.address = SocketAddr::from(([10, 9, 9, 9], 1));
    assert!(b.add(moved, T0));
    assert_eq!(b.nodes[0].address, SocketAddr::from(([10, 9, 9, 9], 1)));
}

#[test]
fn bucket_refuses_ids_it_does_not_own() {
    let mut b = Bucket::new("1".into(), 8);
    assert!(!b.add(node_with_id(0x00, 1), T0));
    assert!(b.add(node_with_id(0x80, 2), T0));
}

#[test]
fn generated_ids_fall_in_the_bucket() {
    let b = Bucket::new("1011".into(), 8);
    let mut x = 0u8;
    for _ in 0..20 {
        let id = b.generate_id(|| {
            x = x.wrapping_mul(31).wrapping_add(7);
            x
        });
        assert!(b.owns(&id));
    }
}

#[test]
fn only_the_bucket_with_our_id_splits() {
    // Our id starts with bit 0: the "0" side keeps splitting, the "1" side stays one bucket.
    let mut table = RoutingTable::new([0; 20]);
    for n in 0..8 {
        assert!(table.add(node_with_id(0x80 | n, n), T0).is_some());
    }
    assert_eq!(table.buckets().count(), 1);
    // A ninth node splits the root into "0" and "1"; the "1" bucket is full and cannot split.
    assert!(table.add(node_with_id(0x90, 8), T0).is_none());
    let prefixes: Vec<&str> = table.buckets().map(|b| b.prefix_id.as_str()).collect();
    assert_eq!(prefixes, ["0", "1"]);
    assert_eq!(table.len(), 8);
    // Nodes near our id are all accepted (the buckets on our side split as needed).
    for n in 0..20u8 {
        assert!(
            table.add(node_with_id(n, 100 + n), T0).is_some(),
            "node {n}"
        );
    }
    assert_eq!(table.len(), 28);
    assert!(table.buckets().count() > 2);
    for bucket in table.buckets() {
        assert!(bucket.nodes.len() <= MAX_BUCKET_SIZE);
        for node in &bucket.nodes {
            assert!(bucket.owns(&node.id));
            assert_eq!(table.get(&node.id).map(|n| n.id), Some(node.id));
        }
    }
}

#[test]
fn closest_nodes_sorted_by_distance_without_bad_or_excluded() {
    let mut table = RoutingTable::new([0; 20]);
    for n in 1..=6u8 {
        table.add(node_with_id(n * 16, n), T0);
    }
    let target = node_with_id(0x30, 0).id;
    let closest = table.closest_nodes(&target, 3, None, T0);
    let firsts: Vec<u8> = closest.iter().map(|n| n.id[0]).collect();
    assert_eq!(firsts, [0x30, 0x20, 0x10]);
    let excluded = table.closest_nodes(&target, 3, Some(&closest[0].id), T0);
    assert_eq!(excluded[0].id[0], 0x20);
    let id = closest[1].id;
    table.get_mut(&id).unwrap().failed = 2;
    let without_bad = table.closest_nodes(&target, 8, None, T0);
    assert_eq!(without_bad.len(), 5);
    assert_eq!(table.remove_bad_nodes(T0).len(), 1);
    assert_eq!(table.len(), 5);
}

#[test]
fn full_table_is_bounded() {
    let mut table = RoutingTable::new([0; 20]);
    let mut x: u32 = 1;
    for n in 0..5000u32 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let mut node = Node::new(
            n.to_be_bytes().to_vec(),
            SocketAddr::from(([10, 0, 0, 1], 1)),
        );
        node.id[..4].copy_from_slice(&x.to_be_bytes());
        table.add(node, T0);
    }
    assert!(table.len() <= 161 * MAX_BUCKET_SIZE);
    assert!(table.buckets().count() <= 161);
}
