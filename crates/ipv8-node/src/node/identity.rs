//! Loads or creates the node's key as py-ipv8 does for a `keys` entry: an existing file wins;
//! otherwise the key is generated (or decoded from `bin`) and written there atomically, mode
//! 0600 (`ipv8_crypto::keyfile`), in a data directory created with mode 0700.

use std::io;
use std::path::{Path, PathBuf};

use ipv8_crypto::PrivateKey;
use ipv8_crypto::keyfile::{self, KeyFileError};

use crate::cli::bad_input;
use crate::config::{KeySource, KeySpec};

/// A loaded key and the file it lives in (`None`: memory only).
#[derive(Debug)]
pub struct LoadedKey {
    /// The private key.
    pub key: PrivateKey,
    /// Its file.
    pub file: Option<PathBuf>,
    /// Whether the file was created now.
    pub created: bool,
}

/// Loads `spec` (relative files under `data_dir`). `field` names the setting in errors
/// (`keys[0].file`, `--key-file`).
///
/// # Errors
/// Bad input when an existing file is unreadable or holds no key; a failure when a new file
/// cannot be written.
pub fn load(spec: &KeySpec, data_dir: &Path, field: &str) -> anyhow::Result<LoadedKey> {
    let Some(file) = &spec.file else {
        return Ok(LoadedKey {
            key: new_key(&spec.source, field)?,
            file: None,
            created: false,
        });
    };
    let path = if file.is_absolute() {
        file.clone()
    } else {
        data_dir.join(file)
    };
    match keyfile::load(&path) {
        Ok(key) => {
            return Ok(LoadedKey {
                key,
                file: Some(path),
                created: false,
            });
        }
        Err(KeyFileError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {}
        Err(err) => {
            return Err(bad_input(format!(
                "{field}: {err} (expected a py-ipv8 key file)"
            )));
        }
    }
    let key = new_key(&spec.source, field)?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent).map_err(|err| {
            anyhow::anyhow!("{field}: creating directory {}: {err}", parent.display())
        })?;
    }
    match keyfile::save(&path, &key) {
        Ok(()) => Ok(LoadedKey {
            key,
            file: Some(path),
            created: true,
        }),
        // Created by someone else in between: use theirs.
        Err(KeyFileError::Exists(_)) => keyfile::load(&path)
            .map(|key| LoadedKey {
                key,
                file: Some(path.clone()),
                created: false,
            })
            .map_err(|err| bad_input(format!("{field}: {err}"))),
        Err(err) => Err(anyhow::Error::new(err).context(format!("{field}: writing the new key"))),
    }
}

fn new_key(source: &KeySource, field: &str) -> anyhow::Result<PrivateKey> {
    match source {
        KeySource::Generate(kind) => kind.generate(),
        KeySource::Bin(bin) => {
            PrivateKey::from_bin(bin).map_err(|err| bad_input(format!("{field}: {err}")))
        }
    }
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::KeyType;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ipv8-node-identity-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn creates_once_then_loads_the_same_key() {
        let dir = temp_dir("create");
        let spec = KeySpec {
            alias: "a".into(),
            source: KeySource::Generate(KeyType::Curve25519),
            file: Some("sub/key.pem".into()),
        };
        let first = load(&spec, &dir, "keys[0].file").unwrap();
        assert!(first.created);
        let second = load(&spec, &dir, "keys[0].file").unwrap();
        assert!(!second.created);
        assert_eq!(first.key.public_bin(), second.key.public_bin());
        std::fs::write(dir.join("bad.pem"), b"garbage").unwrap();
        let bad = KeySpec {
            file: Some("bad.pem".into()),
            ..spec
        };
        let err = load(&bad, &dir, "--key-file").unwrap_err();
        assert!(err.to_string().starts_with("--key-file: "), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
