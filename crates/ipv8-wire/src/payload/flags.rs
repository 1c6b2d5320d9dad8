//! Flag bytes (`bits`) of the walk and similarity messages, and the 2-bit connection type
//! (docs/spec/PROTOCOL.md §5.1, §5.2, §5.5, §5.6, §5.9).
//!
//! Every struct covers all eight bits: the bits py-ipv8 gives a meaning become named booleans,
//! the rest (py-ipv8's `dflagN`/`flagN`) are kept verbatim in `unused_bits`, so
//! `from_byte(b).to_byte() == b` for every byte.
//!
//! **Advice bit:** [`IntroductionRequestFlags::advice`] is the value *on the wire* (py-ipv8 sends
//! 1). py-ipv8's decoder inverts it (`[True, False][advice]`: wire 1 → `advice=False`); nothing in
//! the base protocol reads the decoded value. This crate does not reproduce the inversion.

use crate::Field;
use crate::format::{Bits, FlagByte};

/// Connection type: bits `0x80` (`connection_type_0`) and `0x40` (`connection_type_1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ConnectionType {
    /// `0,0`: what py-ipv8 sends.
    #[default]
    Unknown,
    /// `1,0`.
    Public,
    /// `1,1`.
    SymmetricNat,
    /// `0,1`: not defined; py-ipv8 decodes it as `N/A`.
    NotApplicable,
}

impl ConnectionType {
    /// From `connection_type_0` (bit `0x80`) and `connection_type_1` (bit `0x40`).
    #[must_use]
    pub const fn from_bits(bit0: bool, bit1: bool) -> Self {
        match (bit0, bit1) {
            (false, false) => Self::Unknown,
            (true, false) => Self::Public,
            (true, true) => Self::SymmetricNat,
            (false, true) => Self::NotApplicable,
        }
    }

    /// `(connection_type_0, connection_type_1)`.
    #[must_use]
    pub const fn bits(self) -> (bool, bool) {
        match self {
            Self::Unknown => (false, false),
            Self::Public => (true, false),
            Self::SymmetricNat => (true, true),
            Self::NotApplicable => (false, true),
        }
    }

    /// From the top two bits of a flag byte.
    #[must_use]
    pub const fn from_byte(b: u8) -> Self {
        Self::from_bits(b & 0x80 != 0, b & 0x40 != 0)
    }

    /// The top two bits of a flag byte (`0x80`/`0x40`), other bits zero.
    #[must_use]
    pub const fn to_byte(self) -> u8 {
        let (b0, b1) = self.bits();
        (if b0 { 0x80 } else { 0 }) | (if b1 { 0x40 } else { 0 })
    }

    /// py-ipv8's string: `unknown`, `public`, `symmetric-NAT` or `N/A`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Public => "public",
            Self::SymmetricNat => "symmetric-NAT",
            Self::NotApplicable => "N/A",
        }
    }
}

const fn bit(b: u8, mask: u8) -> bool {
    b & mask != 0
}

const fn set(on: bool, mask: u8) -> u8 {
    if on { mask } else { 0 }
}

/// Flags of introduction-request 246 (and its legacy form) and 234.
///
/// Bits: `0x80`/`0x40` connection type, `0x20` supports_new_style, `0x10` dflag1, `0x08` dflag2,
/// `0x04` tunnel, `0x02` sync, `0x01` advice. py-ipv8 sends `0x01` in 246 and `0x00` in 234.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct IntroductionRequestFlags {
    /// Bits `0x80`/`0x40`.
    pub connection_type: ConnectionType,
    /// `0x20`: the sender understands the new-style messages.
    pub supports_new_style: bool,
    /// `0x04`.
    pub tunnel: bool,
    /// `0x02`.
    pub sync: bool,
    /// `0x01`, as on the wire (py-ipv8 decodes it inverted, see the module docs).
    pub advice: bool,
    /// Bits without meaning (`0x10` dflag1, `0x08` dflag2), kept verbatim.
    pub unused_bits: u8,
}

impl IntroductionRequestFlags {
    /// Mask of the bits stored in `unused_bits`.
    pub const UNUSED_MASK: u8 = 0x18;

    /// What py-ipv8 3.2.1 puts in an old-style 246: advice on, everything else off (`0x01`).
    #[must_use]
    pub fn py_ipv8_old_style() -> Self {
        Self {
            advice: true,
            ..Self::default()
        }
    }

    /// Splits a flag byte into named bits.
    #[must_use]
    pub const fn from_byte(b: u8) -> Self {
        Self {
            connection_type: ConnectionType::from_byte(b),
            supports_new_style: bit(b, 0x20),
            tunnel: bit(b, 0x04),
            sync: bit(b, 0x02),
            advice: bit(b, 0x01),
            unused_bits: b & Self::UNUSED_MASK,
        }
    }

    /// The flag byte.
    #[must_use]
    pub const fn to_byte(self) -> u8 {
        self.connection_type.to_byte()
            | set(self.supports_new_style, 0x20)
            | set(self.tunnel, 0x04)
            | set(self.sync, 0x02)
            | set(self.advice, 0x01)
            | (self.unused_bits & Self::UNUSED_MASK)
    }
}

