//! Shared helpers for the integration tests: the golden vectors and scratch directories.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

/// The parsed `tests/vectors/vectors.json` of the workspace.
pub fn vectors() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/vectors.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).expect("vectors.json is valid JSON")
}

/// The string field `name` of `value`.
pub fn text<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("field {name} missing or not a string"))
}

/// The hex string field `name` of `value`, decoded.
pub fn bytes(value: &Value, name: &str) -> Vec<u8> {
    hex::decode(text(value, name)).unwrap_or_else(|e| panic!("field {name} is not hex: {e}"))
}

/// The key vector labelled `label` (`A`, `B`, `C`, `legacy-sect163k1`).
pub fn key_vector<'a>(vectors: &'a Value, label: &str) -> &'a Value {
    vectors["keys"]
        .as_array()
        .expect("keys array")
        .iter()
        .find(|key| key["label"] == label)
        .unwrap_or_else(|| panic!("no key labelled {label}"))
}

/// A scratch directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a fresh, empty directory.
    pub fn new(tag: &str) -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("ipv8-crypto-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("creating scratch dir");
        Self(path)
    }

    /// `name` inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
