//! Signed and unsigned message envelopes (docs/spec/PROTOCOL.md §3.2–3.4).
//!
//! Ports the framing of upstream `ipv8/lazy_community.py` (`_ez_pack`, `_ez_unpack_auth`,
//! `_ez_unpack_noauth`):
//!
//! ```text
//! signed:   prefix(22) ‖ msg_id ‖ varlenH public key ‖ [Q global time] ‖ payload ‖ signature
//! unsigned: prefix(22) ‖ msg_id ‖ [Q global time] ‖ payload
//! ```
//!
//! The global time (`GlobalTimeDistributionPayload`) is there for the walk and DiscoveryCommunity
//! messages and absent for messages packed by py-ipv8's `ez_send` (every application overlay's
//! messages); [`crate::MessagePayload::GLOBAL_TIME`] says which. The `*_with` functions take it
//! as an `Option`.
//!
//! The signature covers every byte before it; its length comes from the key
//! ([`signature_len`]). This module neither signs nor verifies: callers pass a signing closure
//! and verify `signature` over `signed_part` with `ipv8-crypto`.

use crate::error::{DecodeError, DecodeErrorKind};
use crate::header::{HEADER_LEN, Header, Prefix};
use crate::payload::{MessagePayload, Payload, decode_exact};
use crate::reader::Reader;
use crate::signature::signature_len;
use crate::writer::Writer;

/// Length of the global-time field.
const GLOBAL_TIME_LEN: usize = 8;

/// A parsed signed datagram; every slice borrows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedPacket<'a> {
    /// Prefix and message id.
    pub header: Header,
    /// The sender's serialized public key (`BinMemberAuthenticationPayload`).
    pub public_key: &'a [u8],
    /// The sender's global time (`GlobalTimeDistributionPayload`).
    pub global_time: u64,
    /// The message payload, between the global time and the signature.
    pub payload: &'a [u8],
    /// Everything before the signature: the bytes that are signed.
    pub signed_part: &'a [u8],
    /// The trailing signature (length implied by the key).
    pub signature: &'a [u8],
}

impl<'a> SignedPacket<'a> {
    /// Splits a signed datagram. Fails with `Truncated` (including for datagrams of 22 or 23
    /// bytes), or `BadKey` when the key implies no signature length. The payload itself is not
    /// decoded; see [`Self::decode_payload`].
    pub fn parse(data: &'a [u8]) -> Result<Self, DecodeError> {
        Self::parse_with(data, true)
    }

    /// Splits a signed datagram that carries a global time after the key (`with_global_time`,
    /// as [`Self::parse`]) or none (py-ipv8 `ez_send`; `global_time` is then 0).
    pub fn parse_with(data: &'a [u8], with_global_time: bool) -> Result<Self, DecodeError> {
        let header = Header::parse(data)?;
        let mut r = Reader::with_offset(data.get(HEADER_LEN..).unwrap_or_default(), HEADER_LEN);
        let key_offset = r.offset();
        let public_key = r.varlen_h("public_key_bin")?;
        let sig_len = signature_len(public_key).ok_or_else(|| {
            DecodeError::new("public_key_bin", key_offset, DecodeErrorKind::BadKey)
        })?;
        let key_end = r.offset();
        let body_end = data
            .len()
            .checked_sub(sig_len)
            .filter(|&end| end >= key_end)
            .ok_or_else(|| {
                DecodeError::new(
                    "signature",
                    key_end,
                    DecodeErrorKind::Truncated {
                        need: sig_len,
                        have: data.len().saturating_sub(key_end),
                    },
                )
            })?;
        let body = data.get(key_end..body_end).unwrap_or_default();
        let mut r = Reader::with_offset(body, key_end);
        let global_time = if with_global_time {
            r.u64("global_time")?
        } else {
            0
        };
        Ok(Self {
            header,
            public_key,
            global_time,
            payload: r.peek_rest(),
            signed_part: data.get(..body_end).unwrap_or_default(),
            signature: data.get(body_end..).unwrap_or_default(),
        })
    }

    /// Absolute offset of the first payload byte.
    #[must_use]
    pub const fn payload_offset(&self) -> usize {
        self.signed_part.len() - self.payload.len()
    }

    /// A reader over the payload with absolute offsets.
    #[must_use]
    pub const fn payload_reader(&self) -> Reader<'a> {
        Reader::with_offset(self.payload, self.payload_offset())
    }

    /// Decodes the payload as `P`, rejecting leftover bytes.
    pub fn decode_payload<P: Payload>(&self) -> Result<P, DecodeError> {
        decode_exact(self.payload, self.payload_offset())
    }
}

