//! `decode_any`: the dissector behind `ipv8 packet decode` and the fuzz target.
//!
//! Decides from the datagram alone what py-ipv8 3.2.1 would make of it: a broadcast beacon, a
//! base walk message (old or new style), a DiscoveryCommunity message (ids 1–4, only on the
//! DiscoveryCommunity prefix), a deprecated Dispersy id, or an unknown id. Known messages are
//! split into their envelope and decoded into a typed [`Message`]; the others keep their bytes.
//! Every successful result re-encodes to the identical datagram ([`Decoded::to_bytes`]).

use crate::envelope::{SignedPacket, UnsignedPacket};
use crate::error::DecodeError;
use crate::header::{CommunityId, Header, Prefix};
use crate::ids;
use crate::payload::{
    Beacon, IntroductionRequest, IntroductionResponse, LegacyIntroductionRequest, MessagePayload,
    NewIntroductionRequest, NewIntroductionResponse, NewPuncture, NewPunctureRequest, Ping, Pong,
    Puncture, PunctureRequest, SimilarityRequest, SimilarityResponse, Style,
};
use crate::writer::Writer;

/// Dissector name of the broadcast beacon.
pub const BEACON_NAME: &str = "udp-broadcast-announce";

/// A typed message body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// 246.
    IntroductionRequest(IntroductionRequest),
    /// 246 in DiscoveryCommunity's legacy `'Y'` form.
    LegacyIntroductionRequest(LegacyIntroductionRequest),
    /// 245.
    IntroductionResponse(IntroductionResponse),
    /// 250.
    PunctureRequest(PunctureRequest),
    /// 249.
    Puncture(Puncture),
    /// 234.
    NewIntroductionRequest(NewIntroductionRequest),
    /// 233.
    NewIntroductionResponse(NewIntroductionResponse),
    /// 232.
    NewPunctureRequest(NewPunctureRequest),
    /// 231.
    NewPuncture(NewPuncture),
    /// DiscoveryCommunity 1.
    SimilarityRequest(SimilarityRequest),
    /// DiscoveryCommunity 2.
    SimilarityResponse(SimilarityResponse),
    /// DiscoveryCommunity 3.
    Ping(Ping),
    /// DiscoveryCommunity 4.
    Pong(Pong),
    /// UDP broadcast beacon (§5.8).
    Beacon(Beacon),
    /// A deprecated Dispersy id: everything after the message id, undecoded.
    Deprecated {
        /// Bytes after the message id.
        payload: Vec<u8>,
    },
    /// An id this crate does not know: everything after the message id, undecoded.
    Unknown {
        /// Bytes after the message id.
        payload: Vec<u8>,
    },
}

impl Message {
    /// Appends the body: the payload after the envelope header (the whole datagram for a beacon,
    /// everything after the message id for deprecated/unknown ids).
    pub fn encode(&self, w: &mut Writer) {
        use crate::payload::Payload as _;
        match self {
            Self::IntroductionRequest(m) => m.encode(w),
            Self::LegacyIntroductionRequest(m) => m.encode(w),
            Self::IntroductionResponse(m) => m.encode(w),
            Self::PunctureRequest(m) => m.encode(w),
            Self::Puncture(m) => m.encode(w),
            Self::NewIntroductionRequest(m) => m.encode(w),
            Self::NewIntroductionResponse(m) => m.encode(w),
            Self::NewPunctureRequest(m) => m.encode(w),
            Self::NewPuncture(m) => m.encode(w),
            Self::SimilarityRequest(m) => m.encode(w),
            Self::SimilarityResponse(m) => m.encode(w),
            Self::Ping(m) => m.encode(w),
            Self::Pong(m) => m.encode(w),
            Self::Beacon(m) => m.encode(w),
            Self::Deprecated { payload } | Self::Unknown { payload } => w.bytes(payload),
        }
    }
}

