//! Golden vectors made by real pyipv8 3.2.1 (`tests/vectors/vectors.json`, see
//! `tools/gen_vectors.py`): every message, flow step, primitive and other packet decodes to the
//! documented values at the documented offsets and re-encodes to identical bytes.

mod common;

use std::collections::BTreeMap;

use common::{arr_of, str_of, unhex, vectors};
use ipv8_wire::{
    Address, CommunityId, Decoded, Envelope, FieldValue, Message, Payload, Reader, Writer,
    decode_any, signature_len, to_hex,
};
use serde_json::Value;

/// Text form of a py-ipv8 address object (`{"host", "port", "type"}`), as `FieldValue` shows it.
fn py_address(v: &Value) -> String {
    let host = str_of(v, "host");
    let port = v["port"].as_u64().expect("port");
    // `type` is "UDPv6Address" in decoded values but "tuple" in pack inputs.
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// A py-ipv8 decoded value in the shape of our `FieldValue`.
fn py_value(v: &Value) -> FieldValue {
    match v {
        Value::Object(o) if o.contains_key("host") => FieldValue::Text(py_address(v)),
        Value::Object(o) if o.contains_key("hex") => FieldValue::Hex(str_of(v, "hex").to_owned()),
        Value::Array(items) => FieldValue::List(items.iter().map(py_value).collect()),
        Value::Bool(b) => FieldValue::Bool(*b),
        Value::Number(n) => FieldValue::Uint(n.as_u64().expect("unsigned")),
        Value::String(s) => FieldValue::Text(s.clone()),
        other => panic!("unexpected py-ipv8 value {other}"),
    }
}

/// Compares a py-ipv8 value with ours; py-ipv8 gives some booleans as 0/1.
fn assert_same(ctx: &str, key: &str, py: &FieldValue, ours: &FieldValue) {
    let py = match (py, ours) {
        (FieldValue::Uint(n @ (0 | 1)), FieldValue::Bool(_)) => FieldValue::Bool(*n == 1),
        _ => py.clone(),
    };
    assert_eq!(&py, ours, "{ctx}: field {key}");
}

/// Names of the 8 flag bits (MSB first) as py-ipv8's decoders name them, per message id.
fn flag_bit_names(msg_id: u8) -> [&'static str; 8] {
    match msg_id {
        246 | 234 => [
            "connection_type_0",
            "connection_type_1",
            "supports_new_style",
            "dflag1",
            "dflag2",
            "tunnel",
            "sync",
            "advice",
        ],
        245 => [
            "connection_type_0",
            "connection_type_1",
            "dflag0",
            "supports_new_style",
            "intro_supports_new_style",
            "peer_limit_reached",
            "dflag4",
            "dflag5",
        ],
        233 => [
            "intro_supports_new_style",
            "flag1",
            "flag2",
            "flag3",
            "flag4",
            "flag5",
            "flag6",
            "flag7",
        ],
        1 => [
            "connection_type_0",
            "connection_type_1",
            "dflag0",
            "dflag1",
            "dflag2",
            "dflag3",
            "dflag4",
            "dflag5",
        ],
        _ => [""; 8],
    }
}

fn field_map(d: &Decoded<'_>) -> BTreeMap<&'static str, FieldValue> {
    let list = d.fields();
    let map: BTreeMap<_, _> = list.iter().cloned().collect();
    assert_eq!(map.len(), list.len(), "duplicate field names in {list:?}");
    map
}

/// Every entry of `fields_decoded_by_pyipv8` matches our decoding.
fn check_py_fields(ctx: &str, msg_id: u8, py_fields: &Value, ours: &BTreeMap<&str, FieldValue>) {
    let flags = match ours.get("flags") {
        Some(FieldValue::Uint(b)) => Some(*b),
        _ => None,
    };
    let bit_names = flag_bit_names(msg_id);
    let py_fields = py_fields.as_object().expect("fields object");
    assert!(!py_fields.is_empty(), "{ctx}: no fields to compare");
    for (key, value) in py_fields {
        let key = key.as_str();
        let py = py_value(value);
        if key == "advice" && msg_id == 246 {
            // py-ipv8's old-style decoder inverts the advice bit; we keep the wire value.
            let FieldValue::Bool(wire) = ours["advice"] else {
                panic!("{ctx}: advice is not a bool");
            };
            assert_same(ctx, key, &py, &FieldValue::Bool(!wire));
        } else if key == "introduce_to" {
            // py-ipv8 keeps a 1-tuple holding the 20-byte mid.
            assert_same(ctx, key, &py, &FieldValue::List(vec![ours[key].clone()]));
        } else if let Some(our) = ours.get(key) {
            assert_same(ctx, key, &py, our);
        } else if let Some(bit) = bit_names.iter().position(|n| *n == key) {
            let flags = flags.unwrap_or_else(|| panic!("{ctx}: no flags for bit {key}"));
            let on = (flags >> (7 - bit)) & 1;
            assert_same(ctx, key, &py, &FieldValue::Uint(on));
        } else {
            panic!("{ctx}: py-ipv8 field {key} has no counterpart in {ours:?}");
        }
    }
}

/// Decodes one layout slice in its format, the way `FieldValue` shows the field.
fn layout_value(ctx: &str, field: &str, format: &str, slice: &[u8], offset: usize) -> FieldValue {
    let mut r = Reader::with_offset(slice, offset);
    let name = "layout";
    let value = match format {
        "ipv4" => FieldValue::Text(r.ipv4(name).unwrap().to_string()),
        "ip_address" => FieldValue::Text(r.ip_address(name).unwrap().to_string()),
        "bits" => FieldValue::Uint(u64::from(r.u8(name).unwrap())),
        "H" => FieldValue::Uint(u64::from(r.u16(name).unwrap())),
        "Q" => FieldValue::Uint(r.u64(name).unwrap()),
        "varlenH" => FieldValue::Hex(to_hex(r.varlen_h(name).unwrap())),
        "varlenHx20" => FieldValue::List(
            r.varlen_hx20(name)
                .unwrap()
                .iter()
                .map(|id| FieldValue::Hex(to_hex(id)))
                .collect(),
        ),
        "raw" if field == "preference_list" => FieldValue::List(
            r.rest()
                .chunks(20)
                .map(|c| FieldValue::Hex(to_hex(c)))
                .collect(),
        ),
        "raw" if field == "tb_overlap" => {
            assert!(r.rest().is_empty(), "{ctx}: tb_overlap vectors are empty");
            FieldValue::List(Vec::new())
        }
        "raw" => FieldValue::Hex(to_hex(r.rest())),
        "c20s" => {
            let [tag, mid @ ..] = r.array::<21>(name).unwrap();
            assert_eq!(tag, b'Y', "{ctx}: legacy tag");
            FieldValue::Hex(to_hex(&mid))
        }
        other => panic!("{ctx}: layout format {other} not handled"),
    };
    r.finish(name).unwrap();
    value
}

/// Every `layout` entry: the slice is where the vector says, it holds what we decoded, and the
/// entries tile the datagram from the header to the signature without gaps.
fn check_layout(ctx: &str, packet: &[u8], layout: &[Value], d: &Decoded<'_>) {
    let ours = field_map(d);
    let mut expected_offset = 0;
    for entry in layout {
        let offset = usize::try_from(entry["offset"].as_u64().unwrap()).unwrap();
        let slice = unhex(str_of(entry, "hex"));
        let qualified = str_of(entry, "field");
        assert_eq!(
            offset, expected_offset,
            "{ctx}: layout gap before {qualified}"
        );
        assert_eq!(
            &packet[offset..offset + slice.len()],
            slice,
            "{ctx}: {qualified}"
        );
        expected_offset = offset + slice.len();
        let prefix = d.prefix();
        match qualified {
            "prefix.zero" => assert_eq!(slice, [prefix.zero()]),
            "prefix.version" => assert_eq!(slice, [prefix.version()]),
            "prefix.community_id" => assert_eq!(slice, prefix.community_id().as_bytes()),
            "message_id" => assert_eq!(Some(slice[0]), d.msg_id()),
            "signature" => {
                let Envelope::Signed(p) = d.envelope else {
                    panic!("{ctx}: signature in an unsigned packet");
                };
                assert_eq!(p.signature, slice, "{ctx}: signature");
                assert_eq!(offset, p.signed_part.len(), "{ctx}: signature offset");
            }
            _ => {
                let short = qualified.rsplit('.').next().unwrap();
                let short = short.split(" (").next().unwrap();
                let format = str_of(entry, "format");
                let value = layout_value(ctx, short, format, &slice, offset);
                assert_eq!(
                    Some(&value),
                    ours.get(short),
                    "{ctx}: {qualified} at {offset}"
                );
                if let Envelope::Signed(p) = d.envelope
                    && qualified.starts_with("GlobalTime")
                {
                    assert_eq!(offset + 8, p.payload_offset(), "{ctx}: payload offset");
                }
            }
        }
    }
    assert_eq!(
        expected_offset,
        packet.len(),
        "{ctx}: layout does not cover the datagram"
    );
}

#[test]
fn every_message_vector_decodes_and_reencodes() {
    let v = vectors();
    let messages = arr_of(&v, "messages");
    assert_eq!(messages.len(), 21);
    for m in messages {
        let ctx = str_of(m, "name");
        let packet = unhex(str_of(m, "packet_hex"));
        assert_eq!(
            packet.len() as u64,
            m["packet_length"].as_u64().unwrap(),
            "{ctx}"
        );
        let d = decode_any(&packet).unwrap_or_else(|e| panic!("{ctx}: {e}"));
        let msg_id = u8::try_from(m["message_id"].as_u64().unwrap()).unwrap();
        assert_eq!(d.msg_id(), Some(msg_id), "{ctx}");
        assert_eq!(
            d.community_id().to_string(),
            str_of(m, "community_id"),
            "{ctx}"
        );
        assert_eq!(
            d.name,
            ctx.split(' ').next().unwrap(),
            "{ctx}: dissector name"
        );
        assert_eq!(d.global_time(), m["global_time"].as_u64(), "{ctx}");
        assert_eq!(
            to_hex(&d.to_bytes()),
            to_hex(&packet),
            "{ctx}: re-encoding differs"
        );

        match d.envelope {
            Envelope::Signed(p) => {
                assert!(m["signed"].as_bool().unwrap(), "{ctx}");
                assert_eq!(p.signed_part, unhex(str_of(m, "signed_part_hex")), "{ctx}");
                assert_eq!(p.signature, unhex(str_of(m, "signature_hex")), "{ctx}");
                assert_eq!(
                    p.public_key,
                    unhex(str_of(m, "public_key_bin_hex")),
                    "{ctx}"
                );
                assert_eq!(
                    signature_len(p.public_key),
                    Some(p.signature.len()),
                    "{ctx}"
                );
            }
            Envelope::Unsigned(_) => {
                assert!(!m["signed"].as_bool().unwrap(), "{ctx}");
                assert_eq!(packet, unhex(str_of(m, "body_hex")), "{ctx}");
            }
            Envelope::None => panic!("{ctx}: no envelope"),
        }
        let ours = field_map(&d);
        check_py_fields(ctx, msg_id, &m["fields_decoded_by_pyipv8"], &ours);
        check_layout(ctx, &packet, arr_of(m, "layout"), &d);
    }
}

#[test]
fn tracker_vector_uses_a_42_byte_signature() {
    let v = vectors();
    let m = arr_of(&v, "messages")
        .iter()
        .find(|m| str_of(m, "name").contains("tracker"))
        .expect("tracker-style vector");
    let packet = unhex(str_of(m, "packet_hex"));
    let d = decode_any(&packet).unwrap();
    let Envelope::Signed(p) = d.envelope else {
        panic!("tracker response is signed");
    };
    assert_eq!((p.public_key.len(), p.signature.len()), (66, 42));
    let Message::IntroductionResponse(r) = d.message else {
        panic!("tracker sends 245");
    };
    assert_eq!(r.source_wan_address.to_string(), "130.161.119.206:6421");
    assert!(r.flags.supports_new_style);
}

#[test]
fn advice_bit_keeps_the_wire_value() {
    let v = vectors();
    let m = &arr_of(&v, "messages")[0];
    assert_eq!(str_of(m, "name"), "introduction-request");
    let packet = unhex(str_of(m, "packet_hex"));
    let d = decode_any(&packet).unwrap();
    let Message::IntroductionRequest(r) = d.message else {
        panic!("246 on DiscoveryCommunity without extra bytes is the normal form");
    };
    // py-ipv8 sends 0x01 and decodes it as advice=False; we report the bit as sent.
    assert!(r.flags.advice);
    assert_eq!(r.flags.to_byte(), 0x01);
    assert_eq!(m["fields_decoded_by_pyipv8"]["advice"], Value::Bool(false));
}

#[test]
fn every_flow_step_decodes_and_reencodes() {
    let v = vectors();
    let mut steps = 0;
    for flow in arr_of(&v, "flows") {
        for step in arr_of(flow, "steps") {
            let ctx = format!("{} / {}", str_of(flow, "name"), str_of(step, "message"));
            let packet = unhex(str_of(step, "packet_hex"));
            let d = decode_any(&packet).unwrap_or_else(|e| panic!("{ctx}: {e}"));
            assert_eq!(d.name, str_of(step, "message"), "{ctx}");
            assert_eq!(to_hex(&d.to_bytes()), to_hex(&packet), "{ctx}");
            if let Envelope::Signed(p) = d.envelope {
                assert_eq!([p.signed_part, p.signature].concat(), packet, "{ctx}");
            }
            let to = py_address(&step["to"]);
            match &d.message {
                Message::IntroductionRequest(m) => {
                    assert_eq!(m.destination_address.to_string(), to, "{ctx}");
                }
                Message::NewIntroductionRequest(m) => {
                    assert_eq!(m.destination_address.to_string(), to, "{ctx}");
                }
                _ => {}
            }
            steps += 1;
        }
    }
    assert_eq!(steps, 12);
}

#[test]
fn key_vectors_imply_their_signature_length() {
    let v = vectors();
    for key in arr_of(&v, "keys") {
        let public = unhex(str_of(key, "public_key_bin_hex"));
        let expected = key["signature_length"].as_u64().map(|n| n as usize);
        assert_eq!(signature_len(&public), expected, "{}", str_of(key, "label"));
    }
}

#[test]
fn other_packets() {
    let v = vectors();
    let others = arr_of(&v, "other_packets");
    assert_eq!(others.len(), 2);
    for p in others {
        let bytes = unhex(str_of(p, "packet_hex"));
        match str_of(p, "name") {
            "udp-broadcast-announce" => {
                let d = decode_any(&bytes).unwrap();
                assert_eq!(d.name, "udp-broadcast-announce");
                assert_eq!(d.community_id().to_string(), str_of(p, "community_id"));
                assert_eq!(d.community_id(), CommunityId::DISCOVERY);
                assert_eq!(d.msg_id(), None);
                assert_eq!(d.to_bytes(), bytes);
            }
            "network-snapshot-entry" => {
                let mut r = Reader::new(&bytes);
                let addr = r.address("snapshot").unwrap();
                r.finish("snapshot").unwrap();
                assert_eq!(addr, Address::Ip("80.100.0.2:7000".parse().unwrap()));
                let mut w = Writer::new();
                w.address(&addr);
                assert_eq!(w.into_bytes(), bytes);
            }
            other => panic!("unhandled other_packets vector {other}"),
        }
    }
}

/// `Inner = [H, varlenH]` of the nested-payload vector.
#[derive(Debug, PartialEq)]
struct Inner(u16, Vec<u8>);

impl Payload for Inner {
    const NAME: &'static str = "Inner";
    fn encode(&self, w: &mut Writer) {
        w.u16(self.0);
        w.varlen_h(&self.1);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, ipv8_wire::DecodeError> {
        Ok(Self(r.u16("a")?, r.varlen_h("b")?.to_vec()))
    }
}

fn json_u64s(v: &Value) -> Vec<u64> {
    let items = v.as_array().map_or_else(|| vec![v.clone()], Clone::clone);
    items.iter().map(|x| x.as_u64().expect("u64")).collect()
}

fn json_hex(v: &Value) -> Vec<u8> {
    unhex(str_of(v, "hex"))
}

/// Decodes `bytes` as `format`, checks the value against the vector and re-encodes it.
fn check_primitive(format: &str, input: &Value, bytes: &[u8]) -> Vec<u8> {
    let mut r = Reader::new(bytes);
    let mut w = Writer::new();
    let f = "primitive";
    match format {
        "?" => {
            let b = r.bool(f).unwrap();
            assert_eq!(Some(b), input.as_bool());
            w.bool(b);
        }
        "B" | "H" | "I" | "Q" | "HH" | "QH" | "QL" | "LL" | "BH" | "BBH" | "QQHHBH" => {
            let expected = json_u64s(input);
            for (c, &e) in format.chars().zip(&expected) {
                match c {
                    'B' => {
                        let x = r.u8(f).unwrap();
                        assert_eq!(u64::from(x), e);
                        w.u8(x);
                    }
                    'H' => {
                        let x = r.u16(f).unwrap();
                        assert_eq!(u64::from(x), e);
                        w.u16(x);
                    }
                    'I' | 'L' => {
                        let x = r.u32(f).unwrap();
                        assert_eq!(u64::from(x), e);
                        w.u32(x);
                    }
                    _ => {
                        let x = r.u64(f).unwrap();
                        assert_eq!(x, e);
                        w.u64(x);
                    }
                }
            }
            assert_eq!(format.len(), expected.len());
        }
        "l" => {
            let x = r.i32(f).unwrap();
            assert_eq!(Some(i64::from(x)), input.as_i64());
            w.i32(x);
        }
        "q" => {
            let x = r.i64(f).unwrap();
            assert_eq!(Some(x), input.as_i64());
            w.i64(x);
        }
        "f" => {
            let x = r.f32(f).unwrap();
            assert_eq!(Some(f64::from(x)), input.as_f64());
            w.f32(x);
        }
        "d" => {
            let x = r.f64(f).unwrap();
            assert_eq!(Some(x), input.as_f64());
            w.f64(x);
        }
        "c" => {
            let x = r.u8(f).unwrap();
            assert_eq!(vec![x], json_hex(input));
            w.u8(x);
        }
        "ccB" => {
            let [a, b, n] = r.array::<3>(f).unwrap();
            assert_eq!(vec![a], json_hex(&input[0]));
            assert_eq!(vec![b], json_hex(&input[1]));
            assert_eq!(Some(u64::from(n)), input[2].as_u64());
            w.bytes(&[a, b, n]);
        }
        "4SH" => {
            let ip = r.take(f, 4).unwrap();
            let port = r.u16(f).unwrap();
            assert_eq!(ip, json_hex(&input[0]));
            assert_eq!(Some(u64::from(port)), input[1].as_u64());
            w.fixed(ip, 4);
            w.u16(port);
        }
        "20s" => {
            let x = r.array::<20>(f).unwrap();
            assert_eq!(x.to_vec(), json_hex(input));
            w.fixed(&x, 20);
        }
        "c20s" => {
            let [tag, mid @ ..] = r.array::<21>(f).unwrap();
            assert_eq!(vec![tag], json_hex(&input[0]));
            assert_eq!(mid.to_vec(), json_hex(&input[1]));
            w.u8(tag);
            w.bytes(&mid);
        }
        "bits" => {
            let bits = r.bits(f).unwrap();
            let expected: Vec<bool> = json_u64s(input).iter().map(|&b| b == 1).collect();
            assert_eq!(bits.to_vec(), expected);
            w.bits(bits);
        }
        "ipv4" => {
            let a = r.ipv4(f).unwrap();
            assert_eq!(a.to_string(), py_address(input));
            w.ipv4(a);
        }
        "ip_address" => {
            let a = r.ip_address(f).unwrap();
            assert_eq!(a.to_string(), py_address(input));
            w.ip_address(a);
        }
        "address" => {
            let a = r.address(f).unwrap();
            let expected = Address::Host {
                host: str_of(input, "host").to_owned(),
                port: u16::try_from(input["port"].as_u64().unwrap()).unwrap(),
            };
            assert_eq!(a, expected);
            w.address(&a);
        }
        "raw" => {
            let x = r.rest();
            assert_eq!(x, json_hex(input));
            w.bytes(x);
        }
        "varlenH" | "doublevarlenH" => {
            let x = r.varlen_h(f).unwrap();
            assert_eq!(x, json_hex(input));
            w.varlen_h(x);
        }
        "varlenI" => {
            let x = r.varlen_i(f).unwrap();
            assert_eq!(x, json_hex(input));
            w.varlen_i(x);
        }
        "varlenHutf8" => {
            let x = r.varlen_h_utf8(f).unwrap();
            assert_eq!(Some(x), input.as_str());
            w.varlen_h_utf8(x);
        }
        "varlenIutf8" => {
            let x = r.varlen_i_utf8(f).unwrap();
            assert_eq!(Some(x), input.as_str());
            w.varlen_i_utf8(x);
        }
        "varlenBx2" => {
            let x = r.varlen_bx2(f).unwrap();
            assert_eq!(x.as_flattened(), json_hex(input));
            w.varlen_bx2(x);
        }
        "varlenHx20" => {
            let x = r.varlen_hx20(f).unwrap();
            assert_eq!(x.as_flattened(), json_hex(input));
            w.varlen_hx20(x);
        }
        "varlenH-list" => {
            let items = r.varlen_h_list(f).unwrap();
            let expected: Vec<Vec<u8>> = input.as_array().unwrap().iter().map(json_hex).collect();
            assert_eq!(items, expected);
            w.varlen_h_list(&items);
        }
        "arrayH-?" => {
            let x = r.array_h_bool(f).unwrap();
            let expected: Vec<bool> = input
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b.as_bool().unwrap())
                .collect();
            assert_eq!(x, expected);
            w.array_h_bool(&x);
        }
        "arrayH-q" => {
            let x = r.array_h_i64(f).unwrap();
            let expected: Vec<i64> = input
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_i64().unwrap())
                .collect();
            assert_eq!(x, expected);
            w.array_h_i64(&x);
        }
        "arrayH-d" => {
            let x = r.array_h_f64(f).unwrap();
            let expected: Vec<f64> = input
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_f64().unwrap())
                .collect();
            assert_eq!(x, expected);
            w.array_h_f64(&x);
        }
        "payload / payload-list" => {
            let one: Inner = r.payload("one").unwrap();
            let many: Vec<Inner> = r.payload_list("many").unwrap();
            assert_eq!(one, Inner(1, b"x".to_vec()));
            assert_eq!(many, [Inner(2, b"yz".to_vec()), Inner(3, Vec::new())]);
            w.payload(&one);
            w.payload_list(&many);
        }
        other => panic!("serialization vector for format {other} is not handled"),
    }
    r.finish(f).unwrap();
    w.into_bytes()
}

#[test]
fn every_serialization_vector_round_trips() {
    let v = vectors();
    let prims = arr_of(&v, "serialization");
    assert_eq!(prims.len(), 39);
    for p in prims {
        let format = str_of(p, "format");
        let bytes = unhex(str_of(p, "hex"));
        let reencoded = check_primitive(format, &p["input"], &bytes);
        assert_eq!(to_hex(&reencoded), to_hex(&bytes), "format {format}");
    }
}
