//! The config file: ferry's settings in TOML, so they need not be repeated on every command.
//!
//! The file is `config.toml` in the platform's config dir (`~/.config/ferry/config.toml` on
//! Linux), or the file `--config` / `FERRY_CONFIG` names. A setting is taken from, in order: its
//! flag, its environment variable, this file, the built-in default. Each key is the name of its
//! environment variable without `FERRY_`, in lower case (`FERRY_WAVE_SIZE` is `wave_size`).
//!
//! The paying key is never a config key: a `private_key` entry is refused without its value
//! being read into any message, and no message built here quotes a value from the file.

use std::path::{Path, PathBuf};

use crate::config_file::{string, whole};
use crate::wire::types::Amount;

/// The environment variable (and `--config` flag) naming the config file.
pub const CONFIG_ENV: &str = "FERRY_CONFIG";

/// The keys a config file may hold.
pub const KEYS: [&str; 12] = [
    "data_dir",
    "network",
    "rpc_url",
    "max_cost",
    "confirm_above",
    "wave_size",
    "transfers",
    "devnet_nodes",
    "units",
    "account",
    "keystore",
    "password_file",
];

/// Settings from the config file; `None` where the file is silent.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Config {
    /// Where ferry keeps receipts and the devnet.
    pub data_dir: Option<PathBuf>,
    /// The network file.
    pub network: Option<PathBuf>,
    /// Overrides the network file's RPC URL.
    pub rpc_url: Option<String>,
    /// `--max-cost`, wei.
    pub max_cost: Option<Amount>,
    /// Ask before paying more than this, wei.
    pub confirm_above: Option<Amount>,
    /// `--wave-size`.
    pub wave_size: Option<u8>,
    /// `--transfers`.
    pub transfers: Option<u8>,
    /// `ferry devnet up --nodes`.
    pub devnet_nodes: Option<usize>,
    /// `--units`.
    pub units: Option<super::units::Unit>,
    /// `--account`.
    pub account: Option<String>,
    /// `--keystore`.
    pub keystore: Option<PathBuf>,
    /// `--password-file`.
    pub password_file: Option<PathBuf>,
}

/// A config file that cannot be used (see [`crate::config_file`]).
pub type ConfigError = crate::config_file::ConfigFileError;

/// Where the config file is: `explicit` (from `--config` or `FERRY_CONFIG`), else the default
/// place. The flag says whether the file must exist.
pub fn location(explicit: Option<&Path>) -> Option<(PathBuf, bool)> {
    if let Some(path) = explicit {
        return Some((path.to_owned(), true));
    }
    directories::ProjectDirs::from("", "", "ferry")
        .map(|dirs| (dirs.config_dir().join("config.toml"), false))
}

/// Loads the config file at `explicit`, or at the default place if there is one there.
pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
    let Some((path, required)) = location(explicit) else {
        return Ok(Config::default());
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&path, &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => Ok(Config::default()),
        Err(reason) => Err(ConfigError::Read {
            path,
            reason,
            env: CONFIG_ENV,
        }),
    }
}

/// Parses a config file's text; relative paths in it are relative to the file's directory.
pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let table = crate::config_file::table(path, text)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut config = Config::default();
    for (key, value) in &table {
        let bad = |problem: String| ConfigError::key(path, key, problem);
        match key.as_str() {
            "data_dir" => config.data_dir = Some(base.join(path_value(value).map_err(bad)?)),
            "network" => config.network = Some(base.join(path_value(value).map_err(bad)?)),
            "rpc_url" => config.rpc_url = Some(string(value, "a URL").map_err(bad)?),
            "max_cost" => config.max_cost = Some(amount_value(value).map_err(bad)?),
            "confirm_above" => config.confirm_above = Some(amount_value(value).map_err(bad)?),
            "units" => config.units = Some(unit_value(value).map_err(bad)?),
            "wave_size" => config.wave_size = Some(whole(value, 1, 64).map_err(bad)? as u8),
            "transfers" => config.transfers = Some(whole(value, 1, 32).map_err(bad)? as u8),
            "devnet_nodes" => {
                config.devnet_nodes = Some(whole(value, 1, 1000).map_err(bad)? as usize)
            }
            "account" => config.account = Some(string(value, "an account name").map_err(bad)?),
            "keystore" => config.keystore = Some(base.join(path_value(value).map_err(bad)?)),
            "password_file" => {
                config.password_file = Some(base.join(path_value(value).map_err(bad)?))
            }
            secret if secret.contains("key") || secret.contains("password") => {
                return Err(bad(
                    "is not read from the config file: keep the key in a keystore (`account`, `keystore` and `password_file` name it), or in FERRY_PRIVATE_KEY; remove the line".into(),
                ));
            }
            _ => {
                return Err(bad(format!(
                    "is not a ferry setting; the keys are {}",
                    KEYS.join(", ")
                )));
            }
        }
    }
    Ok(config)
}

