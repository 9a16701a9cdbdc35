//! The node's config file: every `ferry-node` flag in TOML (`ferry-node --config node.toml`),
//! so a service runs with `--config` alone.
//!
//! Each key is its flag's name with `_` for `-` (`--key-file` is `key_file`); sizes and
//! durations take human units (`capacity = "500G"`, `repair_interval = "1h"`) or plain
//! numbers (bytes, seconds). A setting is taken from, in order: its flag, its environment
//! variable, this file, the built-in default, as ferry's own config file
//! ([`crate::cli::config`]). Relative paths in the file are relative to its directory.
//!
//! Invariants: an unknown key, or a value of the wrong type, is an error naming the file and
//! the key (exit 2), never ignored; no message quotes a value from the file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config_file::string;
use crate::wire::types::Amount;

/// The environment variable (and `--config` flag) naming the node's config file.
pub const NODE_CONFIG_ENV: &str = "FERRY_NODE_CONFIG";

/// The keys a node's config file may hold.
pub const KEYS: [&str; 15] = [
    "listen",
    "public_url",
    "root",
    "network",
    "key_file",
    "password_file",
    "capacity",
    "base_price_wei",
    "close_group",
    "rpc_url",
    "confirmations",
    "no_announce",
    "repair_interval",
    "drain_timeout",
    "log_format",
];

/// How the node writes its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Lines for a person.
    #[default]
    Human,
    /// One JSON object per line (time, level, target, message, fields), for a log shipper.
    Json,
}

/// Settings from the node's config file; `None` where the file is silent.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct NodeSettings {
    /// `--listen`.
    pub listen: Option<SocketAddr>,
    /// `--public-url`.
    pub public_url: Option<String>,
    /// `--root`.
    pub root: Option<PathBuf>,
    /// `--network`.
    pub network: Option<PathBuf>,
    /// `--key-file`.
    pub key_file: Option<PathBuf>,
    /// `--password-file`.
    pub password_file: Option<PathBuf>,
    /// `--capacity`, bytes.
    pub capacity: Option<u64>,
    /// `--base-price-wei`.
    pub base_price_wei: Option<Amount>,
    /// `--close-group`.
    pub close_group: Option<usize>,
    /// `--rpc-url`.
    pub rpc_url: Option<String>,
    /// `--confirmations`.
    pub confirmations: Option<u64>,
    /// `--no-announce`.
    pub no_announce: Option<bool>,
    /// `--repair-interval`.
    pub repair_interval: Option<Duration>,
    /// `--drain-timeout`.
    pub drain_timeout: Option<Duration>,
    /// `--log-format`.
    pub log_format: Option<LogFormat>,
}

/// A node config file that cannot be used (see [`crate::config_file`]).
pub type SettingsError = crate::config_file::ConfigFileError;

/// Loads the node's config file at `path`.
pub fn load(path: &Path) -> Result<NodeSettings, SettingsError> {
    let text = std::fs::read_to_string(path).map_err(|reason| SettingsError::Read {
        path: path.to_owned(),
        reason,
        env: NODE_CONFIG_ENV,
    })?;
    parse(path, &text)
}

/// Parses a node config file's text; relative paths are relative to the file's directory.
pub fn parse(path: &Path, text: &str) -> Result<NodeSettings, SettingsError> {
    let table = crate::config_file::table(path, text)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut settings = NodeSettings::default();
    for (key, value) in &table {
        let bad = |problem: String| SettingsError::key(path, key, problem);
        let path_value = |value| string(value, "a path").map(|text| base.join(text));
        match key.as_str() {
            "listen" => {
                let text = string(value, "an address, IP:PORT").map_err(bad)?;
                settings.listen = Some(text.parse().map_err(|_| {
                    bad("must be an address, IP:PORT (such as \"0.0.0.0:7000\")".into())
                })?);
            }
            "public_url" => settings.public_url = Some(string(value, "a URL").map_err(bad)?),
            "root" => settings.root = Some(path_value(value).map_err(bad)?),
            "network" => settings.network = Some(path_value(value).map_err(bad)?),
            "key_file" => settings.key_file = Some(path_value(value).map_err(bad)?),
            "password_file" => settings.password_file = Some(path_value(value).map_err(bad)?),
            "capacity" => settings.capacity = Some(size(value).map_err(bad)?),
            "base_price_wei" => settings.base_price_wei = Some(wei(value).map_err(bad)?),
            "close_group" => {
                settings.close_group = Some(whole_u64(value, 1, 64).map_err(bad)? as usize)
            }
            "rpc_url" => settings.rpc_url = Some(string(value, "a URL").map_err(bad)?),
            "confirmations" => {
                settings.confirmations = Some(whole_u64(value, 0, 1_000_000).map_err(bad)?)
            }
            "no_announce" => match value {
                toml::Value::Boolean(flag) => settings.no_announce = Some(*flag),
                _ => return Err(bad("must be true or false".into())),
            },
            "repair_interval" => settings.repair_interval = Some(duration(value).map_err(bad)?),
            "drain_timeout" => settings.drain_timeout = Some(duration(value).map_err(bad)?),
            "log_format" => {
                let text = string(value, "\"human\" or \"json\"").map_err(bad)?;
                let format = clap::ValueEnum::from_str(&text, true)
                    .map_err(|_| bad("must be \"human\" or \"json\"".into()))?;
                settings.log_format = Some(format);
            }
            _ => {
                return Err(bad(format!(
                    "is not a ferry-node setting; the keys are {}",
                    KEYS.join(", ")
                )));
            }
        }
    }
    Ok(settings)
}

