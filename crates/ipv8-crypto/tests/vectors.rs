//! Golden vectors of py-ipv8 3.2.1 (`tests/vectors/vectors.json`, docs/spec/PROTOCOL.md §10): keys,
//! signatures and the signatures of every signed message, including the tracker-style ECDSA one.

mod common;

use common::{bytes, key_vector, text, vectors};
use ipv8_crypto::{LegacyCurve, Mid, PrivateKey, PublicKey};
use serde_json::Value;

fn private_key(vectors: &Value, label: &str) -> PrivateKey {
    let vector = key_vector(vectors, label);
    PrivateKey::from_bin(&bytes(vector, "private_key_bin_hex"))
        .unwrap_or_else(|e| panic!("key {label}: {e}"))
}

fn array<'a>(vectors: &'a Value, name: &str) -> &'a Vec<Value> {
    vectors[name]
        .as_array()
        .unwrap_or_else(|| panic!("section {name}"))
}

#[test]
fn every_key_vector_derives_its_public_key_and_mid() {
    let vectors = vectors();
    let keys = array(&vectors, "keys");
    assert_eq!(keys.len(), 4, "three LibNaCL keys and one legacy key");
    for vector in keys {
        let label = text(vector, "label");
        let private_bin = bytes(vector, "private_key_bin_hex");
        let public_bin = bytes(vector, "public_key_bin_hex");
        let key = PrivateKey::from_bin(&private_bin).unwrap();
        assert_eq!(key.to_bin(), private_bin, "{label}: private bin round trip");
        assert_eq!(key.public().to_bin(), public_bin, "{label}: public bin");
        assert_eq!(key.public_bin(), &public_bin[..], "{label}: public_bin()");
        assert_eq!(key.mid().to_hex(), text(vector, "mid_hex"), "{label}: mid");
        assert_eq!(
            key.mid(),
            Mid::of(&public_bin),
            "{label}: mid is SHA-1 of public bin"
        );
        let expected_len = vector["signature_length"].as_u64().unwrap() as usize;
        assert_eq!(
            key.signature_len(),
            expected_len,
            "{label}: signature length"
        );

        let public = PublicKey::from_bin(&public_bin).unwrap();
        assert_eq!(public, key.public(), "{label}: parsed public key");
        assert_eq!(
            public.to_bin(),
            public_bin,
            "{label}: public bin round trip"
        );
        assert_eq!(public.mid(), key.mid(), "{label}: public mid");
        assert_eq!(
            public.signature_len(),
            expected_len,
            "{label}: public signature length"
        );

        match (&key, &public) {
            (PrivateKey::LibNacl(private), PublicKey::LibNacl(public)) => {
                let seeded = PrivateKey::from_seeds(
                    bytes(vector, "x25519_secret_hex").try_into().unwrap(),
                    bytes(vector, "ed25519_seed_hex").try_into().unwrap(),
                );
                assert_eq!(seeded.to_bin(), private_bin, "{label}: from_seeds");
                assert_eq!(
                    key.mid().to_base64(),
                    text(vector, "mid_b64"),
                    "{label}: mid b64"
                );
                assert_eq!(
                    public.x25519_public().to_vec(),
                    bytes(vector, "x25519_public_hex")
                );
                assert_eq!(
                    public.ed25519_verify_key().to_vec(),
                    bytes(vector, "ed25519_verify_key_hex")
                );
                assert_eq!(private.public(), public);
            }
            (PrivateKey::LegacyEc(_), PublicKey::LegacyEc(public)) => {
                assert_eq!(
                    public.curve_name(),
                    Some(text(vector, "curve")),
                    "{label}: curve"
                );
                assert_eq!(public.field_bits(), 163);
                assert_eq!(
                    LegacyCurve::from_name(text(vector, "curve")),
                    Some(LegacyCurve::Sect163k1)
                );
            }
            _ => panic!("{label}: private and public key families differ"),
        }
    }
}

#[test]
fn key_a_has_the_mid_from_the_spec() {
    let vectors = vectors();
    assert_eq!(
        private_key(&vectors, "A").mid().to_hex(),
        "5f0210a846cd024d50e3736a585dd90d1f9332b7"
    );
}

#[test]
fn signature_vectors_verify_or_are_rejected() {
    let vectors = vectors();
    let signatures = array(&vectors, "signatures");
    assert!(signatures.iter().any(|s| s["valid"] == true));
    assert!(signatures.iter().any(|s| s["valid"] == false));
    for vector in signatures {
        let key = private_key(&vectors, text(vector, "key"));
        let message = bytes(vector, "message_hex");
        let signature = bytes(vector, "signature_hex");
        let valid = vector["valid"].as_bool().unwrap();
        assert_eq!(
            key.public().verify(&message, &signature),
            valid,
            "{}",
            text(vector, "description")
        );
        if valid {
            assert_eq!(key.sign(&message), signature, "Ed25519 is deterministic");
        } else {
            assert_ne!(key.sign(&message), signature);
        }
    }
}