/// A parsed unsigned datagram (puncture-requests, ping, pong).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsignedPacket<'a> {
    /// Prefix and message id.
    pub header: Header,
    /// The sender's global time.
    pub global_time: u64,
    /// Everything after the global time.
    pub payload: &'a [u8],
    /// Absolute offset of `payload`.
    offset: usize,
}

impl<'a> UnsignedPacket<'a> {
    /// Offset of the first payload byte.
    pub const PAYLOAD_OFFSET: usize = HEADER_LEN + GLOBAL_TIME_LEN;

    /// Splits an unsigned datagram; fails with `Truncated` if header or global time is cut.
    pub fn parse(data: &'a [u8]) -> Result<Self, DecodeError> {
        Self::parse_with(data, true)
    }

    /// Splits an unsigned datagram with a global time (`with_global_time`, as [`Self::parse`])
    /// or without one (py-ipv8 `ez_send(sig=False)`; `global_time` is then 0).
    pub fn parse_with(data: &'a [u8], with_global_time: bool) -> Result<Self, DecodeError> {
        let header = Header::parse(data)?;
        let mut r = Reader::with_offset(data.get(HEADER_LEN..).unwrap_or_default(), HEADER_LEN);
        let global_time = if with_global_time {
            r.u64("global_time")?
        } else {
            0
        };
        Ok(Self {
            header,
            global_time,
            offset: r.offset(),
            payload: r.peek_rest(),
        })
    }

    /// Absolute offset of the first payload byte.
    #[must_use]
    pub const fn payload_offset(&self) -> usize {
        self.offset
    }

    /// A reader over the payload with absolute offsets.
    #[must_use]
    pub const fn payload_reader(&self) -> Reader<'a> {
        Reader::with_offset(self.payload, self.payload_offset())
    }

    /// Decodes the payload as `P`, rejecting leftover bytes.
    pub fn decode_payload<P: Payload>(&self) -> Result<P, DecodeError> {
        decode_exact(self.payload, self.payload_offset())
    }
}

/// Builds a signed datagram: `prefix ‖ msg_id ‖ varlenH key ‖ Q global_time ‖ payload`, then
/// appends `sign(those bytes)`.
///
/// # Panics
/// If `key_bin` is longer than 65 535 bytes.
pub fn encode_signed<P: Payload>(
    prefix: &Prefix,
    msg_id: u8,
    key_bin: &[u8],
    global_time: u64,
    payload: &P,
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
) -> Vec<u8> {
    encode_signed_with(prefix, msg_id, key_bin, Some(global_time), payload, sign)
}

/// [`encode_signed`] with an optional global time (`None`: py-ipv8 `ez_send` layout).
///
/// # Panics
/// If `key_bin` is longer than 65 535 bytes.
pub fn encode_signed_with<P: Payload>(
    prefix: &Prefix,
    msg_id: u8,
    key_bin: &[u8],
    global_time: Option<u64>,
    payload: &P,
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
) -> Vec<u8> {
    let buf = Vec::with_capacity(HEADER_LEN + 2 + key_bin.len() + GLOBAL_TIME_LEN + 128);
    encode_signed_into(
        buf,
        prefix,
        msg_id,
        key_bin,
        global_time,
        payload,
        |datagram| {
            let signature = sign(datagram);
            datagram.extend_from_slice(&signature);
        },
    )
}

/// [`encode_signed_with`] into `buf` (cleared first), with a signer that appends the signature
/// of the bytes so far to them: a sender that reuses the buffers of sent datagrams, and signs
/// into them, encodes without allocating once they have grown.
///
/// # Panics
/// If `key_bin` is longer than 65 535 bytes.
pub fn encode_signed_into<P: Payload>(
    mut buf: Vec<u8>,
    prefix: &Prefix,
    msg_id: u8,
    key_bin: &[u8],
    global_time: Option<u64>,
    payload: &P,
    append_signature: impl FnOnce(&mut Vec<u8>),
) -> Vec<u8> {
    buf.clear();
    let mut w = Writer::from_vec(buf);
    w.bytes(prefix.as_bytes());
    w.u8(msg_id);
    w.varlen_h(key_bin);
    if let Some(t) = global_time {
        w.u64(t);
    }
    payload.encode(&mut w);
    let mut datagram = w.into_bytes();
    append_signature(&mut datagram);
    datagram
}

