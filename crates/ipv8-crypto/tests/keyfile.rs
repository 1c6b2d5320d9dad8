//! `keyfile`: py-ipv8's raw key-file format, atomic writes, mode 0600, no accidental overwrite.

mod common;

use std::fs;

use common::{TempDir, bytes, key_vector, vectors};
use ipv8_crypto::keyfile::{self, KeyFileError};
use ipv8_crypto::{LegacyCurve, PrivateKey};

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn libnacl_key_file_is_the_raw_74_byte_bin() {
    let dir = TempDir::new("raw");
    let path = dir.join("ec_multichain.pem");
    let key = PrivateKey::from_seeds([3; 32], [4; 32]);
    keyfile::save(&path, &key).unwrap();
    let written = fs::read(&path).unwrap();
    assert_eq!(written.len(), 74);
    assert_eq!(written, key.to_bin());
    assert!(written.starts_with(b"LibNaCLSK:"));
    assert_eq!(keyfile::load(&path).unwrap().to_bin(), key.to_bin());
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    let leftovers: Vec<_> = fs::read_dir(dir.join("")).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
}

#[test]
fn save_refuses_to_overwrite_and_save_overwriting_replaces() {
    let dir = TempDir::new("overwrite");
    let path = dir.join("key");
    let first = PrivateKey::from_seeds([1; 32], [1; 32]);
    let second = PrivateKey::from_seeds([2; 32], [2; 32]);
    keyfile::save(&path, &first).unwrap();
    let err = keyfile::save(&path, &second).unwrap_err();
    assert!(
        matches!(err, KeyFileError::Exists(ref p) if *p == path),
        "{err}"
    );
    assert!(err.to_string().contains("refusing to overwrite"));
    assert_eq!(
        fs::read(&path).unwrap(),
        first.to_bin(),
        "existing file untouched"
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    }
    keyfile::save_overwriting(&path, &second).unwrap();
    assert_eq!(fs::read(&path).unwrap(), second.to_bin());
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600, "replacement is private again");
    assert_eq!(fs::read_dir(dir.join("")).unwrap().count(), 1);
}

#[test]
fn load_or_create_creates_parents_then_reloads_the_same_key() {
    let dir = TempDir::new("create");
    let path = dir.join("state/keys/node.key");
    let created = keyfile::load_or_create(&path).unwrap();
    assert_eq!(fs::read(&path).unwrap(), created.to_bin());
    let loaded = keyfile::load_or_create(&path).unwrap();
    assert_eq!(loaded.mid(), created.mid());
    assert!(matches!(loaded, PrivateKey::LibNacl(_)));
}

#[test]
fn legacy_ec_key_file_is_sec1_der_and_pem_loads_too() {
    let vectors = vectors();
    let vector = key_vector(&vectors, "legacy-sect163k1");
    let der = bytes(vector, "private_key_bin_hex");
    let dir = TempDir::new("ec");

    let key = PrivateKey::from_bin(&der).unwrap();
    keyfile::save(dir.join("tracker.key"), &key).unwrap();
    assert_eq!(
        fs::read(dir.join("tracker.key")).unwrap(),
        der,
        "DER SEC1 as py-ipv8 writes"
    );
    assert_eq!(
        keyfile::load(dir.join("tracker.key")).unwrap().to_bin(),
        der
    );

    let pem = openssl::ec::EcKey::private_key_from_der(&der)
        .unwrap()
        .private_key_to_pem()
        .unwrap();
    fs::write(dir.join("tracker.pem"), pem).unwrap();
    let from_pem = keyfile::load(dir.join("tracker.pem")).unwrap();
    assert_eq!(from_pem.to_bin(), der);

    let fresh = PrivateKey::generate_legacy(LegacyCurve::Sect571k1).unwrap();
    keyfile::save(dir.join("high.key"), &fresh).unwrap();
    assert_eq!(
        keyfile::load(dir.join("high.key")).unwrap().mid(),
        fresh.mid()
    );
}

#[test]
fn bad_files_give_errors_naming_the_file() {
    let dir = TempDir::new("bad");
    let missing = dir.join("missing.key");
    let err = keyfile::load(&missing).unwrap_err();
    assert!(matches!(err, KeyFileError::Io { .. }), "{err}");
    assert!(err.to_string().contains("missing.key"), "{err}");

    fs::write(dir.join("garbage.key"), b"not a key").unwrap();
    let err = keyfile::load(dir.join("garbage.key")).unwrap_err();
    assert!(matches!(err, KeyFileError::Key { .. }), "{err}");
    assert!(err.to_string().contains("garbage.key"), "{err}");

    fs::write(
        dir.join("public.key"),
        PrivateKey::from_seeds([5; 32], [5; 32]).public_bin(),
    )
    .unwrap();
    let err = keyfile::load(dir.join("public.key")).unwrap_err();
    assert!(
        err.to_string()
            .contains("expected a private key, got a public key"),
        "{err}"
    );

    fs::write(dir.join("huge.key"), vec![0u8; 100_000]).unwrap();
    let err = keyfile::load(dir.join("huge.key")).unwrap_err();
    assert!(
        matches!(err, KeyFileError::TooLarge { len: 100_000, .. }),
        "{err}"
    );

    let err = keyfile::save(dir.join(""), &PrivateKey::generate()).unwrap_err();
    assert!(
        matches!(err, KeyFileError::Exists(_) | KeyFileError::Io { .. }),
        "{err}"
    );
}
