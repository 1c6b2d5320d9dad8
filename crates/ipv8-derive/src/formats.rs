//! The py-ipv8 format names `#[payload(format = "..")]` accepts, and the marker type of
//! `ipv8_wire::format` each one stands for.
//!
//! Mirrors the packers that py-ipv8 3.2.1's `Serializer` registers by default
//! (`ipv8/messaging/serialization.py`), minus the multi-value `struct` formats, which a Rust
//! struct spells as one field per value.

use proc_macro2::TokenStream;
use quote::quote;

/// Single-value formats and the marker type in `ipv8_wire::format`.
const NAMED: &[(&str, &str)] = &[
    ("?", "Bool"),
    ("B", "U8"),
    ("c", "Char"),
    ("H", "U16"),
    ("I", "U32"),
    ("l", "I32"),
    ("q", "I64"),
    ("Q", "U64"),
    ("f", "F32"),
    ("d", "F64"),
    ("bits", "Bits"),
    ("ipv4", "Ipv4"),
    ("ip_address", "IpAddress"),
    ("address", "Address"),
    ("raw", "Raw"),
    ("varlenH", "VarlenH"),
    ("doublevarlenH", "VarlenH"),
    ("varlenHutf8", "VarlenHUtf8"),
    ("varlenI", "VarlenI"),
    ("varlenIutf8", "VarlenIUtf8"),
    ("varlenBx2", "VarlenBx2"),
    ("varlenHx20", "VarlenHx20"),
    ("varlenH-list", "VarlenHList"),
    ("arrayH-?", "ArrayHBool"),
    ("arrayH-q", "ArrayHI64"),
    ("arrayH-d", "ArrayHF64"),
    ("payload", "NestedPayload"),
    ("payload-list", "PayloadList"),
];

/// py-ipv8's multi-value `struct` formats, which have no single Rust field type.
const MULTI_VALUE: &[&str] = &[
    "BBH", "BH", "HH", "LL", "QH", "QL", "QQHHBH", "ccB", "4SH", "c20s",
];

/// The marker type path (relative to the wire crate) for a format name, or an error message.
pub fn marker(name: &str, wire: &TokenStream) -> Result<TokenStream, String> {
    if let Some((_, ty)) = NAMED.iter().find(|(n, _)| *n == name) {
        let ty = syn::Ident::new(ty, proc_macro2::Span::call_site());
        return Ok(quote!(#wire::format::#ty));
    }
    if let Some(n) = fixed_len(name) {
        return Ok(quote!(#wire::format::Bytes<#n>));
    }
    if MULTI_VALUE.contains(&name) {
        return Err(format!(
            "py-ipv8 format \"{name}\" packs several values: declare one field per value \
             (e.g. \"c20s\" is a \"c\" field followed by a \"20s\" field)"
        ));
    }
    let known: Vec<&str> = NAMED.iter().map(|(n, _)| *n).collect();
    Err(format!(
        "unknown py-ipv8 format \"{name}\"; expected \"<N>s\" or one of: {}",
        known.join(", ")
    ))
}

/// `N` of an `Ns` format (`20s`, `32s`, ...), for `N >= 1`.
fn fixed_len(name: &str) -> Option<usize> {
    let digits = name.strip_suffix('s')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve() {
        let wire = quote!(::w);
        let s = |n| marker(n, &wire).map(|t| t.to_string());
        assert_eq!(s("H").unwrap(), ":: w :: format :: U16");
        assert_eq!(s("20s").unwrap(), ":: w :: format :: Bytes < 20usize >");
        assert_eq!(s("arrayH-?").unwrap(), ":: w :: format :: ArrayHBool");
        assert!(s("c20s").unwrap_err().contains("one field per value"));
        assert!(s("0s").unwrap_err().contains("unknown"));
        assert!(s("x").unwrap_err().contains("varlenHutf8"));
    }
}