/// Flips one bit of `data` at `index`.
fn flipped(data: &[u8], index: usize, bit: u8) -> Vec<u8> {
    let mut out = data.to_vec();
    out[index] ^= 1 << bit;
    out
}

/// Asserts that corrupting the message or the signature in a few places breaks verification.
fn assert_bit_flips_fail(name: &str, key: &PublicKey, signed_part: &[u8], signature: &[u8]) {
    let last = signed_part.len() - 1;
    for index in [0, 1, 22, 25, 60, signed_part.len() / 2, last] {
        let corrupted = flipped(signed_part, index, (index % 8) as u8);
        assert!(
            !key.verify(&corrupted, signature),
            "{name}: message bit flip at {index}"
        );
    }
    for index in [0, signature.len() / 2, signature.len() - 1] {
        let corrupted = flipped(signature, index, 0);
        assert!(
            !key.verify(signed_part, &corrupted),
            "{name}: signature bit flip at {index}"
        );
    }
    assert!(
        !key.verify(signed_part, &signature[1..]),
        "{name}: short signature"
    );
}

#[test]
fn every_signed_message_vector_is_reproduced_and_verifies() {
    let vectors = vectors();
    let signed: Vec<&Value> = array(&vectors, "messages")
        .iter()
        .filter(|m| m["signed"] == true)
        .collect();
    let mut ed25519_checked = 0;
    let mut ecdsa_checked = 0;
    for vector in signed.iter().copied() {
        let name = text(vector, "name");
        let signer = private_key(&vectors, text(vector, "signer"));
        let signed_part = bytes(vector, "signed_part_hex");
        let signature = bytes(vector, "signature_hex");
        let packet = bytes(vector, "packet_hex");
        assert_eq!(
            [&signed_part[..], &signature[..]].concat(),
            packet,
            "{name}: packet layout"
        );
        assert_eq!(
            bytes(vector, "public_key_bin_hex"),
            signer.public().to_bin(),
            "{name}: signer"
        );
        assert_eq!(
            signature.len(),
            signer.signature_len(),
            "{name}: signature length"
        );

        let public = signer.public();
        assert!(
            public.verify(&signed_part, &signature),
            "{name}: recorded signature verifies"
        );
        assert_bit_flips_fail(name, &public, &signed_part, &signature);

        let ours = signer.sign(&signed_part);
        match signer {
            PrivateKey::LibNacl(_) => {
                assert_eq!(ours, signature, "{name}: Ed25519 signature byte for byte");
                ed25519_checked += 1;
            }
            PrivateKey::LegacyEc(_) => {
                // ECDSA is randomized: ours differs but verifies and has the same length.
                assert_eq!(
                    ours.len(),
                    signature.len(),
                    "{name}: ECDSA signature length"
                );
                assert!(
                    public.verify(&signed_part, &ours),
                    "{name}: our ECDSA signature"
                );
                ecdsa_checked += 1;
            }
        }
    }
    assert_eq!(signed.len(), 16, "vectors.json has 16 signed messages");
    assert_eq!(
        ed25519_checked, 15,
        "every Ed25519-signed message vector was checked"
    );
    assert_eq!(ecdsa_checked, 1, "the tracker-style vector was checked");
}

#[test]
fn tracker_style_signature_verifies_with_the_key_from_the_packet() {
    let vectors = vectors();
    let vector = array(&vectors, "messages")
        .iter()
        .find(|m| text(m, "name").contains("tracker style"))
        .expect("tracker-style vector");
    let packet = bytes(vector, "packet_hex");
    let key_len = usize::from(u16::from_be_bytes([packet[23], packet[24]]));
    let key_bin = &packet[25..25 + key_len];
    let key = PublicKey::from_bin(key_bin).expect("DER sect163k1 key from the packet");
    assert!(matches!(key, PublicKey::LegacyEc(_)));
    assert_eq!(key.to_bin(), key_bin, "DER re-serializes identically");
    assert_eq!(
        key.mid().to_hex(),
        text(key_vector(&vectors, "legacy-sect163k1"), "mid_hex")
    );

    let signature_len = key.signature_len();
    assert_eq!(signature_len, 42);
    let (signed_part, signature) = packet.split_at(packet.len() - signature_len);
    assert!(
        key.verify(signed_part, signature),
        "tracker signature verifies"
    );
    assert_bit_flips_fail("tracker", &key, signed_part, signature);
}
