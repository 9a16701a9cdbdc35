//! The node's key: a file of hex, or an encrypted keystore with a password file; created
//! (mode 0600, written atomically) when missing.

use std::path::PathBuf;

use alloy::signers::local::PrivateKeySigner;

use crate::fsutil;
use crate::node::NodeError;
use crate::vault;

/// Where a node's key is kept: a file of hex, or, with a password file, an encrypted keystore.
#[derive(Debug, Clone)]
pub struct NodeKey {
    /// The key file or keystore.
    pub path: PathBuf,
    /// The keystore's password file; `None` for a plain key file.
    pub password_file: Option<PathBuf>,
}

impl NodeKey {
    /// The flags that name this key to `ferry-node` (`--key-file FILE`, plus
    /// `--password-file FILE` for a keystore), quoted for a shell.
    pub fn flags(&self) -> String {
        let quoted = |path: &std::path::Path| crate::shell::shell_quote(&path.to_string_lossy());
        match &self.password_file {
            None => format!("--key-file {}", quoted(&self.path)),
            Some(password) => format!(
                "--key-file {} --password-file {}",
                quoted(&self.path),
                quoted(password)
            ),
        }
    }

    /// A plain key file.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            password_file: None,
        }
    }
}

/// Reads the node's key, or generates one and writes it there (hex, mode 0600; an encrypted
/// keystore, mode 0600, when a password file is given). Blocking.
pub fn load_or_create_key(key: &NodeKey) -> Result<PrivateKeySigner, NodeError> {
    let path = key.path.as_path();
    if let Some(password_file) = &key.password_file {
        let password = crate::keys::read_password_file(password_file)?;
        if !path.exists() {
            let signer = PrivateKeySigner::random();
            crate::keys::write(path, &signer, &password)?;
            tracing::info!(path = %path.display(), address = %signer.address(), "generated a node key in an encrypted keystore");
            return Ok(signer);
        }
        return Ok(crate::keys::unlock(path, &password)?);
    }
    match load_key(key) {
        Err(NodeError::KeyFile { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            let signer = PrivateKeySigner::random();
            let text = format!("{}\n", hex::encode(signer.to_bytes()));
            fsutil::write_atomic(path, text.as_bytes(), 0o600).map_err(|source| {
                NodeError::KeyFile {
                    path: path.to_owned(),
                    source,
                }
            })?;
            tracing::info!(path = %path.display(), address = %signer.address(), "generated a node key");
            Ok(signer)
        }
        loaded => loaded,
    }
}

/// Reads the node's key (which must exist): a key file, or a keystore unlocked with its
/// password file.
pub fn load_key(key: &NodeKey) -> Result<PrivateKeySigner, NodeError> {
    let path = key.path.as_path();
    if let Some(password_file) = &key.password_file {
        let password = crate::keys::read_password_file(password_file)?;
        return Ok(crate::keys::unlock(path, &password)?);
    }
    let text = std::fs::read_to_string(path).map_err(|source| NodeError::KeyFile {
        path: path.to_owned(),
        source,
    })?;
    vault::parse_private_key(&text).map_err(|source| NodeError::BadKey {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::ErrorKind;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_missing_key_file_is_created_private_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.key");
        let key = NodeKey::file(&path);
        let created = load_or_create_key(&key).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            load_or_create_key(&key).unwrap().address(),
            created.address()
        );
        std::fs::write(&path, "not a key").unwrap();
        let error = load_or_create_key(&key).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::BadInput, "{error}");
    }
}