/// Builds an unsigned datagram: `prefix ‖ msg_id ‖ Q global_time ‖ payload`.
pub fn encode_unsigned<P: Payload>(
    prefix: &Prefix,
    msg_id: u8,
    global_time: u64,
    payload: &P,
) -> Vec<u8> {
    encode_unsigned_with(prefix, msg_id, Some(global_time), payload)
}

/// [`encode_unsigned`] with an optional global time (`None`: py-ipv8 `ez_send(sig=False)`).
pub fn encode_unsigned_with<P: Payload>(
    prefix: &Prefix,
    msg_id: u8,
    global_time: Option<u64>,
    payload: &P,
) -> Vec<u8> {
    let buf = Vec::with_capacity(UnsignedPacket::PAYLOAD_OFFSET + 64);
    encode_unsigned_into(buf, prefix, msg_id, global_time, payload)
}

/// [`encode_unsigned_with`] into `buf` (cleared first), as [`encode_signed_into`].
pub fn encode_unsigned_into<P: Payload>(
    mut buf: Vec<u8>,
    prefix: &Prefix,
    msg_id: u8,
    global_time: Option<u64>,
    payload: &P,
) -> Vec<u8> {
    buf.clear();
    let mut w = Writer::from_vec(buf);
    w.bytes(prefix.as_bytes());
    w.u8(msg_id);
    if let Some(t) = global_time {
        w.u64(t);
    }
    payload.encode(&mut w);
    w.into_bytes()
}

/// [`encode_signed`] or [`encode_unsigned`] as the message type requires, with its own id;
/// `global_time` is written only when the type carries one ([`MessagePayload::GLOBAL_TIME`]).
/// `key_bin` and `sign` are only used for signed messages.
///
/// # Panics
/// If `key_bin` is longer than 65 535 bytes.
pub fn encode_message<P: MessagePayload>(
    prefix: &Prefix,
    key_bin: &[u8],
    global_time: u64,
    payload: &P,
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
) -> Vec<u8> {
    let global_time = P::GLOBAL_TIME.then_some(global_time);
    if P::SIGNED {
        encode_signed_with(prefix, P::MSG_ID, key_bin, global_time, payload, sign)
    } else {
        encode_unsigned_with(prefix, P::MSG_ID, global_time, payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::CommunityId;
    use crate::payload::Ping;

    fn key() -> Vec<u8> {
        let mut k = b"LibNaCLPK:".to_vec();
        k.resize(74, 0xab);
        k
    }

    #[test]
    fn signed_round_trip_and_slices() {
        let prefix = Prefix::for_community(CommunityId::DISCOVERY);
        let ping = Ping { identifier: 7 };
        let bytes = encode_signed(&prefix, 3, &key(), 9, &ping, |signed| {
            assert_eq!(signed.len(), 23 + 2 + 74 + 8 + 2);
            vec![0x55; 64]
        });
        let p = SignedPacket::parse(&bytes).unwrap();
        assert_eq!(p.header.msg_id, 3);
        assert_eq!(p.global_time, 9);
        assert_eq!(p.signature, &[0x55; 64][..]);
        assert_eq!(p.signed_part, &bytes[..bytes.len() - 64]);
        assert_eq!(p.payload_offset(), 107);
        assert_eq!(p.decode_payload::<Ping>().unwrap(), ping);
    }

    #[test]
    fn short_signed_packets_fail() {
        let prefix = Prefix::for_community(CommunityId::DISCOVERY);
        let bytes = encode_signed(&prefix, 3, &key(), 9, &Ping::default(), |_| vec![0; 64]);
        for len in 0..107 + 64 {
            assert!(SignedPacket::parse(&bytes[..len]).is_err(), "len {len}");
        }
        let mut bad_key = bytes.clone();
        bad_key[25] = b'X';
        assert_eq!(
            SignedPacket::parse(&bad_key).unwrap_err().kind,
            DecodeErrorKind::BadKey
        );
    }

    #[test]
    fn unsigned_layout() {
        let prefix = Prefix::for_community(CommunityId::DISCOVERY);
        let bytes = encode_unsigned(&prefix, 4, 60, &Ping { identifier: 20 });
        assert_eq!(bytes.len(), 33);
        let p = UnsignedPacket::parse(&bytes).unwrap();
        assert_eq!((p.global_time, p.payload), (60, &[0, 20][..]));
        assert_eq!(
            UnsignedPacket::parse(&bytes[..30]).unwrap_err().field,
            "global_time"
        );
    }
}