/// Parses a duration: plain seconds (`90`) or human units (`1h`, `15m`, `1h 30m`, `500ms`).
/// Zero is allowed here; the setting that needs more says so.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    humantime::parse_duration(text).map_err(|error| {
        format!("{error}: give seconds (90) or a duration such as 90s, 15m, 1h or 1h 30m")
    })
}

fn whole_u64(value: &toml::Value, low: i64, high: i64) -> Result<u64, String> {
    crate::config_file::whole(value, low, high).map(|n| n as u64)
}

fn size(value: &toml::Value) -> Result<u64, String> {
    const WHAT: &str = "must be a size: bytes, or a string such as \"10G\", \"500GiB\" or \"2TB\"";
    match value {
        toml::Value::Integer(bytes) if *bytes >= 0 => Ok(*bytes as u64),
        toml::Value::String(text) => crate::sizes::parse_size(text).map_err(|_| WHAT.to_owned()),
        _ => Err(WHAT.to_owned()),
    }
}

fn wei(value: &toml::Value) -> Result<Amount, String> {
    const WHAT: &str = "must be a whole number of wei (an integer, or a string of digits)";
    match value {
        toml::Value::Integer(wei) if *wei >= 0 => Ok(Amount::wei(*wei as u128)),
        toml::Value::String(text) => text.trim().parse().map_err(|_| WHAT.to_owned()),
        _ => Err(WHAT.to_owned()),
    }
}

fn duration(value: &toml::Value) -> Result<Duration, String> {
    const WHAT: &str =
        "must be a duration: seconds, or a string such as \"90s\", \"15m\", \"1h\" or \"1h 30m\"";
    match value {
        toml::Value::Integer(seconds) if *seconds >= 0 => Ok(Duration::from_secs(*seconds as u64)),
        toml::Value::String(text) => parse_duration(text).map_err(|_| WHAT.to_owned()),
        _ => Err(WHAT.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<NodeSettings, SettingsError> {
        parse(Path::new("/etc/ferry-node/node.toml"), text)
    }

    #[test]
    fn every_key_is_read_and_paths_are_relative_to_the_file() {
        let settings = parsed(
            r#"
            listen = "0.0.0.0:7000"
            public_url = "http://203.0.113.7:7000"
            root = "store"
            network = "/srv/net.json"
            key_file = "node.key"
            password_file = "/run/secrets/node"
            capacity = "500G"
            base_price_wei = 2000
            close_group = 5
            rpc_url = "http://127.0.0.1:8545"
            confirmations = 3
            no_announce = true
            repair_interval = "1h"
            drain_timeout = 45
            log_format = "json"
            "#,
        )
        .unwrap();
        assert_eq!(
            settings,
            NodeSettings {
                listen: Some("0.0.0.0:7000".parse().unwrap()),
                public_url: Some("http://203.0.113.7:7000".into()),
                root: Some("/etc/ferry-node/store".into()),
                network: Some("/srv/net.json".into()),
                key_file: Some("/etc/ferry-node/node.key".into()),
                password_file: Some("/run/secrets/node".into()),
                capacity: Some(500 << 30),
                base_price_wei: Some(Amount::wei(2000)),
                close_group: Some(5),
                rpc_url: Some("http://127.0.0.1:8545".into()),
                confirmations: Some(3),
                no_announce: Some(true),
                repair_interval: Some(Duration::from_secs(3600)),
                drain_timeout: Some(Duration::from_secs(45)),
                log_format: Some(LogFormat::Json),
            }
        );
    }

    #[test]
    fn an_unknown_key_is_named_with_the_known_ones() {
        let message = parsed("capacty = \"1G\"").unwrap_err().to_string();
        assert!(message.contains("`capacty`"), "{message}");
        assert!(message.contains("capacity"), "{message}");
    }

    #[test]
    fn a_bad_value_names_the_key_without_quoting_it() {
        for (text, key) in [
            ("capacity = \"lots-secret\"", "`capacity`"),
            ("repair_interval = \"soon-secret\"", "`repair_interval`"),
            ("listen = \"nowhere-secret\"", "`listen`"),
            ("close_group = 0", "`close_group`"),
            ("log_format = \"xml-secret\"", "`log_format`"),
        ] {
            let message = parsed(text).unwrap_err().to_string();
            assert!(message.contains(key), "{message}");
            assert!(!message.contains("secret"), "{message}");
        }
    }

    #[test]
    fn durations_take_seconds_or_human_units() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-5").is_err());
    }
}