/// How the body after the header travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope<'a> {
    /// Signed envelope (key, global time, payload, signature).
    Signed(SignedPacket<'a>),
    /// Unsigned envelope (global time, payload).
    Unsigned(UnsignedPacket<'a>),
    /// No envelope: beacon, deprecated or unknown id.
    None,
}

/// The result of [`decode_any`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// Prefix and message id (`None` for a beacon).
    pub header: Option<Header>,
    /// Dissector name, e.g. `introduction-request`, `new-introduction-response`,
    /// `similarity-request`, `ping`, `udp-broadcast-announce`, a deprecated name, or `unknown`.
    pub name: &'static str,
    /// Old/new layout of base walk messages.
    pub style: Style,
    /// Envelope parts.
    pub envelope: Envelope<'a>,
    /// Typed body.
    pub message: Message,
}

impl Decoded<'_> {
    /// The prefix of the datagram, or the one a beacon announces.
    #[must_use]
    pub fn prefix(&self) -> Prefix {
        match (&self.header, &self.message) {
            (Some(h), _) => h.prefix,
            (None, Message::Beacon(b)) => b.prefix,
            // A decoded datagram without a header is always a beacon.
            (None, _) => Prefix([0; 22]),
        }
    }

    /// The community id of [`Self::prefix`].
    #[must_use]
    pub fn community_id(&self) -> CommunityId {
        self.prefix().community_id()
    }

    /// Message id (byte 22); `None` for a beacon.
    #[must_use]
    pub fn msg_id(&self) -> Option<u8> {
        self.header.map(|h| h.msg_id)
    }

    /// Global time of a signed or unsigned envelope.
    #[must_use]
    pub const fn global_time(&self) -> Option<u64> {
        match self.envelope {
            Envelope::Signed(p) => Some(p.global_time),
            Envelope::Unsigned(p) => Some(p.global_time),
            Envelope::None => None,
        }
    }

    /// Re-encodes the datagram from the decoded parts; always equal to the input of
    /// [`decode_any`].
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        if let Some(h) = &self.header {
            w.bytes(&h.to_bytes());
        }
        match &self.envelope {
            Envelope::Signed(p) => {
                w.varlen_h(p.public_key);
                w.u64(p.global_time);
            }
            Envelope::Unsigned(p) => w.u64(p.global_time),
            Envelope::None => {}
        }
        self.message.encode(&mut w);
        if let Envelope::Signed(p) = &self.envelope {
            w.bytes(p.signature);
        }
        w.into_bytes()
    }
}

/// What the dissector knows about a message: everything comes from its payload declaration
/// (`#[derive(Payload)]` with `#[payload(id = .., signed|unsigned, ..)]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageInfo {
    /// Message id (byte 22).
    pub msg_id: u8,
    /// Dissector name ([`MessagePayload::MESSAGE_NAME`]).
    pub name: &'static str,
    /// py-ipv8 payload class ([`Payload::NAME`](crate::Payload::NAME)).
    pub payload_name: &'static str,
    /// py-ipv8 handler ([`MessagePayload::HANDLER_NAME`]).
    pub handler: &'static str,
    /// Signed or unsigned envelope.
    pub signed: bool,
    /// Old/new base layout.
    pub style: Style,
    /// Whether the id means this message only on the DiscoveryCommunity prefix.
    pub discovery_only: bool,
}

impl MessageInfo {
    /// The row of payload `P`.
    #[must_use]
    pub const fn of<P: MessagePayload>(discovery_only: bool) -> Self {
        Self {
            msg_id: P::MSG_ID,
            name: P::MESSAGE_NAME,
            payload_name: P::NAME,
            handler: P::HANDLER_NAME,
            signed: P::SIGNED,
            style: P::STYLE,
            discovery_only,
        }
    }
}

