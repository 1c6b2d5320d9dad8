//! Loads or creates the node's key as py-ipv8 does for a `keys` entry: an existing file wins;
//! otherwise the key is generated (or decoded from `bin`) and written there atomically, mode
//! 0600 (`ipv8_crypto::keyfile`), in a data directory created with mode 0700. A key file is
//! locked for as long as the node runs ([`super::keylock`]): a second node with the same file
//! is refused.

use std::io;
use std::path::{Path, PathBuf};

use ipv8_crypto::PrivateKey;
use ipv8_crypto::keyfile::{self, KeyFileError};

use super::keylock::{self, KeyLock, LockError};
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
    /// The lock on the file, held until this is dropped (`None`: no file, or the lock file
    /// could not be created, which is logged).
    pub lock: Option<KeyLock>,
}

/// Loads `spec` (relative files under `data_dir`) and locks its file. `field` names the setting
/// in errors (`keys[0].file`, `--key-file`); `own_key` says how to give a second node a key of
/// its own (`--key-file FILE`), for the refusal when another node holds the lock.
///
/// # Errors
/// Bad input when an existing file is unreadable or holds no key; a failure when a new file
/// cannot be written or another running node holds the file's lock.
pub fn load(
    spec: &KeySpec,
    data_dir: &Path,
    field: &str,
    own_key: &str,
) -> anyhow::Result<LoadedKey> {
    let Some(file) = &spec.file else {
        return Ok(LoadedKey {
            key: new_key(&spec.source, field)?,
            file: None,
            created: false,
            lock: None,
        });
    };
    let path = if file.is_absolute() {
        file.clone()
    } else {
        data_dir.join(file)
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent).map_err(|err| {
            anyhow::anyhow!("{field}: creating directory {}: {err}", parent.display())
        })?;
    }
    let lock = lock(&path, own_key)?;
    match keyfile::load(&path) {
        Ok(key) => {
            return Ok(LoadedKey {
                key,
                file: Some(path),
                created: false,
                lock,
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
    match keyfile::save(&path, &key) {
        Ok(()) => Ok(LoadedKey {
            key,
            file: Some(path),
            created: true,
            lock,
        }),
        // Created by someone else in between: use theirs.
        Err(KeyFileError::Exists(_)) => keyfile::load(&path)
            .map(|key| LoadedKey {
                key,
                file: Some(path.clone()),
                created: false,
                lock,
            })
            .map_err(|err| bad_input(format!("{field}: {err}"))),
        Err(err) => Err(anyhow::Error::new(err).context(format!("{field}: writing the new key"))),
    }
}

/// Locks `path` for this process: refuses when another node holds it; carries on without a lock
/// (with a warning) when the lock file cannot be made, e.g. beside a key in a read-only place.
fn lock(path: &Path, own_key: &str) -> anyhow::Result<Option<KeyLock>> {
    match keylock::try_lock(path) {
        Ok(lock) => Ok(Some(lock)),
        Err(LockError::Held { path: lock, pid }) => {
            let holder = pid.map_or_else(
                || "another running ipv8 node".to_owned(),
                |pid| format!("another running ipv8 node (process {pid})"),
            );
            Err(anyhow::anyhow!(
                "the key file {} is in use by {holder}, which holds {}. Two nodes with one key \
                 are one identity (one mid) to their peers and confuse them. To run a second \
                 node, give it a key of its own: {own_key}",
                path.display(),
                lock.display(),
            ))
        }
        Err(LockError::Io { path: lock, source }) => {
            tracing::warn!(
                "cannot lock {} ({source}); running anyway, without the check that no other \
                 node uses this key file",
                lock.display()
            );
            Ok(None)
        }
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
        let first = load(&spec, &dir, "keys[0].file", "--key-file FILE").unwrap();
        assert!(first.created);
        assert!(first.lock.is_some());
        let refused = load(&spec, &dir, "keys[0].file", "--key-file FILE").unwrap_err();
        assert!(refused.to_string().contains("--key-file FILE"), "{refused}");
        drop(first.lock);
        let second = load(&spec, &dir, "keys[0].file", "--key-file FILE").unwrap();
        assert!(!second.created);
        assert_eq!(first.key.public_bin(), second.key.public_bin());
        std::fs::write(dir.join("bad.pem"), b"garbage").unwrap();
        let bad = KeySpec {
            file: Some("bad.pem".into()),
            ..spec
        };
        let err = load(&bad, &dir, "--key-file", "").unwrap_err();
        assert!(err.to_string().starts_with("--key-file: "), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
