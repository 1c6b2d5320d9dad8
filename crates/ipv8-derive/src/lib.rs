//! `#[derive(Payload)]`: one struct declaration becomes a py-ipv8 3.2.1 payload — its codec,
//! its message id, envelope kind and names.
//!
//! Use it through `ipv8_wire::Payload` (or `ipv8::Payload`); the generated code names the wire
//! crate `::ipv8_wire` when the using crate depends on `ipv8-wire`, `::ipv8::wire` when it
//! depends on `ipv8`, or whatever `#[payload(crate = "..")]` says.

mod attrs;
mod expand;
mod formats;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Derives `Payload` (and `MessagePayload` when `id` is given) for a struct with named fields.
///
/// The fields are (de)serialized in declaration order, like the `format_list` of a py-ipv8
/// `VariablePayload` / `DataClassPayload`. Decoding errors name the field (its Rust name, which
/// should be the py-ipv8 name) and its absolute byte offset.
///
/// # Container attribute `#[payload(...)]`
///
/// | option | meaning | default |
/// | --- | --- | --- |
/// | `id = N` | message id (byte 22); also implements `MessagePayload` | none: a plain (nested or header) payload |
/// | `signed` / `unsigned` | signed or unsigned envelope; required with `id` | — |
/// | `name = ".."` | py-ipv8 class name, `Payload::NAME` | the struct name |
/// | `message_name = ".."` | dissector name, `MessagePayload::MESSAGE_NAME` | kebab-case struct name |
/// | `handler = ".."` | py-ipv8 handler, `MessagePayload::HANDLER_NAME` (REST statistics `"<id>:<handler>"`) | `on_` + snake_case struct name |
/// | `style = Old` / `New` | base walk message layout, `MessagePayload::STYLE` | `Style::None` |
/// | `global_time` | a `Q` global time precedes the payload (walk and DiscoveryCommunity messages), `MessagePayload::GLOBAL_TIME` | absent, as py-ipv8's `ez_send` packs |
/// | `crate = "path"` | path of the wire crate in generated code | detected |
///
/// # Field attribute `#[payload(...)]`
///
/// * `format = ".."`: any py-ipv8 format name (`"?"`, `"B"`, `"H"`, `"I"`, `"l"`, `"q"`,
///   `"Q"`, `"f"`, `"d"`, `"c"`, `"<N>s"`, `"bits"`, `"ipv4"`, `"ip_address"`, `"address"`,
///   `"raw"`, `"varlenH"`, `"varlenHutf8"`, `"varlenI"`, `"varlenIutf8"`, `"varlenBx2"`,
///   `"varlenHx20"`, `"varlenH-list"`, `"arrayH-?"`, `"arrayH-q"`, `"arrayH-d"`, `"payload"`,
///   `"payload-list"`); the field type must be one that format accepts (see
///   `ipv8_wire::format`). `"raw"` must be the last field.
/// * `with = Type`: any type implementing `ipv8_wire::format::Format<FieldType>`, for fields
///   with a layout of their own (py-ipv8's `fix_pack_*` / `fix_unpack_*`).
/// * `flatten`: the fields of another derived payload inline, without a length prefix (a
///   py-ipv8 payload subclass that extends its parent's `format_list`).
/// * neither: the field type's default format (`ipv8_wire::Field`), which mirrors py-ipv8's
///   `DataClassPayload` type mapping: `bool` → `?`, `i64` → `q`, `f64` → `d`, `Vec<u8>` →
///   `varlenH`, `String` → `varlenHutf8`, `Vec<bool>` / `Vec<i64>` / `Vec<f64>` → `arrayH-?` /
///   `-q` / `-d`, a derived payload → `payload`, `Vec<Payload>` → `payload-list`; plus the
///   Rust-only `u8` → `B`, `u16` → `H`, `u32` → `I`, `u64` → `Q`, `i32` → `l`, `f32` → `f`,
///   `[u8; N]` → `Ns`, `CommunityId` → `20s`, `SocketAddrV4` → `ipv4`, `SocketAddr` →
///   `ip_address`, `Address` → `address`, `Vec<Vec<u8>>` → `varlenH-list`.
///
/// # Example
///
/// py-ipv8's
/// `@vp_compile class VotePayload(VariablePayload): msg_id = 1; format_list = ["H",
/// "varlenHutf8", "ip_address", "raw"]; names = ["round", "candidate", "voter", "extra"]`:
///
/// ```
/// use std::net::SocketAddr;
/// use ipv8_wire::{MessagePayload, Payload, Style, decode_exact};
///
/// #[derive(Payload, Debug, PartialEq)]
/// #[payload(id = 1, signed, name = "VotePayload")]
/// struct Vote {
///     round: u16,
///     candidate: String,
///     voter: SocketAddr,
///     #[payload(format = "raw")]
///     extra: Vec<u8>,
/// }
///
/// let vote = Vote {
///     round: 7,
///     candidate: "alice".into(),
///     voter: "1.2.3.4:8090".parse().unwrap(),
///     extra: vec![],
/// };
/// let bytes = vote.to_bytes();
/// assert_eq!(bytes, b"\x00\x07\x00\x05alice\x01\x01\x02\x03\x04\x1f\x9a");
/// assert_eq!(decode_exact::<Vote>(&bytes, 0)?, vote);
///
/// assert_eq!((Vote::MSG_ID, Vote::SIGNED, Vote::STYLE), (1, true, Style::None));
/// assert_eq!((Vote::NAME, Vote::MESSAGE_NAME, Vote::HANDLER_NAME), ("VotePayload", "vote", "on_vote"));
///
/// let err = decode_exact::<Vote>(&bytes[..8], 0).unwrap_err();
/// assert_eq!(err.to_string(), "field 'candidate' at byte 2: truncated: need 7 bytes, have 6");
/// # Ok::<(), ipv8_wire::DecodeError>(())
/// ```
#[proc_macro_derive(Payload, attributes(payload))]
pub fn derive_payload(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
