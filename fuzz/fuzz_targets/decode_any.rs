//! Fuzz target for `ipv8_wire::decode_any`, the dissector every received datagram can reach.
//!
//! Invariants checked on every input: decoding never panics; an accepted datagram re-encodes to
//! exactly the input bytes; its field list and error messages can be produced.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match ipv8_wire::decode_any(data) {
        Ok(decoded) => {
            assert_eq!(
                decoded.to_bytes(),
                data,
                "re-encoding differs from the input"
            );
            let fields = decoded.fields();
            assert!(!fields.is_empty());
            for (_, value) in &fields {
                let _ = value.to_string();
            }
        }
        Err(e) => {
            assert!(e.offset <= data.len(), "error offset past the end: {e}");
            let _ = e.to_string();
        }
    }
});
