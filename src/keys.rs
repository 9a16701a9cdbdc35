//! Keys at rest: Web3 Secret Storage (v3) keystores, encrypted with a password, for the wallet
//! that pays (`ferry --account NAME`, `--keystore FILE`) and for a node's key
//! (`ferry-node --keystore FILE`).
//!
//! The encryption is alloy's (`LocalSigner::encrypt_keystore`, `decrypt_keystore`: scrypt and
//! AES-128-CTR, as geth, clef and Foundry's `cast wallet` write them), never hand-written here.
//!
//! Invariants:
//! - a keystore is written owner-only (0600), atomically (temp, fsync, rename, fsync dir), and
//!   never over an existing one;
//! - a keystore whose file is readable or writable by group or others is refused before it is
//!   read, naming the file and the fix;
//! - no error, log line or file holds a key or a password: errors name files, never contents.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use alloy::signers::local::{LocalSignerError, PrivateKeySigner};

use crate::exit::ErrorKind;
use crate::fsutil;

/// Why a keystore or a password file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The keystore file is missing or unreadable.
    #[error("cannot read the keystore {path}; check the name (ferry wallet list) or the path")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Others may read the keystore.
    #[error(
        "the keystore {path} is readable by other users (mode {mode:o}); run `chmod 600 {path}` and try again",
        path = path.display()
    )]
    NotPrivate {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The password does not open the keystore (or the file is not a keystore).
    #[error(
        "the password does not unlock the keystore {path} (or it is not a v3 keystore); check the password file or type it again"
    )]
    WrongPassword {
        /// The file.
        path: PathBuf,
    },
    /// A keystore of that name exists already.
    #[error(
        "a keystore {path} exists already; choose another name or remove it first (its key is lost unless backed up)"
    )]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// The password file is missing or unreadable.
    #[error("cannot read the password file {path}")]
    PasswordFile {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The password is empty.
    #[error("the password is empty; a keystore needs a password")]
    EmptyPassword,
    /// The keystore could not be written.
    #[error("cannot write the keystore {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Encrypting failed (the key is not a valid secp256k1 key).
    #[error("cannot encrypt the key into {path}")]
    Encrypt {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: LocalSignerError,
    },
}

impl KeyError {
    /// The exit code's kind: bad input for everything the user can fix by what they pass,
    /// local I/O when the keystore cannot be written.
    pub fn kind(&self) -> ErrorKind {
        match self {
            KeyError::Write { .. } => ErrorKind::Io,
            _ => ErrorKind::BadInput,
        }
    }
}

/// The folder ferry keeps named keystores in: `<data dir>/keystores/`.
pub fn keystore_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("keystores")
}

/// The keystore file of account `name`.
pub fn account_path(data_dir: &Path, name: &str) -> PathBuf {
    keystore_dir(data_dir).join(format!("{name}.json"))
}

/// Reads a password file: its first line, without the line ending. Blocking.
pub fn read_password_file(path: &Path) -> Result<String, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::PasswordFile {
        path: path.to_owned(),
        source,
    })?;
    let password = text.lines().next().unwrap_or_default().to_owned();
    if password.is_empty() {
        return Err(KeyError::EmptyPassword);
    }
    Ok(password)
}

/// Unlocks the keystore at `path` with `password`, after checking that only its owner may read
/// it. Blocking (scrypt takes a fraction of a second).
pub fn unlock(path: &Path, password: &str) -> Result<PrivateKeySigner, KeyError> {
    let metadata = std::fs::metadata(path).map_err(|source| KeyError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::NotPrivate {
            path: path.to_owned(),
            mode,
        });
    }
    PrivateKeySigner::decrypt_keystore(path, password).map_err(|error| match error {
        LocalSignerError::EthKeystoreError(eth_keystore::KeystoreError::StdIo(reason)) => {
            KeyError::Read {
                path: path.to_owned(),
                source: std::io::Error::other(reason),
            }
        }
        _ => KeyError::WrongPassword {
            path: path.to_owned(),
        },
    })
}

/// Writes `signer`'s key to a new keystore at `path`, encrypted with `password`, owner-only,
/// atomically; refuses to replace an existing file. Blocking.
pub fn write(path: &Path, signer: &PrivateKeySigner, password: &str) -> Result<(), KeyError> {
    if password.is_empty() {
        return Err(KeyError::EmptyPassword);
    }
    if path.exists() {
        return Err(KeyError::Exists {
            path: path.to_owned(),
        });
    }
    let write_error = |source| KeyError::Write {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    fsutil::create_dir_all_durable(dir).map_err(write_error)?;
    // alloy writes the (already encrypted) keystore into a folder; a private one of our own,
    // so it is never seen half-written or readable by others, then moved into place.
    let scratch = tempfile::Builder::new()
        .prefix(".keystore-")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir_in(dir)
        .map_err(write_error)?;
    PrivateKeySigner::encrypt_keystore(
        scratch.path(),
        &mut rand_08::thread_rng(),
        signer.to_bytes(),
        password,
        Some("key"),
    )
    .map_err(|source| KeyError::Encrypt {
        path: path.to_owned(),
        source,
    })?;
    let encrypted = std::fs::read(scratch.path().join("key")).map_err(write_error)?;
    if path.exists() {
        return Err(KeyError::Exists {
            path: path.to_owned(),
        });
    }
    fsutil::write_atomic(path, &encrypted, 0o600).map_err(write_error)
}

/// The named keystores in `data_dir` and the address each holds (read from the file, no
/// password needed), by name. Files that are not keystores are left out.
pub fn list(data_dir: &Path) -> Vec<(String, Option<alloy::primitives::Address>)> {
    let Ok(entries) = std::fs::read_dir(keystore_dir(data_dir)) else {
        return Vec::new();
    };
    let mut accounts: Vec<_> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let name = name.strip_suffix(".json")?.to_owned();
            let text = std::fs::read_to_string(entry.path()).ok()?;
            let json: serde_json::Value = serde_json::from_str(&text).ok()?;
            json.get("crypto").or_else(|| json.get("Crypto"))?;
            let address = json
                .get("address")
                .and_then(|a| a.as_str())
                .and_then(|a| a.trim_start_matches("0x").parse().ok());
            Some((name, address))
        })
        .collect();
    accounts.sort();
    accounts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keystore_round_trips_private_and_refuses_a_wrong_password_or_loose_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keystores/main.json");
        let signer = PrivateKeySigner::random();
        write(&path, &signer, "correct horse").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&hex::encode(signer.to_bytes())));
        assert_eq!(
            unlock(&path, "correct horse").unwrap().address(),
            signer.address()
        );
        assert!(matches!(
            unlock(&path, "wrong"),
            Err(KeyError::WrongPassword { .. })
        ));
        assert!(matches!(
            write(&path, &signer, "again"),
            Err(KeyError::Exists { .. })
        ));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            unlock(&path, "correct horse"),
            Err(KeyError::NotPrivate { mode: 0o644, .. })
        ));
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "no scratch folder left: {leftovers:?}");
        assert_eq!(
            list(dir.path()),
            vec![("main".to_owned(), Some(signer.address()))]
        );
    }
}