/// Flags of introduction-response 245.
///
/// Bits: `0x80`/`0x40` connection type, `0x20` dflag0, `0x10` supports_new_style, `0x08`
/// intro_supports_new_style, `0x04` peer_limit_reached, `0x02` dflag4, `0x01` dflag5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct IntroductionResponseFlags {
    /// Bits `0x80`/`0x40`.
    pub connection_type: ConnectionType,
    /// `0x10`: the responder understands new-style messages (py-ipv8 always sets it).
    pub supports_new_style: bool,
    /// `0x08`: the introduced peer speaks new style.
    pub intro_supports_new_style: bool,
    /// `0x04`: the responder has at least `max_peers` peers.
    pub peer_limit_reached: bool,
    /// Bits without meaning (`0x20` dflag0, `0x02` dflag4, `0x01` dflag5), kept verbatim.
    pub unused_bits: u8,
}

impl IntroductionResponseFlags {
    /// Mask of the bits stored in `unused_bits`.
    pub const UNUSED_MASK: u8 = 0x23;

    /// Splits a flag byte into named bits.
    #[must_use]
    pub const fn from_byte(b: u8) -> Self {
        Self {
            connection_type: ConnectionType::from_byte(b),
            supports_new_style: bit(b, 0x10),
            intro_supports_new_style: bit(b, 0x08),
            peer_limit_reached: bit(b, 0x04),
            unused_bits: b & Self::UNUSED_MASK,
        }
    }

    /// The flag byte.
    #[must_use]
    pub const fn to_byte(self) -> u8 {
        self.connection_type.to_byte()
            | set(self.supports_new_style, 0x10)
            | set(self.intro_supports_new_style, 0x08)
            | set(self.peer_limit_reached, 0x04)
            | (self.unused_bits & Self::UNUSED_MASK)
    }
}

/// Flags of new-style introduction-response 233: `0x80` intro_supports_new_style, the other
/// seven bits (py-ipv8's `flag1`..`flag7`) unused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NewIntroductionResponseFlags {
    /// `0x80`: the introduced peer speaks new style.
    pub intro_supports_new_style: bool,
    /// Bits `0x7f`, kept verbatim.
    pub unused_bits: u8,
}

impl NewIntroductionResponseFlags {
    /// Mask of the bits stored in `unused_bits`.
    pub const UNUSED_MASK: u8 = 0x7f;

    /// Splits a flag byte into named bits.
    #[must_use]
    pub const fn from_byte(b: u8) -> Self {
        Self {
            intro_supports_new_style: bit(b, 0x80),
            unused_bits: b & Self::UNUSED_MASK,
        }
    }

    /// The flag byte.
    #[must_use]
    pub const fn to_byte(self) -> u8 {
        set(self.intro_supports_new_style, 0x80) | (self.unused_bits & Self::UNUSED_MASK)
    }
}

/// Flags of similarity-request 1: `0x80`/`0x40` connection type, the other six bits
/// (`dflag0`..`dflag5`) unused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SimilarityRequestFlags {
    /// Bits `0x80`/`0x40`.
    pub connection_type: ConnectionType,
    /// Bits `0x3f`, kept verbatim.
    pub unused_bits: u8,
}

impl SimilarityRequestFlags {
    /// Mask of the bits stored in `unused_bits`.
    pub const UNUSED_MASK: u8 = 0x3f;

    /// Splits a flag byte into named bits.
    #[must_use]
    pub const fn from_byte(b: u8) -> Self {
        Self {
            connection_type: ConnectionType::from_byte(b),
            unused_bits: b & Self::UNUSED_MASK,
        }
    }

    /// The flag byte.
    #[must_use]
    pub const fn to_byte(self) -> u8 {
        self.connection_type.to_byte() | (self.unused_bits & Self::UNUSED_MASK)
    }
}

/// `FlagByte` (their `from_byte`/`to_byte`) and `Field` (default format `bits`) for flag structs.
macro_rules! flag_byte {
    ($($ty:ty),+) => {
        $(impl FlagByte for $ty {
            #[inline]
            fn from_byte(byte: u8) -> Self {
                Self::from_byte(byte)
            }
            #[inline]
            fn to_byte(&self) -> u8 {
                Self::to_byte(*self)
            }
        }

        impl Field for $ty {
            type Format = Bits;
        })+
    };
}

flag_byte!(
    IntroductionRequestFlags,
    IntroductionResponseFlags,
    NewIntroductionResponseFlags,
    SimilarityRequestFlags
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips() {
        for b in 0..=u8::MAX {
            assert_eq!(IntroductionRequestFlags::from_byte(b).to_byte(), b);
            assert_eq!(IntroductionResponseFlags::from_byte(b).to_byte(), b);
            assert_eq!(NewIntroductionResponseFlags::from_byte(b).to_byte(), b);
            assert_eq!(SimilarityRequestFlags::from_byte(b).to_byte(), b);
        }
    }

    #[test]
    fn connection_types() {
        assert_eq!(ConnectionType::from_byte(0xa0), ConnectionType::Public);
        assert_eq!(
            ConnectionType::from_byte(0xc1),
            ConnectionType::SymmetricNat
        );
        assert_eq!(ConnectionType::from_byte(0x40).as_str(), "N/A");
        assert_eq!(
            IntroductionRequestFlags::py_ipv8_old_style().to_byte(),
            0x01
        );
    }
}
