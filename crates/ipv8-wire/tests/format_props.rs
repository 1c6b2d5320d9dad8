//! Property tests for every py-ipv8 format of `ipv8_wire::format`: write → read gives the value
//! back, consumes exactly the written bytes and re-encodes to the same bytes; a derived struct
//! mixing every format round-trips the same way; and reading arbitrary bytes never panics.

mod common;

use std::fmt::Debug;
use std::net::{Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use common::payloads::{Inner, Mixed};
use ipv8_wire::format::{self, Format};
use ipv8_wire::{Address, CommunityId, Payload, Reader, Writer, decode_exact};
use proptest::array::uniform;
use proptest::collection::vec;
use proptest::prelude::*;

/// Write → read → write with format `F`; the value comes back (by `same`) and so do the bytes.
fn round_trip<F: Format<T>, T: Debug>(
    value: &T,
    same: impl Fn(&T, &T) -> bool,
) -> Result<(), TestCaseError> {
    let mut w = Writer::new();
    F::write(value, &mut w);
    let bytes = w.into_bytes();
    let mut r = Reader::with_offset(&bytes, 7);
    let back = F::read(&mut r, "value").map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(r.is_empty(), "{} bytes left", r.remaining());
    prop_assert!(same(value, &back), "{value:?} came back as {back:?}");
    let mut again = Writer::new();
    F::write(&back, &mut again);
    prop_assert_eq!(again.as_bytes(), &bytes[..]);
    Ok(())
}

/// [`round_trip`] comparing with `==`.
fn eq_trip<F: Format<T>, T: Debug + PartialEq>(value: &T) -> Result<(), TestCaseError> {
    round_trip::<F, T>(value, |a, b| a == b)
}

/// [`round_trip`] for floats, compared by bits (NaN payloads included).
fn f64_trip<F: Format<f64>>(value: f64) -> Result<(), TestCaseError> {
    round_trip::<F, f64>(&value, |a, b| a.to_bits() == b.to_bits())
}

fn v4() -> impl Strategy<Value = SocketAddrV4> {
    (any::<[u8; 4]>(), any::<u16>()).prop_map(|(ip, port)| SocketAddrV4::new(ip.into(), port))
}

fn ip() -> impl Strategy<Value = SocketAddr> {
    prop_oneof![
        v4().prop_map(SocketAddr::V4),
        (any::<[u8; 16]>(), any::<u16>()).prop_map(|(ip, port)| SocketAddr::V6(SocketAddrV6::new(
            Ipv6Addr::from(ip),
            port,
            0,
            0
        ))),
    ]
}

fn address() -> impl Strategy<Value = Address> {
    prop_oneof![
        ip().prop_map(Address::Ip),
        ("[a-z0-9.-]{0,40}", any::<u16>()).prop_map(|(host, port)| Address::Host { host, port }),
    ]
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..max)
}

fn inner() -> impl Strategy<Value = Inner> {
    (any::<u16>(), bytes(40)).prop_map(|(number, data)| Inner { number, data })
}

