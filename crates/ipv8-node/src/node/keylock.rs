//! One running node per key file. Two nodes with one key are one identity (one mid) to every
//! peer that meets both, which confuses those peers; so `ipv8 run` and `ipv8 tracker` hold an
//! exclusive lock on `<key file>.lock` while they run and refuse to start when another process
//! holds it.
//!
//! The lock is the OS's advisory file lock (`File::try_lock`: `flock` on unix, `LockFileEx` on
//! Windows) on a file beside the key, not on the key itself, so the key stays readable
//! (`ipv8 key show`, py-ipv8) on every platform. The OS releases the lock when the process
//! exits, however it exits (Ctrl-C, SIGTERM, SIGKILL, a crash): a stale lock cannot block a
//! restart. The `.lock` file itself stays (deleting it would let two processes lock two
//! different files of one name); it holds the pid of the last node that locked it.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{self, Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};

/// A held lock; dropping it (or exiting) releases it.
#[derive(Debug)]
pub struct KeyLock {
    /// Open for as long as the lock is held.
    #[expect(dead_code, reason = "held only for its lock, released when dropped")]
    file: File,
}

/// Why the lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds it; `pid` is what that process wrote into the lock file, when
    /// readable.
    Held {
        /// The lock file.
        path: PathBuf,
        /// The holder's process id.
        pid: Option<u32>,
    },
    /// The lock file could not be opened or locked (a read-only directory, say).
    Io {
        /// The lock file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

/// The lock file of `key_file`: its name plus `.lock`, in the same directory.
pub fn lock_path(key_file: &Path) -> PathBuf {
    let mut name = key_file
        .file_name()
        .map_or_else(OsString::new, ToOwned::to_owned);
    name.push(".lock");
    key_file.with_file_name(name)
}

/// Takes the lock of `key_file` without waiting. The directory must exist.
///
/// # Errors
/// [`LockError::Held`] when another process (or another [`KeyLock`] of this process) holds it.
pub fn try_lock(key_file: &Path) -> Result<KeyLock, LockError> {
    let path = lock_path(key_file);
    let io_error = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(io_error)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let pid = read_pid(&mut file);
            return Err(LockError::Held { path, pid });
        }
        Err(std::fs::TryLockError::Error(source)) => return Err(io_error(source)),
    }
    // Best effort: the pid only makes the refusal message more helpful.
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{}", std::process::id()))
        .and_then(|()| file.flush());
    Ok(KeyLock { file })
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.take(32).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_released_on_drop() {
        let dir = std::env::temp_dir().join(format!("ipv8-keylock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key = dir.join("ec_multichain.pem");
        assert_eq!(lock_path(&key), dir.join("ec_multichain.pem.lock"));
        let first = try_lock(&key).unwrap();
        match try_lock(&key) {
            Err(LockError::Held { path, pid }) => {
                assert_eq!(path, lock_path(&key));
                assert_eq!(pid, Some(std::process::id()));
            }
            other => panic!("a second lock must be refused: {other:?}"),
        }
        drop(first);
        let again = try_lock(&key).expect("released on drop");
        drop(again);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
