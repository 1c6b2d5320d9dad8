//! Truncated and damaged vector packets fail cleanly: an error naming a field at the right
//! absolute offset, never a panic. The only cuts that may still decode are those that shorten
//! a trailing `raw` field (py-ipv8 accepts those too; the signature would not verify).

mod common;

use common::{Packet, all_packets, arr_of, str_of, unhex, vectors};
use ipv8_wire::{DecodeErrorKind, Envelope, Message, decode_any};

/// How many bytes can be cut from the end of this (signed) packet while it still parses: the
/// length of its trailing `raw` field (plus the `c20s` for the legacy 246, which then parses in
/// the normal form).
fn raw_slack(message: &Message) -> usize {
    match message {
        Message::IntroductionRequest(m) => m.extra_bytes.len(),
        Message::LegacyIntroductionRequest(m) => 21 + m.request.extra_bytes.len(),
        Message::IntroductionResponse(m) => m.extra_bytes.len(),
        Message::NewIntroductionRequest(m) => m.extra_bytes.len(),
        Message::NewIntroductionResponse(m) => m.extra_bytes.len(),
        Message::SimilarityRequest(m) => m.preference_list.len(),
        Message::SimilarityResponse(m) => 24 * m.tb_overlap.len(),
        _ => 0,
    }
}

#[test]
fn every_prefix_of_every_packet_fails_cleanly() {
    let mut errors = 0;
    for Packet { label, bytes, .. } in all_packets() {
        let full = decode_any(&bytes).unwrap_or_else(|e| panic!("{label}: {e}"));
        let slack = raw_slack(&full.message);
        for len in 0..bytes.len() {
            let cut = &bytes[..len];
            match decode_any(cut) {
                Err(e) => {
                    errors += 1;
                    assert!(!e.field.is_empty(), "{label}[..{len}]: unnamed field");
                    assert!(
                        e.offset <= len,
                        "{label}[..{len}]: offset {} past end",
                        e.offset
                    );
                    assert!(e.to_string().contains(e.field), "{label}[..{len}]: {e}");
                }
                Ok(d) => {
                    assert!(
                        bytes.len() - len <= slack,
                        "{label}[..{len}] decoded as {} although no raw tail absorbs the cut",
                        d.name
                    );
                    assert_eq!(d.to_bytes(), cut, "{label}[..{len}]");
                }
            }
        }
    }
    assert!(errors > 3000, "only {errors} truncation errors checked");
}

#[test]
fn header_cuts_name_prefix_or_message_id() {
    let bytes = unhex(str_of(&arr_of(&vectors(), "messages")[0], "packet_hex"));
    for len in 0..22 {
        let e = decode_any(&bytes[..len]).unwrap_err();
        assert_eq!((e.field, e.offset), ("prefix", 0), "len {len}");
        assert_eq!(
            e.kind,
            DecodeErrorKind::Truncated {
                need: 22,
                have: len
            }
        );
    }
    let e = decode_any(&bytes[..22]).unwrap_err();
    assert_eq!((e.field, e.offset), ("message_id", 22));
    let e = decode_any(&bytes[..23]).unwrap_err();
    assert_eq!((e.field, e.offset), ("public_key_bin", 23));
}

/// Cuts the payload inside each field (keeping the signature of signed packets intact) and
/// checks that the error names that field at the offset the pyipv8 layout gives for it.
#[test]
fn payload_cuts_name_the_field_at_its_layout_offset() {
    let v = vectors();
    let mut checked = 0;
    for m in arr_of(&v, "messages") {
        let label = str_of(m, "name");
        if label.contains("legacy 'Y'") {
            // A cut legacy body falls back to the normal 246 form: covered by the test above.
            continue;
        }
        let packet = unhex(str_of(m, "packet_hex"));
        let (signed_part, signature) = match decode_any(&packet).unwrap().envelope {
            Envelope::Signed(p) => (p.signed_part.to_vec(), p.signature.to_vec()),
            _ => (packet.clone(), Vec::new()),
        };
        let mut in_payload = false;
        for entry in arr_of(m, "layout") {
            let qualified = str_of(entry, "field");
            let format = entry["format"].as_str().unwrap_or("");
            let field = qualified.rsplit('.').next().unwrap();
            if qualified.starts_with("GlobalTime") {
                in_payload = true;
            }
            if !in_payload || format == "raw" || field == "signature" {
                continue;
            }
            let offset = usize::try_from(entry["offset"].as_u64().unwrap()).unwrap();
            let size = str_of(entry, "hex").len() / 2;
            for len in offset..offset + size {
                let cut = [&signed_part[..len], &signature[..]].concat();
                let e = decode_any(&cut).expect_err("cut inside a fixed field");
                assert_eq!(
                    (e.field, e.offset),
                    (field, offset),
                    "{label}: cut at {len} inside {qualified}: {e}"
                );
                assert!(matches!(e.kind, DecodeErrorKind::Truncated { .. }), "{e}");
                checked += 1;
            }
        }
    }
    assert!(checked > 500, "only {checked} cuts checked");
}

#[test]
fn damaged_fields_are_reported_where_they_are() {
    let v = vectors();
    let find = |name: &str| {
        let m = arr_of(&v, "messages")
            .iter()
            .find(|m| str_of(m, "name") == name)
            .unwrap_or_else(|| panic!("vector {name}"));
        unhex(str_of(m, "packet_hex"))
    };

    // Address type byte of a new-style puncture-request (unsigned: no signature to shift).
    let mut p = find("new-puncture-request");
    p[31] = 0x05;
    let e = decode_any(&p).unwrap_err();
    assert_eq!(
        (e.field, e.offset, e.kind),
        ("lan_walker_address", 31, DecodeErrorKind::BadAddressType(5))
    );

    // One byte too many after a fixed payload.
    let mut p = find("puncture-request");
    p.push(0);
    let e = decode_any(&p).unwrap_err();
    assert_eq!((e.offset, e.kind), (45, DecodeErrorKind::TrailingBytes(1)));

    // An unknown key type has no signature length.
    let mut p = find("puncture");
    p[25] = b'X';
    let e = decode_any(&p).unwrap_err();
    assert_eq!(
        (e.field, e.offset, e.kind),
        ("public_key_bin", 23, DecodeErrorKind::BadKey)
    );

    // A key length pointing past the end of the datagram.
    let mut p = find("puncture");
    p[23] = 0xff;
    let e = decode_any(&p).unwrap_err();
    assert_eq!((e.field, e.offset), ("public_key_bin", 23));
    assert!(matches!(
        e.kind,
        DecodeErrorKind::Truncated { need: 0xff4c, .. }
    ));

    // tb_overlap that is not a whole number of (id, u32) entries.
    let sim = find("similarity-response");
    let d = decode_any(&sim).unwrap();
    let Envelope::Signed(s) = d.envelope else {
        panic!("similarity-response is signed");
    };
    let bad = [s.signed_part, &[1, 2, 3], s.signature].concat();
    let e = decode_any(&bad).unwrap_err();
    assert_eq!(
        (e.field, e.offset, e.kind),
        (
            "tb_overlap",
            s.signed_part.len(),
            DecodeErrorKind::BadLength { len: 3, unit: 24 }
        )
    );
}
