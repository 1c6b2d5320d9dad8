//! Message ids of the base `Community` and DiscoveryCommunity, and the names of the deprecated
//! Dispersy ids (docs/spec/PROTOCOL.md §5, §5.9).
//!
//! Ports the id table of upstream `ipv8/community.py` (`CommunityMessageType`-style constants and
//! the `deprecated_messages` list). The ids of typed messages are their payloads'
//! [`MessagePayload::MSG_ID`], declared once with `#[derive(Payload)]`.

use crate::payload::{
    IntroductionRequest, IntroductionResponse, MessagePayload, NewIntroductionRequest,
    NewIntroductionResponse, NewPuncture, NewPunctureRequest, Ping, Pong, Puncture,
    PunctureRequest, SimilarityRequest, SimilarityResponse,
};

/// introduction-request, old style (signed).
pub const INTRODUCTION_REQUEST: u8 = IntroductionRequest::MSG_ID;
/// introduction-response, old style (signed).
pub const INTRODUCTION_RESPONSE: u8 = IntroductionResponse::MSG_ID;
/// puncture-request, old style (unsigned).
pub const PUNCTURE_REQUEST: u8 = PunctureRequest::MSG_ID;
/// puncture, old style (signed).
pub const PUNCTURE: u8 = Puncture::MSG_ID;
/// introduction-request, new style (signed).
pub const NEW_INTRODUCTION_REQUEST: u8 = NewIntroductionRequest::MSG_ID;
/// introduction-response, new style (signed).
pub const NEW_INTRODUCTION_RESPONSE: u8 = NewIntroductionResponse::MSG_ID;
/// puncture-request, new style (unsigned).
pub const NEW_PUNCTURE_REQUEST: u8 = NewPunctureRequest::MSG_ID;
/// puncture, new style (signed).
pub const NEW_PUNCTURE: u8 = NewPuncture::MSG_ID;
/// DiscoveryCommunity similarity-request (signed).
pub const SIMILARITY_REQUEST: u8 = SimilarityRequest::MSG_ID;
/// DiscoveryCommunity similarity-response (signed).
pub const SIMILARITY_RESPONSE: u8 = SimilarityResponse::MSG_ID;
/// DiscoveryCommunity ping (unsigned).
pub const PING: u8 = Ping::MSG_ID;
/// DiscoveryCommunity pong (unsigned).
pub const PONG: u8 = Pong::MSG_ID;

/// Name of a deprecated Dispersy message id (235–244, 247, 248, 251–255), which py-ipv8 only
/// logs; `None` for every other id.
#[must_use]
pub const fn deprecated_name(id: u8) -> Option<&'static str> {
    Some(match id {
        255 => "reserved",
        254 => "missing-sequence",
        253 => "missing-proof",
        252 => "signature-request",
        251 => "signature-response",
        248 => "identity",
        247 => "missing-identity",
        244 => "destroy-community",
        243 => "authorize",
        242 => "revoke",
        241 => "subjective-set",
        240 => "missing-subjective-set",
        239 => "missing-message",
        238 => "undo-own",
        237 => "undo-other",
        236 => "dynamic-settings",
        235 => "missing-last-message",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_py_ipv8s() {
        assert_eq!(
            [
                INTRODUCTION_REQUEST,
                INTRODUCTION_RESPONSE,
                PUNCTURE_REQUEST,
                PUNCTURE
            ],
            [246, 245, 250, 249]
        );
        assert_eq!(
            [
                NEW_INTRODUCTION_REQUEST,
                NEW_INTRODUCTION_RESPONSE,
                NEW_PUNCTURE_REQUEST,
                NEW_PUNCTURE
            ],
            [234, 233, 232, 231]
        );
        assert_eq!(
            [SIMILARITY_REQUEST, SIMILARITY_RESPONSE, PING, PONG],
            [1, 2, 3, 4]
        );
    }

    #[test]
    fn deprecated_ids_are_exactly_the_listed_ones() {
        let ids: Vec<u8> = (0..=u8::MAX)
            .filter(|&id| deprecated_name(id).is_some())
            .collect();
        let mut expected: Vec<u8> = (235..=244).chain([247, 248]).chain(251..=255).collect();
        expected.sort_unstable();
        assert_eq!(ids, expected);
    }
}
