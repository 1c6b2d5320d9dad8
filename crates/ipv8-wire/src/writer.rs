//! `Writer`: an infallible appender over `Vec<u8>`, one method per py-ipv8 packer format.
//!
//! Ports the *pack* half of upstream `ipv8/messaging/serialization.py` (§2 of
//! docs/spec/PROTOCOL.md), with the same vocabulary as [`Reader`](crate::Reader). Writing cannot
//! fail; the only contract is that length-prefixed content fits its prefix (e.g. at most 65 535
//! bytes for `varlenH`), which typed payloads guarantee by construction. Address formats live in
//! [`crate::address`].

use crate::payload::Payload;

/// Appends py-ipv8 wire formats (big-endian unless stated) to a byte vector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Writer {
    buf: Vec<u8>,
}

/// Converts a length to the width of its prefix.
///
/// # Panics
/// If `len` does not fit: the caller tried to encode an over-long field, a programming error
/// (py-ipv8 raises `struct.error` in the same situation).
fn prefix_len<T: TryFrom<usize>>(len: usize, format: &str) -> T {
    T::try_from(len).unwrap_or_else(|_| panic!("{format}: length {len} does not fit its prefix"))
}

impl Writer {
    /// An empty writer.
    #[must_use]
    pub const fn new() -> Self {
        Self { buf: Vec::new() }
    }

    /// An empty writer with room for `n` bytes.
    #[must_use]
    pub fn with_capacity(n: usize) -> Self {
        Self {
            buf: Vec::with_capacity(n),
        }
    }

    /// Continues writing after existing bytes.
    #[must_use]
    pub const fn from_vec(buf: Vec<u8>) -> Self {
        Self { buf }
    }

    /// The bytes written so far.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Number of bytes written so far.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing has been written.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Gives back the written bytes.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Raw bytes with no length (`raw`, `Ns`, `c`).
    pub fn bytes(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// `Ns` with py-ipv8's `struct` semantics: exactly `n` bytes, zero-padded or truncated.
    pub fn fixed(&mut self, data: &[u8], n: usize) {
        let take = data.len().min(n);
        self.buf.extend_from_slice(&data[..take]);
        self.buf.resize(self.buf.len() + (n - take), 0);
    }

    /// `?`: 0 or 1.
    pub fn bool(&mut self, v: bool) {
        self.buf.push(u8::from(v));
    }

    /// `B` / `c`.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// `H`.
    pub fn u16(&mut self, v: u16) {
        self.bytes(&v.to_be_bytes());
    }

    /// `I` / `L`.
    pub fn u32(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes());
    }

