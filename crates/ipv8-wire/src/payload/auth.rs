//! Header payloads of the signed/unsigned envelopes (docs/spec/PROTOCOL.md §3.1).
//!
//! Ports upstream `ipv8/messaging/payload_headers.py`.

use crate::Payload;

/// `BinMemberAuthenticationPayload`: the sender's serialized public key as `varlenH`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Payload)]
#[payload(name = "BinMemberAuthenticationPayload")]
pub struct BinMemberAuthentication {
    /// Serialized public key (`LibNaCLPK:` ‖ 64 bytes, or DER).
    pub public_key_bin: Vec<u8>,
}

/// `GlobalTimeDistributionPayload`: the sender's Lamport clock as `Q`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Payload)]
#[payload(name = "GlobalTimeDistributionPayload")]
pub struct GlobalTimeDistribution {
    /// Global time (first message of a key is 1).
    pub global_time: u64,
}
