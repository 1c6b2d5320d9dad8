//! Key files, byte-compatible with py-ipv8 (`ipv8_service.py`, the `keys[].file` setting).
//!
//! py-ipv8 writes the raw private bin: 74 bytes `LibNaCLSK:…` for curve25519 keys, DER SEC1
//! `ECPrivateKey` for legacy EC keys (no PEM, despite the default name `ec_multichain.pem`), and
//! reads whatever `key_from_private_bin` accepts (so PEM EC keys load too).
//!
//! Writing is atomic: the bytes go to a temporary file beside the target (mode 0600 on unix),
//! are synced, and are then linked (refusing to clobber) or renamed (when replacing) into place.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{KeyError, PrivateKey};

/// Key files larger than this are rejected unread (a PEM sect571 key is about 400 bytes).
pub const MAX_KEY_FILE_LEN: u64 = 64 * 1024;

/// Why a key file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// A filesystem operation failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// What was being done (`"reading"`, `"writing"`, ...).
        op: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The target exists and replacing it was not asked for.
    #[error("key file {} already exists; refusing to overwrite it", .0.display())]
    Exists(PathBuf),
    /// The file is larger than [`MAX_KEY_FILE_LEN`].
    #[error("key file {} is {len} bytes; a key file is at most {MAX_KEY_FILE_LEN}", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its length.
        len: u64,
    },
    /// The file's contents are not a private key.
    #[error("key file {} does not hold a private key: {source}", path.display())]
    Key {
        /// The file.
        path: PathBuf,
        /// Why parsing failed.
        #[source]
        source: KeyError,
    },
}

fn io_err(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> KeyFileError {
    move |source| KeyFileError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

/// Reads a private key file (raw `LibNaCLSK:` bin, DER or PEM EC key).
///
/// # Errors
/// [`KeyFileError`] when the file cannot be read, is too large or holds no private key.
pub fn load(path: impl AsRef<Path>) -> Result<PrivateKey, KeyFileError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(io_err("opening", path))?;
    let mut bytes = Vec::new();
    file.take(MAX_KEY_FILE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err("reading", path))?;
    if bytes.len() as u64 > MAX_KEY_FILE_LEN {
        let len = fs::metadata(path).map_or(bytes.len() as u64, |m| m.len());
        return Err(KeyFileError::TooLarge {
            path: path.to_path_buf(),
            len,
        });
    }
    PrivateKey::from_bin(&bytes).map_err(|source| KeyFileError::Key {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `key` to a new file at `path` (mode 0600), refusing to overwrite an existing file.
///
/// # Errors
/// [`KeyFileError::Exists`] when `path` exists; [`KeyFileError::Io`] on filesystem errors.
pub fn save(path: impl AsRef<Path>, key: &PrivateKey) -> Result<(), KeyFileError> {
    write_atomically(path.as_ref(), &key.to_bin(), false)
}

/// Writes `key` to `path` (mode 0600), atomically replacing any existing file.
///
/// # Errors
/// [`KeyFileError::Io`] on filesystem errors.
pub fn save_overwriting(path: impl AsRef<Path>, key: &PrivateKey) -> Result<(), KeyFileError> {
    write_atomically(path.as_ref(), &key.to_bin(), true)
}

/// Loads the key at `path`, or generates a fresh curve25519 key and saves it there (creating
/// missing parent directories, mode 0700 on unix), as py-ipv8 does for a configured key file.
///
/// # Errors
/// [`KeyFileError`] when an existing file is unreadable or invalid, or the new one cannot be
/// written.
pub fn load_or_create(path: impl AsRef<Path>) -> Result<PrivateKey, KeyFileError> {
    let path = path.as_ref();
    match load(path) {
        Err(KeyFileError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {}
        other => return other,
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent).map_err(io_err("creating directory", parent))?;
    }
    let key = PrivateKey::generate();
    match save(path, &key) {
        Ok(()) => Ok(key),
        // Another process created it between our load and save: use theirs.
        Err(KeyFileError::Exists(_)) => load(path),
        Err(err) => Err(err),
    }
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Removes the temporary file unless it was moved into place.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn temp_path(target: &Path) -> Result<PathBuf, KeyFileError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let Some(name) = target.file_name() else {
        let source = io::Error::new(io::ErrorKind::InvalidInput, "path has no file name");
        return Err(KeyFileError::Io {
            op: "writing",
            path: target.to_path_buf(),
            source,
        });
    };
    let mut temp = OsString::from(".");
    temp.push(name);
    temp.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    Ok(target.with_file_name(temp))
}

fn write_atomically(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), KeyFileError> {
    if !overwrite && fs::symlink_metadata(path).is_ok() {
        return Err(KeyFileError::Exists(path.to_path_buf()));
    }
    let mut temp = TempFile {
        path: temp_path(path)?,
        keep: false,
    };
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&temp.path)
        .map_err(io_err("creating", &temp.path))?;
    file.write_all(bytes)
        .map_err(io_err("writing", &temp.path))?;
    file.sync_all().map_err(io_err("syncing", &temp.path))?;
    drop(file);

    if overwrite {
        fs::rename(&temp.path, path).map_err(io_err("renaming into", path))?;
        temp.keep = true;
    } else {
        // A hard link never replaces an existing file, so two writers cannot clobber each other.
        match fs::hard_link(&temp.path, path) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                return Err(KeyFileError::Exists(path.to_path_buf()));
            }
            Err(_) => {
                // The filesystem has no hard links: fall back to check-then-rename.
                if fs::symlink_metadata(path).is_ok() {
                    return Err(KeyFileError::Exists(path.to_path_buf()));
                }
                fs::rename(&temp.path, path).map_err(io_err("renaming into", path))?;
                temp.keep = true;
            }
        }
    }
    sync_parent(path);
    Ok(())
}

/// Makes the new directory entry durable (best effort; not possible on every platform).
fn sync_parent(path: &Path) {
    #[cfg(unix)]
    if let Some(parent) = path.parent() {
        let dir = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        if let Ok(dir) = File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
