//! Which key pays: a keystore (`--keystore FILE`, or `--account NAME` for one of ferry's own
//! under the data dir) unlocked with `--password-file` or a password typed at a prompt; else
//! the raw `FERRY_PRIVATE_KEY`, with a note that a keystore is safer; else a devnet's funded
//! key. Errors name the keystore, the file or the variable, never a key or a password.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use alloy::signers::local::PrivateKeySigner;
use anyhow::anyhow;

use super::{CliError, Context};
use crate::blocking::blocking;
use crate::exit::ErrorKind;
use crate::keys::{self, KeyError};
use crate::vault::parse_private_key;

/// The private key variable; its value is never printed or logged.
pub const PRIVATE_KEY_ENV: &str = "FERRY_PRIVATE_KEY";

/// Where the paying key is kept at rest, from the global flags, the environment and the config
/// file.
#[derive(Debug, Clone, Default)]
pub struct WalletSource {
    /// `--account NAME`: `<data dir>/keystores/NAME.json`.
    pub account: Option<String>,
    /// `--keystore FILE`.
    pub keystore: Option<PathBuf>,
    /// `--password-file FILE`: the keystore's password on its first line.
    pub password_file: Option<PathBuf>,
}

fn key_failure(error: KeyError) -> CliError {
    CliError::new(error.kind(), error)
}

impl Context {
    /// The keystore the paying key is in, if one is chosen.
    fn keystore(&self) -> Option<PathBuf> {
        self.wallet.keystore.clone().or_else(|| {
            self.wallet
                .account
                .as_deref()
                .map(|name| keys::account_path(&self.data_dir, name))
        })
    }

    /// The password for `keystore`: the password file, else typed at a prompt on a terminal.
    pub(super) fn password(&self, keystore: &std::path::Path) -> Result<String, CliError> {
        if let Some(file) = &self.wallet.password_file {
            return keys::read_password_file(file).map_err(key_failure);
        }
        if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
            return rpassword::prompt_password(format!(
                "Password for the keystore {}: ",
                keystore.display()
            ))
            .map_err(|e| CliError::new(ErrorKind::Io, anyhow!("cannot read the password: {e}")));
        }
        Err(CliError::new(
            ErrorKind::BadInput,
            anyhow!(
                "the keystore {} is locked and there is no terminal to ask for its password; pass --password-file FILE (or set FERRY_PASSWORD_FILE)",
                keystore.display()
            ),
        ))
    }

    /// The paying key: a keystore when one is chosen, else `FERRY_PRIVATE_KEY`, else
    /// `fallback` (a devnet's funded key).
    pub(super) async fn signer(
        &self,
        fallback: Option<&str>,
    ) -> Result<PrivateKeySigner, CliError> {
        if let Some(keystore) = self.keystore() {
            let password = self.password(&keystore)?;
            let path = keystore.clone();
            return blocking(move || keys::unlock(&path, &password))
                .await
                .map_err(key_failure);
        }
        let raw = std::env::var(PRIVATE_KEY_ENV)
            .ok()
            .filter(|key| !key.trim().is_empty());
        if let Some(raw) = raw {
            if self.output.narrates() {
                eprintln!(
                    "note: {PRIVATE_KEY_ENV} holds a raw key; a keystore is safer: `ferry wallet import NAME`, then --account NAME"
                );
            }
            return parse_private_key(&raw).map_err(|e| {
                CliError::new(ErrorKind::BadInput, anyhow!("{PRIVATE_KEY_ENV}: {e}"))
            });
        }
        let key = fallback.ok_or_else(|| {
            CliError::new(
                ErrorKind::BadInput,
                anyhow!(
                    "no wallet: pass --account NAME (a keystore made by `ferry wallet import` or `ferry wallet new`) or --keystore FILE, or set {PRIVATE_KEY_ENV}"
                ),
            )
        })?;
        parse_private_key(key).map_err(|e| CliError::new(ErrorKind::BadInput, anyhow!("{e}")))
    }
}

/// Reads a private key to import: typed at a prompt (not echoed) on a terminal, else the first
/// line of standard input. Never from an argument.
pub(super) fn read_private_key() -> Result<PrivateKeySigner, CliError> {
    let text = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Private key (hex): ")
            .map_err(|e| CliError::new(ErrorKind::Io, anyhow!("cannot read the key: {e}")))?
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| {
            CliError::new(ErrorKind::Io, anyhow!("cannot read standard input: {e}"))
        })?;
        line
    };
    parse_private_key(&text).map_err(|e| {
        CliError::new(
            ErrorKind::BadInput,
            anyhow!("the key read from standard input is not usable: {e}"),
        )
    })
}

/// A password for a new keystore: the password file, else typed twice at a prompt.
pub(super) fn new_password(
    context: &Context,
    keystore: &std::path::Path,
) -> Result<String, CliError> {
    if context.wallet.password_file.is_some()
        || !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal())
    {
        return context.password(keystore);
    }
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt)
            .map_err(|e| CliError::new(ErrorKind::Io, anyhow!("cannot read the password: {e}")))
    };
    let first = ask("New keystore password: ")?;
    let again = ask("The same password again: ")?;
    if first != again {
        return Err(CliError::new(
            ErrorKind::BadInput,
            anyhow!("the two passwords differ; nothing was written"),
        ));
    }
    if first.is_empty() {
        return Err(key_failure(KeyError::EmptyPassword));
    }
    Ok(first)
}

/// Writes `signer` into the named keystore `name` under the data dir.
pub(super) async fn save_account(
    context: &Context,
    name: &str,
    signer: PrivateKeySigner,
) -> Result<PathBuf, CliError> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.');
    if !valid {
        return Err(CliError::new(
            ErrorKind::BadInput,
            anyhow!(
                "{name:?} is not an account name: use letters, digits, '-', '_' and '.', not starting with '.'"
            ),
        ));
    }
    let path = keys::account_path(&context.data_dir, name);
    if path.exists() {
        return Err(key_failure(KeyError::Exists { path }));
    }
    let password = new_password(context, &path)?;
    let target = path.clone();
    blocking(move || keys::write(&target, &signer, &password))
        .await
        .map_err(key_failure)?;
    Ok(path)
}