    /// `Q`.
    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_be_bytes());
    }

    /// `l`.
    pub fn i32(&mut self, v: i32) {
        self.bytes(&v.to_be_bytes());
    }

    /// `q`.
    pub fn i64(&mut self, v: i64) {
        self.bytes(&v.to_be_bytes());
    }

    /// `f`.
    pub fn f32(&mut self, v: f32) {
        self.bytes(&v.to_be_bytes());
    }

    /// `d`.
    pub fn f64(&mut self, v: f64) {
        self.bytes(&v.to_be_bytes());
    }

    /// `bits`: index 0 becomes bit 7 (`0x80`), index 7 bit 0.
    pub fn bits(&mut self, bits: [bool; 8]) {
        let b = bits.iter().enumerate().fold(
            0u8,
            |acc, (i, &on)| if on { acc | (0x80 >> i) } else { acc },
        );
        self.u8(b);
    }

    /// `varlenH` / `doublevarlenH`.
    ///
    /// # Panics
    /// If `data` is longer than 65 535 bytes.
    pub fn varlen_h(&mut self, data: &[u8]) {
        self.u16(prefix_len(data.len(), "varlenH"));
        self.bytes(data);
    }

    /// `varlenI`.
    ///
    /// # Panics
    /// If `data` is longer than `u32::MAX` bytes.
    pub fn varlen_i(&mut self, data: &[u8]) {
        self.u32(prefix_len(data.len(), "varlenI"));
        self.bytes(data);
    }

    /// `varlenHutf8`.
    ///
    /// # Panics
    /// If the UTF-8 text is longer than 65 535 bytes.
    pub fn varlen_h_utf8(&mut self, text: &str) {
        self.varlen_h(text.as_bytes());
    }

    /// `varlenIutf8`.
    ///
    /// # Panics
    /// If the UTF-8 text is longer than `u32::MAX` bytes.
    pub fn varlen_i_utf8(&mut self, text: &str) {
        self.varlen_i(text.as_bytes());
    }

    /// `varlenBx2`: u8 count of 2-byte units.
    ///
    /// # Panics
    /// If there are more than 255 units.
    pub fn varlen_bx2(&mut self, units: &[[u8; 2]]) {
        self.u8(prefix_len(units.len(), "varlenBx2"));
        self.bytes(units.as_flattened());
    }

    /// `varlenHx20`: u16 count of 20-byte units.
    ///
    /// # Panics
    /// If there are more than 65 535 units.
    pub fn varlen_hx20(&mut self, units: &[[u8; 20]]) {
        self.u16(prefix_len(units.len(), "varlenHx20"));
        self.bytes(units.as_flattened());
    }

    /// `varlenH-list`: u8 item count, each item `varlenH`.
    ///
    /// # Panics
    /// If there are more than 255 items or an item is longer than 65 535 bytes.
    pub fn varlen_h_list<T: AsRef<[u8]>>(&mut self, items: &[T]) {
        self.u8(prefix_len(items.len(), "varlenH-list"));
        for item in items {
            self.varlen_h(item.as_ref());
        }
    }

    /// `payload`: u16 byte length, then the nested serialization.
    ///
    /// # Panics
    /// If the nested serialization is longer than 65 535 bytes.
    pub fn payload<P: Payload>(&mut self, payload: &P) {
        let mut nested = Self::new();
        payload.encode(&mut nested);
        self.varlen_h(nested.as_bytes());
    }

    /// `payload-list`: u8 count, then each item as a nested `payload`.
    ///
    /// # Panics
    /// If there are more than 255 items or one is longer than 65 535 bytes.
    pub fn payload_list<P: Payload>(&mut self, items: &[P]) {
        self.u8(prefix_len(items.len(), "payload-list"));
        for item in items {
            self.payload(item);
        }
    }

    fn array_h_count(&mut self, n: usize) {
        let count: u16 = prefix_len(n, "arrayH");
        self.bytes(&count.to_le_bytes());
    }

    /// `arrayH-?`: little-endian (native on x86/ARM) u16 count, one byte per boolean.
    ///
    /// # Panics
    /// If there are more than 65 535 elements.
    pub fn array_h_bool(&mut self, items: &[bool]) {
        self.array_h_count(items.len());
        self.buf.extend(items.iter().map(|&b| u8::from(b)));
    }

    /// `arrayH-q`: little-endian u16 count and little-endian i64 elements.
    ///
    /// # Panics
    /// If there are more than 65 535 elements.
    pub fn array_h_i64(&mut self, items: &[i64]) {
        self.array_h_count(items.len());
        for v in items {
            self.bytes(&v.to_le_bytes());
        }
    }

    /// `arrayH-d`: little-endian u16 count and little-endian f64 elements.
    ///
    /// # Panics
    /// If there are more than 65 535 elements.
    pub fn array_h_f64(&mut self, items: &[f64]) {
        self.array_h_count(items.len());
        for v in items {
            self.bytes(&v.to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_pads_and_truncates() {
        let mut w = Writer::new();
        w.fixed(b"ab", 4);
        w.fixed(b"abcdef", 3);
        assert_eq!(w.as_bytes(), b"ab\0\0abc");
    }

    #[test]
    fn bits_first_is_msb() {
        let mut w = Writer::new();
        w.bits([true, false, true, false, false, false, false, true]);
        assert_eq!(w.into_bytes(), [0xa1]);
    }

    #[test]
    #[should_panic(expected = "varlenH")]
    fn overlong_varlen_is_a_programming_error() {
        Writer::new().varlen_h(&vec![0; 70_000]);
    }
}
