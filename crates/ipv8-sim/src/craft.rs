//! Hand-made datagrams for hostile scenarios: signed introduction-requests from arbitrary keys,
//! and the same with a broken signature.

use std::net::SocketAddrV4;

use ipv8_proto::{CommunityId, Identity, Prefix};
use ipv8_wire::{IntroductionRequest, IntroductionRequestFlags, encode_signed, ids};

/// An old-style introduction-request (246) for `community`, signed by `identity`, claiming to
/// come from `source` and addressed to `destination`.
#[must_use]
pub fn introduction_request(
    identity: &dyn Identity,
    community: CommunityId,
    source: SocketAddrV4,
    destination: SocketAddrV4,
    identifier: u16,
) -> Vec<u8> {
    let payload = IntroductionRequest {
        destination_address: destination,
        source_lan_address: source,
        source_wan_address: source,
        flags: IntroductionRequestFlags::py_ipv8_old_style(),
        identifier,
        extra_bytes: Vec::new(),
    };
    encode_signed(
        &Prefix::for_community(community),
        ids::INTRODUCTION_REQUEST,
        identity.public_bin(),
        u64::from(identifier) + 1,
        &payload,
        |signed| identity.sign(signed),
    )
}

/// The same datagram with one bit of the signature flipped.
#[must_use]
pub fn with_bad_signature(mut datagram: Vec<u8>) -> Vec<u8> {
    if let Some(last) = datagram.last_mut() {
        *last ^= 0x01;
    }
    datagram
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto_node::CheapIdentity;
    use ipv8_wire::SignedPacket;

    #[test]
    fn crafted_request_parses_and_bad_signature_differs() {
        let id = CheapIdentity::from_seed(1);
        let src = SocketAddrV4::new([99, 0, 0, 1].into(), 1000);
        let dst = SocketAddrV4::new([20, 0, 0, 1].into(), 8090);
        let bytes = introduction_request(&id, CommunityId::DISCOVERY, src, dst, 7);
        let p = SignedPacket::parse(&bytes).unwrap();
        assert_eq!(p.header.msg_id, 246);
        assert_eq!(p.public_key, id.public_bin());
        let bad = with_bad_signature(bytes.clone());
        assert_eq!(bad.len(), bytes.len());
        assert_ne!(bad, bytes);
    }
}
