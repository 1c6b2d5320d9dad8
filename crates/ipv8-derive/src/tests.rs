//! Expansion tests: the options the derive accepts, the code it generates, and the error it
//! gives for each misuse.

use syn::{DeriveInput, parse_quote};

use crate::expand::derive;

fn expand(input: &DeriveInput) -> String {
    derive(input)
        .unwrap_or_else(|e| panic!("unexpected error: {e}"))
        .to_string()
}

fn error(input: &DeriveInput) -> String {
    match derive(input) {
        Ok(tokens) => panic!("expected an error, got {tokens}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn message_options_become_consts() {
    let out = expand(&parse_quote! {
        #[payload(id = 250, unsigned, name = "PunctureRequestPayload", style = Old,
                  handler = "on_old_puncture_request")]
        struct PunctureRequest { identifier: u16 }
    });
    for part in [
        "const NAME : & 'static str = \"PunctureRequestPayload\"",
        "const MSG_ID : u8 = 250u8",
        "const MESSAGE_NAME : & 'static str = \"puncture-request\"",
        "const HANDLER_NAME : & 'static str = \"on_old_puncture_request\"",
        "const SIGNED : bool = false",
        ":: Style :: Old",
        "read (r , \"identifier\")",
    ] {
        assert!(out.contains(part), "{part:?} not in {out}");
    }
}

#[test]
fn defaults_follow_the_struct_name() {
    let out = expand(&parse_quote! {
        #[payload(id = 1, signed)]
        struct SimilarityRequest { r#type: u8 }
    });
    assert!(out.contains("\"SimilarityRequest\""), "{out}");
    assert!(out.contains("\"similarity-request\""), "{out}");
    assert!(out.contains("\"on_similarity_request\""), "{out}");
    assert!(out.contains(":: Style :: None"), "{out}");
    assert!(out.contains("read (r , \"type\")"), "{out}");
    let plain = expand(&parse_quote! { struct Header { x: u8 } });
    assert!(!plain.contains("MessagePayload"), "{plain}");
}

#[test]
fn field_formats_pick_marker_types() {
    let out = expand(&parse_quote! {
        #[payload(crate = "my::wire")]
        struct P {
            #[payload(format = "c")] tag: u8,
            #[payload(format = "20s")] mid: [u8; 20],
            #[payload(with = Custom)] custom: Vec<u8>,
            #[payload(flatten)] base: Base,
            plain: u16,
            #[payload(format = "raw")] rest: Vec<u8>,
        }
    });
    for part in [
        "my :: wire :: format :: Char",
        "my :: wire :: format :: Bytes < 20usize >",
        "< Custom as my :: wire :: format :: Format < Vec < u8 > >>",
        "my :: wire :: format :: Flatten",
        "< u16 as my :: wire :: Field > :: Format",
        "my :: wire :: format :: Raw",
    ] {
        assert!(out.contains(part), "{part:?} not in {out}");
    }
}

#[test]
fn generic_structs_get_format_bounds() {
    let out = expand(&parse_quote! { struct Wrap<T> { inner: T } });
    assert!(
        out.contains("where < T as :: ipv8_wire :: Field > :: Format : :: ipv8_wire :: format :: Format < T >"),
        "{out}"
    );
}

#[test]
fn misuse_is_a_clear_error() {
    let cases: Vec<(DeriveInput, &str)> = vec![
        (parse_quote! { struct T(u8); }, "needs named fields"),
        (parse_quote! { enum E { A } }, "needs a struct"),
        (
            parse_quote! { #[payload(id = 1)] struct S { x: u8 } },
            "must say `signed` or `unsigned`",
        ),
        (
            parse_quote! { #[payload(signed)] struct S { x: u8 } },
            "needs `id = N`",
        ),
        (
            parse_quote! { #[payload(style = Old)] struct S { x: u8 } },
            "needs `id = N`",
        ),
        (
            parse_quote! { #[payload(id = 256, signed)] struct S { x: u8 } },
            "number too large",
        ),
        (
            parse_quote! { #[payload(id = 1, signed, unsigned)] struct S { x: u8 } },
            "duplicate option",
        ),
        (
            parse_quote! { #[payload(id = 1, signed, style = Sideways)] struct S { x: u8 } },
            "expected `Old` or `New`",
        ),
        (
            parse_quote! { #[payload(colour = 1)] struct S { x: u8 } },
            "unknown payload option",
        ),
        (
            parse_quote! { struct S { #[payload(format = "raw")] a: Vec<u8>, b: u8 } },
            "must be the last field",
        ),
        (
            parse_quote! { struct S { #[payload(format = "varlenQ")] a: Vec<u8> } },
            "unknown py-ipv8 format \"varlenQ\"",
        ),
        (
            parse_quote! { struct S { #[payload(format = "c20s")] a: Vec<u8> } },
            "one field per value",
        ),
        (
            parse_quote! { struct S { #[payload(format = "H", with = X)] a: u16 } },
            "at most one of",
        ),
        (
            parse_quote! { struct S { #[payload(size = 2)] a: u16 } },
            "unknown field option",
        ),
    ];
    for (input, expected) in cases {
        let e = error(&input);
        assert!(e.contains(expected), "{expected:?} not in {e:?}");
    }
}
