//! `ipv8-wire`: the py-ipv8 3.2.1 wire format, bytes ↔ typed values, byte-compatible with
//! pyipv8 (see `docs/spec/PROTOCOL.md` §1–3, §5, §11).
//!
//! * [`Reader`] / [`Writer`]: every serialization primitive of §2 (`ipv4`, `ip_address`,
//!   `address`, `bits`, `varlen*`, `arrayH-*`, nested `payload`/`payload-list`, ...).
//! * [`Header`], [`Prefix`], [`CommunityId`]: the 23-byte datagram header.
//! * [`SignedPacket`], [`UnsignedPacket`], [`encode_signed`], [`encode_unsigned`],
//!   [`signature_len`]: the envelopes of §3.
//! * [`payload`]: every discovery message, old and new style, DiscoveryCommunity's extras and
//!   the broadcast beacon, as structs implementing [`Payload`] — all but the beacon declared
//!   with `#[derive(Payload)]`, the same derive overlays use for their own messages.
//! * [`format`](mod@format), [`Field`]: py-ipv8's serializer formats as types, and the default format of
//!   each Rust type (the table is in [`format`](mod@format)).
//! * [`decode_any`]: the dissector, returning a [`Decoded`] with a typed [`Message`] and a
//!   JSON-friendly [`Decoded::fields`] list.
//!
//! Decoding is total: every failure is a [`DecodeError`] naming the field and its absolute byte
//! offset; nothing panics, reads out of bounds or allocates more than the input justifies.
//! Encoding is infallible. The crate does no I/O, no cryptography and no randomness.
//!
//! ```
//! use ipv8_wire::{CommunityId, Message, Ping, Prefix, decode_any, encode_unsigned, ids};
//!
//! let prefix = Prefix::for_community(CommunityId::DISCOVERY);
//! let datagram = encode_unsigned(&prefix, ids::PING, 20, &Ping { identifier: 20 });
//! assert_eq!(datagram.len(), 33);
//!
//! let decoded = decode_any(&datagram)?;
//! assert_eq!(decoded.name, "ping");
//! assert_eq!(decoded.message, Message::Ping(Ping { identifier: 20 }));
//! assert_eq!(decoded.to_bytes(), datagram);
//!
//! let err = decode_any(&datagram[..30]).unwrap_err();
//! assert_eq!(err.to_string(), "field 'global_time' at byte 23: truncated: need 8 bytes, have 7");
//! # Ok::<(), ipv8_wire::DecodeError>(())
//! ```
//!
//! py-ipv8 quirks are kept on the wire and documented, not reproduced in values: notably the
//! introduction-request `advice` bit is stored as sent, while py-ipv8's decoder inverts it (see
//! [`IntroductionRequestFlags`]).

#![warn(missing_docs)]

// Lets `#[derive(Payload)]` name this crate `::ipv8_wire` inside it too.
extern crate self as ipv8_wire;

pub mod address;
mod dissect;
pub mod envelope;
pub mod error;
mod field;
mod fields;
pub mod format;
pub mod header;
pub mod ids;
pub mod payload;
mod reader;
pub mod signature;
mod writer;

pub use address::Address;
pub use dissect::{BEACON_NAME, Decoded, Envelope, MESSAGES, Message, MessageInfo, decode_any};
pub use envelope::{
    SignedPacket, UnsignedPacket, encode_message, encode_signed, encode_signed_into,
    encode_signed_with, encode_unsigned, encode_unsigned_into, encode_unsigned_with,
};
pub use error::{DecodeError, DecodeErrorKind};
pub use field::Field;
pub use fields::FieldValue;
pub use header::{CommunityId, HEADER_LEN, Header, PREFIX_LEN, Prefix, VERSION, to_hex};
/// `#[derive(Payload)]`: see [the derive's documentation](derive@Payload).
pub use ipv8_derive::Payload;
pub use payload::{
    Beacon, BinMemberAuthentication, ConnectionType, GlobalTimeDistribution, IntroductionRequest,
    IntroductionRequestFlags, IntroductionResponse, IntroductionResponseFlags,
    LegacyIntroductionRequest, MessagePayload, NewIntroductionRequest, NewIntroductionResponse,
    NewIntroductionResponseFlags, NewPuncture, NewPunctureRequest, Payload, Ping, Pong, Puncture,
    PunctureRequest, SimilarityRequest, SimilarityRequestFlags, SimilarityResponse, Style,
    decode_exact,
};
pub use reader::Reader;
pub use signature::signature_len;
pub use writer::Writer;