prop_compose! {
    fn mixed()(
        (flag, byte, tag, port, count, delta, big, time) in
            (any::<bool>(), any::<u8>(), any::<u8>(), any::<u16>(), any::<u32>(), any::<i32>(),
             any::<i64>(), any::<u64>()),
        (ratio, precise) in (any::<f32>(), any::<f64>()),
        (mid, key, sig, pk, bits) in
            (any::<[u8; 20]>(), any::<[u8; 32]>(), uniform::<_, 64>(any::<u8>()),
             uniform::<_, 74>(any::<u8>()), any::<[bool; 8]>()),
        (lan, wan, tracker) in (v4(), ip(), address()),
        (blob, text, long_blob, long_text) in (bytes(64), ".{0,20}", bytes(64), ".{0,20}"),
        (pairs, ids, items) in
            (vec(any::<[u8; 2]>(), 0..8), vec(any::<[u8; 20]>(), 0..4), vec(bytes(8), 0..6)),
        (votes, scores, weights) in
            (vec(any::<bool>(), 0..9), vec(any::<i64>(), 0..5), vec(-1e9f64..1e9, 0..5)),
        (inner, inners, rest) in (inner(), vec(inner(), 0..4), bytes(16)),
    ) -> Mixed {
        Mixed {
            flag, byte, tag, port, count, delta, big, time, ratio, precise, mid, key, sig, pk,
            bits, lan, wan, tracker, blob, text, long_blob, long_text, pairs, ids, items, votes,
            scores, weights, inner, inners, rest,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn scalars(b in any::<bool>(), byte in any::<u8>(), h in any::<u16>(), i in any::<u32>(),
               l in any::<i32>(), q in any::<i64>(), uq in any::<u64>()) {
        eq_trip::<format::Bool, _>(&b)?;
        eq_trip::<format::U8, _>(&byte)?;
        eq_trip::<format::Char, _>(&byte)?;
        eq_trip::<format::U16, _>(&h)?;
        eq_trip::<format::U32, _>(&i)?;
        eq_trip::<format::I32, _>(&l)?;
        eq_trip::<format::I64, _>(&q)?;
        eq_trip::<format::U64, _>(&uq)?;
        eq_trip::<format::Bits, _>(&byte)?;
    }

    #[test]
    fn floats(f in any::<f32>(), d in any::<f64>(), bits in any::<u64>()) {
        round_trip::<format::F32, f32>(&f, |a, b| a.to_bits() == b.to_bits())?;
        f64_trip::<format::F64>(d)?;
        // Every bit pattern, NaNs included, survives `d`.
        f64_trip::<format::F64>(f64::from_bits(bits))?;
    }

    #[test]
    fn fixed_bytes_and_bits(a in any::<[u8; 20]>(), b in any::<[u8; 32]>(),
                            c in uniform::<_, 64>(any::<u8>()), d in uniform::<_, 74>(any::<u8>()),
                            flags in any::<[bool; 8]>()) {
        eq_trip::<format::Bytes<20>, _>(&a)?;
        eq_trip::<format::Bytes<20>, _>(&CommunityId(a))?;
        eq_trip::<format::Bytes<32>, _>(&b)?;
        eq_trip::<format::Bytes<64>, _>(&c)?;
        eq_trip::<format::Bytes<74>, _>(&d)?;
        eq_trip::<format::Bits, _>(&flags)?;
    }

    #[test]
    fn addresses(a in v4(), b in ip(), c in address()) {
        eq_trip::<format::Ipv4, _>(&a)?;
        eq_trip::<format::IpAddress, _>(&b)?;
        eq_trip::<format::Address, _>(&c)?;
    }

    #[test]
    fn variable_length(raw in bytes(300), text in ".{0,40}", pairs in vec(any::<[u8; 2]>(), 0..255),
                       ids in vec(any::<[u8; 20]>(), 0..20), items in vec(bytes(40), 0..255)) {
        eq_trip::<format::Raw, _>(&raw)?;
        eq_trip::<format::VarlenH, _>(&raw)?;
        eq_trip::<format::VarlenI, _>(&raw)?;
        eq_trip::<format::VarlenHUtf8, _>(&text)?;
        eq_trip::<format::VarlenIUtf8, _>(&text)?;
        eq_trip::<format::VarlenBx2, _>(&pairs)?;
        eq_trip::<format::VarlenHx20, _>(&ids)?;
        eq_trip::<format::VarlenHList, _>(&items)?;
    }

    #[test]
    fn arrays(bools in vec(any::<bool>(), 0..300), ints in vec(any::<i64>(), 0..100),
              floats in vec(any::<f64>(), 0..100)) {
        eq_trip::<format::ArrayHBool, _>(&bools)?;
        eq_trip::<format::ArrayHI64, _>(&ints)?;
        round_trip::<format::ArrayHF64, Vec<f64>>(&floats, |a, b| {
            a.iter().map(|x| x.to_bits()).eq(b.iter().map(|x| x.to_bits()))
        })?;
    }

    #[test]
    fn nested_payloads(one in inner(), list in vec(inner(), 0..255)) {
        eq_trip::<format::NestedPayload, _>(&one)?;
        eq_trip::<format::PayloadList, _>(&list)?;
        eq_trip::<format::Flatten, _>(&one)?;
    }

    #[test]
    fn derived_struct_mixing_every_format(m in mixed()) {
        let bytes = m.to_bytes();
        let back = decode_exact::<Mixed>(&bytes, 0).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back.to_bytes(), bytes);
        prop_assert_eq!(back.ratio.to_bits(), m.ratio.to_bits());
        prop_assert_eq!(back.precise.to_bits(), m.precise.to_bits());
        if !m.ratio.is_nan() && !m.precise.is_nan() {
            prop_assert_eq!(back, m);
        }
    }

    #[test]
    fn reading_any_bytes_never_panics(data in bytes(200)) {
        let _ = decode_exact::<Mixed>(&data, 0);
        let _ = decode_exact::<Inner>(&data, 0);
        let mut r = Reader::new(&data);
        let _ = <format::PayloadList as Format<Vec<Inner>>>::read(&mut r, "x");
        let mut r = Reader::new(&data);
        let _ = <format::Address as Format<Address>>::read(&mut r, "x");
    }
}