/// Splits the envelope `P` declares (signed or unsigned) and decodes `P` from it.
fn typed<P: MessagePayload>(
    data: &[u8],
    wrap: impl FnOnce(P) -> Message,
) -> Result<Decoded<'_>, DecodeError> {
    let (header, envelope, payload) = if P::SIGNED {
        let packet = SignedPacket::parse(data)?;
        (
            packet.header,
            Envelope::Signed(packet),
            packet.decode_payload::<P>()?,
        )
    } else {
        let packet = UnsignedPacket::parse(data)?;
        (
            packet.header,
            Envelope::Unsigned(packet),
            packet.decode_payload::<P>()?,
        )
    };
    Ok(Decoded {
        header: Some(header),
        name: P::MESSAGE_NAME,
        style: P::STYLE,
        envelope,
        message: wrap(payload),
    })
}

/// Declares [`MESSAGES`] and the typed dispatch from one list of [`Message`] variants, each
/// named after its payload type; `discovery` marks ids that only mean that message on the
/// DiscoveryCommunity prefix.
macro_rules! known_messages {
    ($($ty:ident $(if $discovery:ident)?),+ $(,)?) => {
        /// Every message [`decode_any`] decodes into a typed body, in dispatch order (the
        /// legacy `'Y'` 246 first: on the DiscoveryCommunity prefix it is tried before the
        /// normal form).
        pub const MESSAGES: &[MessageInfo] = &[
            MessageInfo::of::<LegacyIntroductionRequest>(true),
            $(MessageInfo::of::<$ty>(known_messages!(@discovery $($discovery)?))),+
        ];

        /// Decodes a known id (other than the DiscoveryCommunity's legacy 246), or `None`.
        fn dispatch(data: &[u8], id: u8, discovery: bool) -> Option<Result<Decoded<'_>, DecodeError>> {
            $(
                let discovery_only = known_messages!(@discovery $($discovery)?);
                if id == <$ty as MessagePayload>::MSG_ID && (discovery || !discovery_only) {
                    return Some(typed(data, Message::$ty));
                }
            )+
            None
        }
    };
    (@discovery discovery) => { true };
    (@discovery) => { false };
}

known_messages! {
    IntroductionRequest,
    IntroductionResponse,
    PunctureRequest,
    Puncture,
    NewIntroductionRequest,
    NewIntroductionResponse,
    NewPunctureRequest,
    NewPuncture,
    SimilarityRequest if discovery,
    SimilarityResponse if discovery,
    Ping if discovery,
    Pong if discovery,
}

/// DiscoveryCommunity's 246 handling: try the legacy `'Y'` form first, then the normal one.
fn discovery_introduction_request(data: &[u8]) -> Result<Decoded<'_>, DecodeError> {
    let packet = SignedPacket::parse(data)?;
    let (name, message) = match packet.decode_payload::<LegacyIntroductionRequest>() {
        Ok(legacy) => (
            LegacyIntroductionRequest::MESSAGE_NAME,
            Message::LegacyIntroductionRequest(legacy),
        ),
        Err(_) => (
            IntroductionRequest::MESSAGE_NAME,
            Message::IntroductionRequest(packet.decode_payload()?),
        ),
    };
    Ok(Decoded {
        header: Some(packet.header),
        name,
        style: LegacyIntroductionRequest::STYLE,
        envelope: Envelope::Signed(packet),
        message,
    })
}

