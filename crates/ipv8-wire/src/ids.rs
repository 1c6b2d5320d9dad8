//! Message ids of the base `Community` and DiscoveryCommunity, and the names of the deprecated
//! Dispersy ids (PROTOCOL.md §5, §5.9).
//!
//! Ports the id table of upstream `ipv8/community.py` (`CommunityMessageType`-style constants and
//! the `deprecated_messages` list).

/// introduction-request, old style (signed).
pub const INTRODUCTION_REQUEST: u8 = 246;
/// introduction-response, old style (signed).
pub const INTRODUCTION_RESPONSE: u8 = 245;
/// puncture-request, old style (unsigned).
pub const PUNCTURE_REQUEST: u8 = 250;
/// puncture, old style (signed).
pub const PUNCTURE: u8 = 249;
/// introduction-request, new style (signed).
pub const NEW_INTRODUCTION_REQUEST: u8 = 234;
/// introduction-response, new style (signed).
pub const NEW_INTRODUCTION_RESPONSE: u8 = 233;
/// puncture-request, new style (unsigned).
pub const NEW_PUNCTURE_REQUEST: u8 = 232;
/// puncture, new style (signed).
pub const NEW_PUNCTURE: u8 = 231;
/// DiscoveryCommunity similarity-request (signed).
pub const SIMILARITY_REQUEST: u8 = 1;
/// DiscoveryCommunity similarity-response (signed).
pub const SIMILARITY_RESPONSE: u8 = 2;
/// DiscoveryCommunity ping (unsigned).
pub const PING: u8 = 3;
/// DiscoveryCommunity pong (unsigned).
pub const PONG: u8 = 4;

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
    fn deprecated_ids_are_exactly_the_listed_ones() {
        let ids: Vec<u8> = (0..=u8::MAX)
            .filter(|&id| deprecated_name(id).is_some())
            .collect();
        let mut expected: Vec<u8> = (235..=244).chain([247, 248]).chain(251..=255).collect();
        expected.sort_unstable();
        assert_eq!(ids, expected);
    }
}
