//! Unit tests of [`super`]: the value format, prefixes, skipped values and the size limit.

use ipv8::keys::PrivateKey;

use super::*;
use crate::{MAX_ENTRY_SIZE, value};

fn key(seed: u8) -> Vec<u8> {
    PrivateKey::from_seeds([seed; 32], [seed + 1; 32])
        .public_bin()
        .to_vec()
}

fn point(address: &str) -> IntroductionPoint {
    IntroductionPoint {
        public_key: key(1),
        address: address.parse().unwrap(),
        seeder_public_key: key(3),
        source: IntroPointSource::Pex,
        last_seen: 1_700_000_000,
    }
}

fn found(data: Vec<u8>) -> DhtValue {
    DhtValue {
        data,
        public_key: None,
    }
}

#[test]
fn round_trip_ipv4_and_ipv6() {
    for address in ["1.2.3.4:8090", "[2001:db8::1]:5"] {
        let intro = point(address);
        let data = intro.to_value().unwrap();
        let back = IntroductionPoint::from_value(&data).unwrap();
        assert_eq!(
            back,
            IntroductionPoint {
                source: IntroPointSource::Dht,
                ..intro
            },
            "{address}"
        );
    }
}

#[test]
fn keys_are_stored_without_prefix_and_get_it_back() {
    let intro = point("1.2.3.4:8090");
    let payload = intro.to_payload().unwrap();
    assert_eq!(payload.intro_pk, &intro.public_key[10..]);
    assert_eq!(payload.seeder_pk, &intro.seeder_public_key[10..]);
    assert!(!payload.intro_pk.starts_with(LIBNACL_PK_PREFIX));
    let back = IntroductionPoint::from_value(&payload.to_bytes()).unwrap();
    assert!(back.public_key.starts_with(LIBNACL_PK_PREFIX));
    assert_eq!(back.public_key, intro.public_key);
    assert_eq!(back.seeder_public_key, intro.seeder_public_key);
}

#[test]
fn a_key_without_prefix_is_refused() {
    let mut intro = point("1.2.3.4:8090");
    intro.seeder_public_key = intro.seeder_public_key[10..].to_vec();
    assert_eq!(intro.to_value(), Err(DhtError::NotLibNaclKey));
}

#[test]
fn malformed_values_are_skipped() {
    let good = point("1.2.3.4:8090").to_value().unwrap();
    let mut bad_key = point("1.2.3.4:8090").to_payload().unwrap();
    bad_key.intro_pk.truncate(10);
    let mut trailing = good.clone();
    trailing.extend_from_slice(b"ignored");
    let values = [
        found(b"not an intro point".to_vec()),
        found(good.clone()),
        found(good[..good.len() - 1].to_vec()),
        found(Vec::new()),
        found(bad_key.to_bytes()),
        found(trailing),
    ];
    let points = intro_points(&values);
    assert_eq!(points.len(), 2);
    assert!(
        points
            .iter()
            .all(|p| p.address == point("1.2.3.4:8090").address)
    );
    assert!(matches!(
        IntroductionPoint::from_value(&good[..3]),
        Err(IntroPointError::Decode(_))
    ));
    assert_eq!(
        IntroductionPoint::from_value(&bad_key.to_bytes()),
        Err(IntroPointError::BadKey)
    );
}

#[test]
fn libnacl_points_fit_the_entry_size_longer_keys_do_not() {
    // The largest LibNaCL point: an IPv6 address.
    let entry = value::serialize_unsigned(&point("[::1]:1").to_value().unwrap());
    assert!(entry.len() <= MAX_ENTRY_SIZE, "{}", entry.len());
    let mut big = point("1.2.3.4:1");
    big.public_key.extend_from_slice(&[0; 64]);
    let entry = value::serialize_unsigned(&big.to_value().unwrap());
    assert!(entry.len() > MAX_ENTRY_SIZE);
}
