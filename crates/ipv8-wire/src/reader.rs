//! `Reader`: a checked cursor over received bytes, one method per py-ipv8 packer format.
//!
//! Ports the *unpack* half of upstream `ipv8/messaging/serialization.py` (§2 of
//! docs/spec/PROTOCOL.md). Every read takes the py-ipv8 field name and either returns the value and
//! advances, or returns a [`DecodeError`] naming that field and its absolute offset, leaving the
//! cursor unchanged. Nothing here panics or indexes out of bounds, and every length read from the
//! wire is checked against the remaining bytes before anything is allocated. Address formats
//! (`ipv4`, `ip_address`, `address`) live in [`crate::address`].

use crate::error::{DecodeError, DecodeErrorKind};
use crate::payload::Payload;

/// Checked big-endian cursor over a byte slice.
///
/// Offsets in errors are `base + position`, where `base` is the offset of the slice within its
/// datagram (0 for [`Reader::new`]).
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over a whole datagram (offsets in errors are relative to `buf`).
    #[must_use]
    pub const fn new(buf: &'a [u8]) -> Self {
        Self::with_offset(buf, 0)
    }

    /// A reader over a slice that starts at byte `base` of its datagram, so that error offsets
    /// stay absolute.
    #[must_use]
    pub const fn with_offset(buf: &'a [u8], base: usize) -> Self {
        Self { buf, pos: 0, base }
    }

    /// Absolute offset of the next byte to be read.
    #[must_use]
    pub const fn offset(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    /// Number of bytes not yet read.
    #[must_use]
    pub const fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Whether every byte has been read.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The bytes not yet read, without consuming them.
    #[must_use]
    pub fn peek_rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// An error for `field` starting at the current position.
    #[must_use]
    pub const fn error(&self, field: &'static str, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(field, self.offset(), kind)
    }

    fn truncated(&self, field: &'static str, need: usize) -> DecodeError {
        self.error(
            field,
            DecodeErrorKind::Truncated {
                need,
                have: self.remaining(),
            },
        )
    }

    /// Succeeds only if every byte was consumed; otherwise `TrailingBytes` at the first unread
    /// byte (py-ipv8 rejects leftovers after a fixed payload list).
    pub fn finish(&self, field: &'static str) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(self.error(field, DecodeErrorKind::TrailingBytes(n))),
        }
    }

    /// Reads exactly `n` raw bytes (the `Ns` formats, or the content of a length-prefixed field).
    pub fn take(&mut self, field: &'static str, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or_else(|| self.truncated(field, n))?;
        let out = self
            .buf
            .get(self.pos..end)
            .ok_or_else(|| self.truncated(field, n))?;
        self.pos = end;
        Ok(out)
    }

    /// Reads a fixed-size byte array (`20s`, `32s`, `c20s` as one array, ...).
    pub fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(field, N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// `raw`: every remaining byte (never fails; must be the last field).
    pub fn rest(&mut self) -> &'a [u8] {
        let out = self.peek_rest();
        self.pos = self.buf.len();
        out
    }

    /// `?`: one byte, any non-zero value is `true`.
    pub fn bool(&mut self, field: &'static str) -> Result<bool, DecodeError> {
        Ok(self.u8(field)? != 0)
    }

    /// `B` / `c`: one byte.
    pub fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(field)?[0])
    }

    /// `H`: big-endian u16.
    pub fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        self.array(field).map(u16::from_be_bytes)
    }

    /// `I` / `L`: big-endian u32.
    pub fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        self.array(field).map(u32::from_be_bytes)
    }

    /// `Q`: big-endian u64.
    pub fn u64(&mut self, field: &'static str) -> Result<u64, DecodeError> {
        self.array(field).map(u64::from_be_bytes)
    }

    /// `l`: big-endian i32.
    pub fn i32(&mut self, field: &'static str) -> Result<i32, DecodeError> {
        self.array(field).map(i32::from_be_bytes)
    }

    /// `q`: big-endian i64.
    pub fn i64(&mut self, field: &'static str) -> Result<i64, DecodeError> {
        self.array(field).map(i64::from_be_bytes)
    }

    /// `f`: big-endian IEEE-754 single.
    pub fn f32(&mut self, field: &'static str) -> Result<f32, DecodeError> {
        self.array(field).map(f32::from_be_bytes)
    }

    /// `d`: big-endian IEEE-754 double.
    pub fn f64(&mut self, field: &'static str) -> Result<f64, DecodeError> {
        self.array(field).map(f64::from_be_bytes)
    }

    /// `bits`: eight booleans from one byte; index 0 is bit 7 (`0x80`), index 7 is bit 0.
    pub fn bits(&mut self, field: &'static str) -> Result<[bool; 8], DecodeError> {
        let b = self.u8(field)?;
        Ok(std::array::from_fn(|i| b & (0x80 >> i) != 0))
    }

    /// A length-prefixed field: reads a `prefix_len`-byte big-endian count, multiplies by `unit`
    /// and takes that many bytes. On failure the cursor is unchanged and the error points at the
    /// start of the count.
    fn counted(
        &mut self,
        field: &'static str,
        prefix_len: usize,
        unit: usize,
    ) -> Result<&'a [u8], DecodeError> {
        let start = self.clone();
        let count = match prefix_len {
            1 => u64::from(self.u8(field)?),
            2 => u64::from(self.u16(field)?),
            _ => u64::from(self.u32(field)?),
        };
        let need = usize::try_from(count)
            .ok()
            .and_then(|c| c.checked_mul(unit))
            .unwrap_or(usize::MAX);
        match self.take(field, need) {
            Ok(bytes) => Ok(bytes),
            Err(_) => {
                *self = start;
                Err(self.truncated(field, need.saturating_add(prefix_len)))
            }
        }
    }

    /// `varlenH` / `doublevarlenH`: u16 byte count, then the bytes.
    pub fn varlen_h(&mut self, field: &'static str) -> Result<&'a [u8], DecodeError> {
        self.counted(field, 2, 1)
    }

    /// `varlenI`: u32 byte count, then the bytes.
    pub fn varlen_i(&mut self, field: &'static str) -> Result<&'a [u8], DecodeError> {
        self.counted(field, 4, 1)
    }

    fn utf8(&mut self, field: &'static str, prefix_len: usize) -> Result<&'a str, DecodeError> {
        let start = self.offset();
        let bytes = self.counted(field, prefix_len, 1)?;
        std::str::from_utf8(bytes)
            .map_err(|_| DecodeError::new(field, start, DecodeErrorKind::BadUtf8))
    }

    /// `varlenHutf8`: as `varlenH`, content must be UTF-8.
    pub fn varlen_h_utf8(&mut self, field: &'static str) -> Result<&'a str, DecodeError> {
        self.utf8(field, 2)
    }

    /// `varlenIutf8`: as `varlenI`, content must be UTF-8.
    pub fn varlen_i_utf8(&mut self, field: &'static str) -> Result<&'a str, DecodeError> {
        self.utf8(field, 4)
    }

    /// `varlenBx2`: u8 count of 2-byte units, then the units.
    pub fn varlen_bx2(&mut self, field: &'static str) -> Result<&'a [[u8; 2]], DecodeError> {
        Ok(self.counted(field, 1, 2)?.as_chunks().0)
    }

    /// `varlenHx20`: u16 count of 20-byte units (e.g. community ids), then the units.
    pub fn varlen_hx20(&mut self, field: &'static str) -> Result<&'a [[u8; 20]], DecodeError> {
        Ok(self.counted(field, 2, 20)?.as_chunks().0)
    }

    /// `varlenH-list`: u8 item count, then each item as `varlenH`.
    pub fn varlen_h_list(&mut self, field: &'static str) -> Result<Vec<&'a [u8]>, DecodeError> {
        let count = self.u8(field)?;
        // Each item needs at least its 2-byte length: bound the allocation by the input.
        let mut items = Vec::with_capacity(usize::from(count).min(self.remaining() / 2));
        for _ in 0..count {
            items.push(self.varlen_h(field)?);
        }
        Ok(items)
    }

    /// `payload`: u16 byte length, then a nested serialization that must use exactly those bytes.
    pub fn payload<P: Payload>(&mut self, field: &'static str) -> Result<P, DecodeError> {
        let start = self.offset();
        let bytes = self.varlen_h(field)?;
        let mut nested = Self::with_offset(bytes, start.saturating_add(2));
        let value = P::decode(&mut nested)?;
        nested.finish(field)?;
        Ok(value)
    }

    /// `payload-list`: u8 item count, then each item as a nested `payload`.
    pub fn payload_list<P: Payload>(&mut self, field: &'static str) -> Result<Vec<P>, DecodeError> {
        let count = self.u8(field)?;
        let mut items = Vec::with_capacity(usize::from(count).min(self.remaining() / 2));
        for _ in 0..count {
            items.push(self.payload(field)?);
        }
        Ok(items)
    }

    /// The element bytes of an `arrayH-*` field: native (little-endian) u16 count, then
    /// `count * size` bytes.
    fn array_h(&mut self, field: &'static str, size: usize) -> Result<&'a [u8], DecodeError> {
        let start = self.clone();
        let count = usize::from(u16::from_le_bytes(self.array(field)?));
        match self.take(field, count * size) {
            Ok(bytes) => Ok(bytes),
            Err(_) => {
                *self = start;
                Err(self.truncated(field, count * size + 2))
            }
        }
    }

    /// `arrayH-?`: little-endian u16 count, then one byte per boolean (non-zero is `true`).
    pub fn array_h_bool(&mut self, field: &'static str) -> Result<Vec<bool>, DecodeError> {
        Ok(self.array_h(field, 1)?.iter().map(|&b| b != 0).collect())
    }

    /// `arrayH-q`: little-endian u16 count, then little-endian i64 elements.
    pub fn array_h_i64(&mut self, field: &'static str) -> Result<Vec<i64>, DecodeError> {
        let (chunks, _) = self.array_h(field, 8)?.as_chunks::<8>();
        Ok(chunks.iter().map(|c| i64::from_le_bytes(*c)).collect())
    }

    /// `arrayH-d`: little-endian u16 count, then little-endian f64 elements.
    pub fn array_h_f64(&mut self, field: &'static str) -> Result<Vec<f64>, DecodeError> {
        let (chunks, _) = self.array_h(field, 8)?.as_chunks::<8>();
        Ok(chunks.iter().map(|c| f64::from_le_bytes(*c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_big_endian() {
        let mut r = Reader::new(&[0x1f, 0x9a, 0xff, 0xff, 0xff, 0xfe]);
        assert_eq!(r.u16("h").unwrap(), 8090);
        assert_eq!(r.i32("l").unwrap(), -2);
        assert!(r.is_empty());
    }

    #[test]
    fn truncated_read_names_field_and_keeps_cursor() {
        let mut r = Reader::with_offset(&[1, 2, 3], 100);
        r.u8("a").unwrap();
        let e = r.u64("global_time").unwrap_err();
        assert_eq!(e.field, "global_time");
        assert_eq!(e.offset, 101);
        assert_eq!(e.kind, DecodeErrorKind::Truncated { need: 8, have: 2 });
        assert_eq!(r.offset(), 101);
    }

    #[test]
    fn varlen_length_is_checked_before_use() {
        let mut r = Reader::with_offset(&[0xff, 0xff, 1, 2], 10);
        let e = r.varlen_h("public_key_bin").unwrap_err();
        assert_eq!(e.offset, 10);
        assert_eq!(
            e.kind,
            DecodeErrorKind::Truncated {
                need: 65537,
                have: 4
            }
        );
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff]);
        assert!(r.varlen_i("x").is_err());
        let mut r = Reader::new(&[0xff, 0xff]);
        assert!(r.array_h_i64("x").is_err());
        let mut r = Reader::new(&[0xff, 0, 0]);
        assert!(r.varlen_h_list("x").is_err());
    }

    #[test]
    fn bits_first_is_msb() {
        let mut r = Reader::new(&[0xa1]);
        assert_eq!(
            r.bits("flags").unwrap(),
            [true, false, true, false, false, false, false, true]
        );
    }

    #[test]
    fn bad_utf8_is_reported() {
        let mut r = Reader::new(&[0, 1, 0xff]);
        assert_eq!(
            r.varlen_h_utf8("s").unwrap_err().kind,
            DecodeErrorKind::BadUtf8
        );
    }

    #[test]
    fn finish_reports_trailing_bytes() {
        let mut r = Reader::new(&[1, 2, 3]);
        r.u8("a").unwrap();
        let e = r.finish("payload").unwrap_err();
        assert_eq!((e.offset, e.kind), (1, DecodeErrorKind::TrailingBytes(2)));
    }
}
