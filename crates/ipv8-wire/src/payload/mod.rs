//! Typed payloads: the [`Payload`] trait and every message body of docs/spec/PROTOCOL.md §3.1 and
//! §5.
//!
//! Ports upstream `ipv8/messaging/payload.py`, `ipv8/messaging/payload_headers.py` and
//! `ipv8/peerdiscovery/payload.py`. Field names follow py-ipv8. Decoding a payload reads its
//! fields from a [`Reader`]; whether bytes may follow is the caller's decision (see
//! [`decode_exact`]), because py-ipv8 checks leftovers only after the whole payload list.

mod auth;
mod beacon;
mod discovery;
mod flags;
mod introduction;
mod puncture;

pub use auth::{BinMemberAuthentication, GlobalTimeDistribution};
pub use beacon::{BEACON_HEADER, BEACON_LEN, Beacon};
pub use discovery::{Ping, Pong, SimilarityRequest, SimilarityResponse};
pub use flags::{
    ConnectionType, IntroductionRequestFlags, IntroductionResponseFlags,
    NewIntroductionResponseFlags, SimilarityRequestFlags,
};
pub use introduction::{
    IntroductionRequest, IntroductionResponse, LEGACY_INTRODUCTION_REQUEST_MIN_LEN,
    LegacyIntroductionRequest, NewIntroductionRequest, NewIntroductionResponse,
};
pub use puncture::{NewPuncture, NewPunctureRequest, Puncture, PunctureRequest};

use crate::error::DecodeError;
use crate::reader::Reader;
use crate::writer::Writer;

/// A serializable payload: a fixed sequence of py-ipv8 formats.
///
/// Declare one with `#[derive(Payload)]` (see [`derive@crate::Payload`]); implementing it by
/// hand is for layouts that are not a field list (e.g. the [`Beacon`] with its magic bytes).
pub trait Payload: Sized {
    /// py-ipv8 class name, e.g. `IntroductionRequestPayload`.
    const NAME: &'static str;

    /// Appends the serialization.
    fn encode(&self, w: &mut Writer);

    /// Reads the fields from `r`, leaving any bytes after the last field unread.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;

    /// The serialization as a new vector.
    fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode(&mut w);
        w.into_bytes()
    }
}

/// Whether a message uses the old (246/245/250/249) or new (234/233/232/231) base layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    /// Old style: untagged `ipv4` addresses, flags before the identifier.
    Old,
    /// New style: tagged `ip_address` addresses, identifier before the flags.
    New,
    /// Not a base walk message (DiscoveryCommunity extras, beacon, unknown ids).
    None,
}

impl Style {
    /// `"old"`, `"new"` or `"none"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Old => "old",
            Self::New => "new",
            Self::None => "none",
        }
    }
}

/// A community message body: a payload with a message id and an envelope kind.
///
/// `#[derive(Payload)]` implements it when the struct says `#[payload(id = N, signed)]` (or
/// `unsigned`).
pub trait MessagePayload: Payload {
    /// The message id (byte 22).
    const MSG_ID: u8;
    /// Dissector name, e.g. `introduction-request`.
    const MESSAGE_NAME: &'static str;
    /// Whether the message travels in a signed envelope (§3.2) or an unsigned one (§3.3).
    const SIGNED: bool;
    /// py-ipv8's handler method, e.g. `on_old_introduction_request`: REST statistics name the
    /// message `"<MSG_ID>:<HANDLER_NAME>"`.
    const HANDLER_NAME: &'static str;
    /// Old/new base layout.
    const STYLE: Style;
    /// Whether a `GlobalTimeDistributionPayload` (`Q` global time) precedes the payload. The
    /// walk and DiscoveryCommunity messages carry one (`#[payload(global_time)]`); messages sent
    /// with py-ipv8's `ez_send` (and so every payload of an application overlay) do not.
    const GLOBAL_TIME: bool = false;
}

/// Decodes `P` from `buf` (which starts at byte `offset` of its datagram) and rejects leftover
/// bytes with `TrailingBytes`.
pub fn decode_exact<P: Payload>(buf: &[u8], offset: usize) -> Result<P, DecodeError> {
    let mut r = Reader::with_offset(buf, offset);
    let value = P::decode(&mut r)?;
    r.finish(P::NAME)?;
    Ok(value)
}
