//! Header payloads of the signed/unsigned envelopes (PROTOCOL.md §3.1).
//!
//! Ports upstream `ipv8/messaging/payload_headers.py`.

use crate::error::DecodeError;
use crate::payload::Payload;
use crate::reader::Reader;
use crate::writer::Writer;

/// `BinMemberAuthenticationPayload`: the sender's serialized public key as `varlenH`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct BinMemberAuthentication {
    /// Serialized public key (`LibNaCLPK:` ‖ 64 bytes, or DER).
    pub public_key_bin: Vec<u8>,
}

impl Payload for BinMemberAuthentication {
    const NAME: &'static str = "BinMemberAuthenticationPayload";

    fn encode(&self, w: &mut Writer) {
        w.varlen_h(&self.public_key_bin);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            public_key_bin: r.varlen_h("public_key_bin")?.to_vec(),
        })
    }
}

/// `GlobalTimeDistributionPayload`: the sender's Lamport clock as `Q`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GlobalTimeDistribution {
    /// Global time (first message of a key is 1).
    pub global_time: u64,
}

impl Payload for GlobalTimeDistribution {
    const NAME: &'static str = "GlobalTimeDistributionPayload";

    fn encode(&self, w: &mut Writer) {
        w.u64(self.global_time);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            global_time: r.u64("global_time")?,
        })
    }
}
