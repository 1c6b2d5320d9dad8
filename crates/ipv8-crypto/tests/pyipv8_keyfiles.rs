//! Key-file interop with the real pyipv8 3.2.1: files written by either side load on the other
//! with the same public key and mid, and signatures verify in both directions.
//!
//! Needs the venv of `tools/setup-pyipv8.sh` (or `IPV8_PYTHON` pointing at a python with pyipv8),
//! so the tests are `#[ignore = "needs pyipv8"]` for plain `cargo test`; the full test command
//! (`bash scripts/test-all.sh`) makes the venv and runs them. Without it they fail, saying so.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::TempDir;
use ipv8_crypto::{LegacyCurve, PrivateKey, PublicKey, keyfile};

/// The python interpreter with pyipv8: `$IPV8_PYTHON`, else the venv of `tools/setup-pyipv8.sh`.
fn pyipv8_python() -> PathBuf {
    if let Some(python) = std::env::var_os("IPV8_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = std::env::var_os("IPV8_PYVENV").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pyipv8-venv"),
        PathBuf::from,
    );
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "pyipv8 venv missing: run tools/setup-pyipv8.sh (looked for {})",
        python.display()
    );
    // Python finds its venv from the textual path of the interpreter: resolve `..` in the venv
    // directory, but keep `bin/python` itself (a symlink to the base interpreter) as it is.
    venv.canonicalize()
        .map_or(python, |venv| venv.join("bin/python"))
}

/// Runs `script` with pyipv8's python and returns its stdout lines.
fn run_python(script: &str, args: &[&str]) -> Vec<String> {
    let python = pyipv8_python();
    let output = Command::new(&python)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("pyipv8 venv missing: run tools/setup-pyipv8.sh ({e})"));
    assert!(
        output.status.success(),
        "python failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

const PY_WRITE_KEY: &str = r#"
import sys
from ipv8.keyvault.crypto import default_eccrypto
key = default_eccrypto.generate_key(sys.argv[2])
with open(sys.argv[1], "wb") as f:
    f.write(key.key_to_bin())
print(key.pub().key_to_bin().hex())
print(key.key_to_hash().hex())
print(default_eccrypto.create_signature(key, bytes.fromhex(sys.argv[3])).hex())
"#;

const PY_READ_KEY: &str = r#"
import sys
from ipv8.keyvault.crypto import default_eccrypto
with open(sys.argv[1], "rb") as f:
    key = default_eccrypto.key_from_private_bin(f.read())
message = bytes.fromhex(sys.argv[2])
ours = bytes.fromhex(sys.argv[3])
print(key.pub().key_to_bin().hex())
print(key.key_to_hash().hex())
print(default_eccrypto.is_valid_signature(key.pub(), message, ours))
print(default_eccrypto.create_signature(key, message).hex())
"#;

const MESSAGE: &[u8] = b"ipv8-rs key file interop";

/// pyipv8 generates a key of `level`, writes its file and signs; we load and verify.
fn pyipv8_file_loads_in_rust(level: &str, expect_len: usize) {
    let dir = TempDir::new("py-written");
    let path = dir.join("ec_multichain.pem");
    let path_str = path.to_str().unwrap();
    let lines = run_python(PY_WRITE_KEY, &[path_str, level, &hex::encode(MESSAGE)]);
    let [public_hex, mid_hex, signature_hex] = &lines[..] else {
        panic!("unexpected python output: {lines:?}");
    };

    let key = keyfile::load(&path).expect("pyipv8's key file loads");
    assert_eq!(
        hex::encode(key.public_bin()),
        *public_hex,
        "{level}: public key"
    );
    assert_eq!(key.mid().to_hex(), *mid_hex, "{level}: mid");
    assert_eq!(
        key.to_bin(),
        std::fs::read(&path).unwrap(),
        "{level}: re-serializes identically"
    );

    let signature = hex::decode(signature_hex).unwrap();
    assert_eq!(signature.len(), expect_len, "{level}: signature length");
    let public = PublicKey::from_bin(&hex::decode(public_hex).unwrap()).unwrap();
    assert!(
        public.verify(MESSAGE, &signature),
        "{level}: pyipv8's signature verifies in Rust"
    );
    assert!(!public.verify(b"another message", &signature));
}

/// We write a key file and sign; pyipv8 loads, compares, verifies and signs back.
fn rust_file_loads_in_pyipv8(key: &PrivateKey) {
    let dir = TempDir::new("rust-written");
    let path = dir.join("node.key");
    keyfile::save(&path, key).unwrap();
    let ours = key.sign(MESSAGE);
    let lines = run_python(
        PY_READ_KEY,
        &[
            path.to_str().unwrap(),
            &hex::encode(MESSAGE),
            &hex::encode(&ours),
        ],
    );
    let [public_hex, mid_hex, valid, theirs_hex] = &lines[..] else {
        panic!("unexpected python output: {lines:?}");
    };
    assert_eq!(
        *public_hex,
        hex::encode(key.public_bin()),
        "public key seen by pyipv8"
    );
    assert_eq!(*mid_hex, key.mid().to_hex(), "mid seen by pyipv8");
    assert_eq!(valid, "True", "our signature verifies in pyipv8");
    let theirs = hex::decode(theirs_hex).unwrap();
    assert!(
        key.public().verify(MESSAGE, &theirs),
        "pyipv8's signature verifies in Rust"
    );
    if matches!(key, PrivateKey::LibNacl(_)) {
        assert_eq!(theirs, ours, "Ed25519 signatures are deterministic");
    }
}

#[test]
#[ignore = "needs pyipv8"]
fn curve25519_key_file_from_pyipv8_loads_in_rust() {
    pyipv8_file_loads_in_rust("curve25519", 64);
}

#[test]
#[ignore = "needs pyipv8"]
fn legacy_very_low_key_file_from_pyipv8_loads_in_rust() {
    pyipv8_file_loads_in_rust("very-low", 42);
}

#[test]
#[ignore = "needs pyipv8"]
fn curve25519_key_file_from_rust_loads_in_pyipv8() {
    rust_file_loads_in_pyipv8(&PrivateKey::generate());
}

#[test]
#[ignore = "needs pyipv8"]
fn legacy_key_files_from_rust_load_in_pyipv8() {
    for curve in [LegacyCurve::Sect163k1, LegacyCurve::Sect571r1] {
        rust_file_loads_in_pyipv8(&PrivateKey::generate_legacy(curve).unwrap());
    }
}
