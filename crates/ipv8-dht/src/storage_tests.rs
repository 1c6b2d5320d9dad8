//! Unit tests of the bounded storage.

use std::time::Duration;

use ipv8::proto::Instant;

use super::*;

const T0: Instant = Instant::from_secs(1000);
const HOUR: Duration = Duration::from_secs(3600);

fn key(n: u8) -> [u8; 20] {
    [n; 20]
}

#[test]
fn newest_first_and_replacement_by_version() {
    let mut s = Storage::new();
    s.put(key(1), b"a".to_vec(), None, HOUR, 0, T0).unwrap();
    s.put(key(1), b"b".to_vec(), None, HOUR, 0, T0).unwrap();
    assert_eq!(s.get(&key(1), 0, 8, T0), [b"b".to_vec(), b"a".to_vec()]);
    // Same signer: a newer version replaces, an older one is ignored.
    let signer = Some([9; 20]);
    s.put(key(1), b"v2".to_vec(), signer, HOUR, 2, T0).unwrap();
    s.put(key(1), b"v1".to_vec(), signer, HOUR, 1, T0).unwrap();
    s.put(key(1), b"v3".to_vec(), signer, HOUR, 3, T0).unwrap();
    assert_eq!(s.get(&key(1), 0, 1, T0), [b"v3".to_vec()]);
    assert_eq!(s.len(), 3);
    assert_eq!(s.bytes(), 4);
    // Offset and limit.
    assert_eq!(s.get(&key(1), 1, 8, T0), [b"b".to_vec(), b"a".to_vec()]);
    assert!(s.get(&key(2), 0, 8, T0).is_empty());
}

#[test]
fn values_whose_id_is_the_key_go_last() {
    let mut s = Storage::new();
    s.put(key(1), b"own".to_vec(), Some(key(1)), HOUR, 0, T0)
        .unwrap();
    s.put(key(1), b"other".to_vec(), None, HOUR, 0, T0).unwrap();
    assert_eq!(
        s.get(&key(1), 0, 8, T0),
        [b"other".to_vec(), b"own".to_vec()]
    );
}

#[test]
fn expiry_by_age() {
    let mut s = Storage::new();
    s.put(
        key(1),
        b"short".to_vec(),
        None,
        Duration::from_secs(10),
        0,
        T0,
    )
    .unwrap();
    s.put(key(1), b"long".to_vec(), None, HOUR, 0, T0).unwrap();
    let later = T0 + Duration::from_secs(11);
    assert_eq!(s.get(&key(1), 0, 8, later), [b"long".to_vec()]);
    s.clean(later);
    assert_eq!((s.len(), s.bytes()), (1, 4));
    s.clean(T0 + HOUR + Duration::from_secs(1));
    assert!(s.is_empty());
    assert_eq!(s.iter().count(), 0);
}

#[test]
fn a_flood_cannot_pass_the_bounds_or_evict_stored_values() {
    let mut s = Storage::new();
    s.put(key(0), b"honest".to_vec(), None, HOUR, 0, T0)
        .unwrap();
    let mut refused = 0;
    for n in 0..(MAX_VALUES as u32 + 100) {
        let k = key((n % 200) as u8 + 1);
        let data = [n.to_be_bytes().as_slice(), &[0; 160]].concat();
        if s.put(k, data, None, HOUR, 0, T0).is_err() {
            refused += 1;
        }
        assert!(s.len() <= MAX_VALUES && s.bytes() <= MAX_BYTES);
    }
    assert!(refused > 0);
    assert_eq!(s.get(&key(0), 0, 8, T0), [b"honest".to_vec()]);
    // Once the flood expires, a value that does not fit makes the storage drop it.
    let later = T0 + HOUR + Duration::from_secs(1);
    let big = vec![1; 170];
    for n in 0..200u8 {
        s.put(
            key(n),
            [big.as_slice(), &[n]].concat(),
            None,
            HOUR,
            0,
            later,
        )
        .unwrap();
    }
    assert_eq!(s.len(), 200);
}

#[test]
fn per_key_bound() {
    let mut s = Storage::new();
    for n in 0..MAX_VALUES_PER_KEY as u32 {
        s.put(key(1), n.to_be_bytes().to_vec(), None, HOUR, 0, T0)
            .unwrap();
    }
    assert_eq!(
        s.put(key(1), b"one more".to_vec(), None, HOUR, 0, T0),
        Err(StorageFull::ValuesPerKey)
    );
    // Replacing a stored value is always allowed.
    s.put(key(1), 0u32.to_be_bytes().to_vec(), None, HOUR, 0, T0)
        .unwrap();
    assert_eq!(s.len(), MAX_VALUES_PER_KEY);
}