fn path_value(value: &toml::Value) -> Result<PathBuf, String> {
    string(value, "a path, absolute or relative to the config file").map(PathBuf::from)
}

fn amount_value(value: &toml::Value) -> Result<Amount, String> {
    const WHAT: &str = "must be an amount: an integer of wei, or a string such as \"0.01eth\", \"5gwei\" or \"1000\" (wei)";
    match value {
        toml::Value::Integer(wei) if *wei >= 0 => Ok(Amount::wei(*wei as u128)),
        toml::Value::String(text) => super::units::parse_amount(text).map_err(|_| WHAT.to_owned()),
        _ => Err(WHAT.to_owned()),
    }
}

fn unit_value(value: &toml::Value) -> Result<super::units::Unit, String> {
    const WHAT: &str = "must be \"wei\", \"gwei\" or \"eth\"";
    match value {
        toml::Value::String(text) => {
            clap::ValueEnum::from_str(text, true).map_err(|_| WHAT.to_owned())
        }
        _ => Err(WHAT.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<Config, ConfigError> {
        parse(Path::new("/etc/ferry/config.toml"), text)
    }

    #[test]
    fn every_key_is_read_and_paths_are_relative_to_the_file() {
        let config = parsed(
            r#"
            data_dir = "data"
            network = "/srv/net.json"
            rpc_url = "http://127.0.0.1:8545"
            max_cost = 5000
            confirm_above = "100000000000000000000000"
            wave_size = 16
            transfers = 4
            devnet_nodes = 7
            units = "gwei"
            account = "main"
            keystore = "keys/main.json"
            password_file = "/run/secrets/ferry"
            "#,
        )
        .unwrap();
        assert_eq!(
            config,
            Config {
                data_dir: Some("/etc/ferry/data".into()),
                network: Some("/srv/net.json".into()),
                rpc_url: Some("http://127.0.0.1:8545".into()),
                max_cost: Some(Amount::wei(5000)),
                confirm_above: Some(Amount::wei(100_000_000_000_000_000_000_000)),
                wave_size: Some(16),
                transfers: Some(4),
                devnet_nodes: Some(7),
                units: Some(super::super::units::Unit::Gwei),
                account: Some("main".into()),
                keystore: Some("/etc/ferry/keys/main.json".into()),
                password_file: Some("/run/secrets/ferry".into()),
            }
        );
    }

    #[test]
    fn amounts_take_a_unit() {
        let config = parsed("max_cost = \"0.01eth\"\nconfirm_above = \"5gwei\"").unwrap();
        assert_eq!(config.max_cost, Some(Amount::wei(10_000_000_000_000_000)));
        assert_eq!(config.confirm_above, Some(Amount::wei(5_000_000_000)));
    }

    #[test]
    fn an_empty_file_sets_nothing() {
        assert_eq!(parsed("").unwrap(), Config::default());
    }

    #[test]
    fn a_value_out_of_range_names_the_file_and_the_key() {
        let message = parsed("wave_size = 65").unwrap_err().to_string();
        assert!(message.contains("/etc/ferry/config.toml"), "{message}");
        assert!(message.contains("`wave_size`"), "{message}");
        assert!(message.contains("1 to 64"), "{message}");
    }

    #[test]
    fn a_negative_or_fractional_amount_is_refused() {
        for text in [
            "max_cost = -1",
            "max_cost = 1.5",
            "confirm_above = \"12x\"",
            "max_cost = \"1.5wei\"",
            "max_cost = \"-1eth\"",
            "units = \"finney\"",
        ] {
            assert!(
                matches!(parsed(text), Err(ConfigError::Key { .. })),
                "{text}"
            );
        }
    }

    #[test]
    fn an_unknown_key_lists_the_known_ones() {
        let message = parsed("wavesize = 3").unwrap_err().to_string();
        assert!(message.contains("`wavesize`") && message.contains("wave_size"));
    }

    #[test]
    fn a_private_key_entry_is_refused_without_quoting_it() {
        let secret = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
        let message = parsed(&format!("private_key = \"{secret}\""))
            .unwrap_err()
            .to_string();
        assert!(message.contains("FERRY_PRIVATE_KEY"), "{message}");
        assert!(!message.contains(secret), "{message}");
    }

    #[test]
    fn a_syntax_error_gives_the_line_without_quoting_it() {
        let secret = "4c0883a69102937d6231471b5dbb6204";
        let error = parsed(&format!("wave_size = 3\nprivate_key = {secret}\n")).unwrap_err();
        let message = error.to_string();
        assert!(
            matches!(error, ConfigError::Syntax { line: 2, .. }),
            "{message}"
        );
        assert!(!message.contains(secret), "{message}");
    }

    #[test]
    fn a_missing_default_file_is_fine_but_a_named_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        assert!(matches!(
            load(Some(&missing)),
            Err(ConfigError::Read { .. })
        ));
    }
}