/// Dissects one datagram.
///
/// * A datagram starting with the beacon header is a [`Beacon`] (exactly 29 bytes).
/// * Otherwise the 23-byte header is read; the ids of [`MESSAGES`] are decoded with the
///   envelope their payload declares (246/245/250/249/234/233/232/231 everywhere, 1–4 only when
///   the community id is DiscoveryCommunity's, where 246 is also tried in the legacy `'Y'` form
///   first, as py-ipv8 does).
/// * Deprecated Dispersy ids and all other ids give a raw payload (`Envelope::None`).
///
/// Errors name the field and its absolute offset. Never panics.
pub fn decode_any(data: &[u8]) -> Result<Decoded<'_>, DecodeError> {
    if Beacon::is_beacon(data) {
        return Ok(Decoded {
            header: None,
            name: BEACON_NAME,
            style: Style::None,
            envelope: Envelope::None,
            message: Message::Beacon(Beacon::parse(data)?),
        });
    }
    let header = Header::parse(data)?;
    let discovery = header.prefix.community_id() == CommunityId::DISCOVERY;
    if discovery && header.msg_id == LegacyIntroductionRequest::MSG_ID {
        return discovery_introduction_request(data);
    }
    if let Some(decoded) = dispatch(data, header.msg_id, discovery) {
        return decoded;
    }
    let payload = data
        .get(crate::header::HEADER_LEN..)
        .unwrap_or_default()
        .to_vec();
    let (name, message) = match ids::deprecated_name(header.msg_id) {
        Some(name) => (name, Message::Deprecated { payload }),
        None => ("unknown", Message::Unknown { payload }),
    };
    Ok(Decoded {
        header: Some(header),
        name,
        style: Style::None,
        envelope: Envelope::None,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::encode_unsigned;

    #[test]
    fn discovery_ids_need_the_discovery_prefix() {
        let ping = Ping { identifier: 1 };
        let disc = encode_unsigned(&Prefix::for_community(CommunityId::DISCOVERY), 3, 5, &ping);
        let d = decode_any(&disc).unwrap();
        assert_eq!((d.name, d.message.clone()), ("ping", Message::Ping(ping)));
        let other = encode_unsigned(&Prefix::for_community(CommunityId([1; 20])), 3, 5, &ping);
        let d = decode_any(&other).unwrap();
        assert_eq!(d.name, "unknown");
        assert_eq!(d.envelope, Envelope::None);
        assert_eq!(d.to_bytes(), other);
    }

    #[test]
    fn deprecated_ids_are_named() {
        let mut data = Prefix::for_community(CommunityId([1; 20])).0.to_vec();
        data.extend([248, 1, 2]);
        let d = decode_any(&data).unwrap();
        assert_eq!(d.name, "identity");
        assert_eq!(
            d.message,
            Message::Deprecated {
                payload: vec![1, 2]
            }
        );
        assert_eq!(d.to_bytes(), data);
    }

    #[test]
    fn message_table_comes_from_the_declarations() {
        let rows: Vec<_> = MESSAGES
            .iter()
            .map(|m| (m.msg_id, m.name, m.handler, m.signed, m.discovery_only))
            .collect();
        assert_eq!(
            rows,
            [
                (
                    246,
                    "discovery-introduction-request",
                    "on_old_introduction_request",
                    true,
                    true
                ),
                (
                    246,
                    "introduction-request",
                    "on_old_introduction_request",
                    true,
                    false
                ),
                (
                    245,
                    "introduction-response",
                    "on_old_introduction_response",
                    true,
                    false
                ),
                (
                    250,
                    "puncture-request",
                    "on_old_puncture_request",
                    false,
                    false
                ),
                (249, "puncture", "on_puncture", true, false),
                (
                    234,
                    "new-introduction-request",
                    "on_new_introduction_request",
                    true,
                    false
                ),
                (
                    233,
                    "new-introduction-response",
                    "on_new_introduction_response",
                    true,
                    false
                ),
                (
                    232,
                    "new-puncture-request",
                    "on_new_puncture_request",
                    false,
                    false
                ),
                (231, "new-puncture", "on_new_puncture", true, false),
                (1, "similarity-request", "on_similarity_request", true, true),
                (
                    2,
                    "similarity-response",
                    "on_similarity_response",
                    true,
                    true
                ),
                (3, "ping", "on_ping", false, true),
                (4, "pong", "on_pong", false, true),
            ]
        );
        assert_eq!(MESSAGES[1].payload_name, "IntroductionRequestPayload");
        assert_eq!(MESSAGES[5].style, Style::New);
    }

    #[test]
    fn header_only_is_truncated() {
        assert!(decode_any(&[0u8; 22]).is_err());
        assert!(decode_any(&[]).is_err());
    }
}
