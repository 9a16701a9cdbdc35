//! The TOML config files both binaries read (`ferry --config`, `ferry-node --config`): reading
//! one, parsing it into a table, and the one error type for a file that cannot be used.
//!
//! Invariants: messages name the file, the line or the key, and never quote a value (a value
//! may be a secret); a key's problem says what to do about it.

use std::path::{Path, PathBuf};

/// A config file that cannot be used. Messages name the file and the key, never a value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    /// The file is missing or unreadable.
    #[error(
        "cannot read the config file {path} ({reason}); create it, or point --config / {env} at another file"
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: std::io::Error,
        /// The environment variable that names the file.
        env: &'static str,
    },
    /// The file is not valid TOML.
    #[error("config file {path}, line {line}: {message}; fix the TOML syntax")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// Where, from 1.
        line: usize,
        /// What the parser said.
        message: String,
    },
    /// A key is unknown, or its value has the wrong type or range.
    #[error("config file {path}: key `{key}` {problem}")]
    Key {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
        /// What is wrong with it and what to do.
        problem: String,
    },
}

impl ConfigFileError {
    /// A [`ConfigFileError::Key`] of `key` in `path`.
    pub fn key(path: &Path, key: &str, problem: String) -> Self {
        ConfigFileError::Key {
            path: path.to_owned(),
            key: key.to_owned(),
            problem,
        }
    }
}

/// Parses the TOML `text` of the file at `path` into its table; a syntax error names the line.
pub fn table(path: &Path, text: &str) -> Result<toml::Table, ConfigFileError> {
    toml::from_str(text).map_err(|error: toml::de::Error| ConfigFileError::Syntax {
        path: path.to_owned(),
        line: error
            .span()
            .map_or(1, |span| 1 + text[..span.start].matches('\n').count()),
        message: error.message().trim_end().to_owned(),
    })
}

/// A string value, or what it should have been (`what`, e.g. "a URL").
pub fn string(value: &toml::Value, what: &str) -> Result<String, String> {
    match value {
        toml::Value::String(text) if !text.trim().is_empty() => Ok(text.clone()),
        toml::Value::String(_) => Err(format!("is empty; give {what} or remove the line")),
        other => Err(format!(
            "must be a string ({what}), not {}",
            other.type_str()
        )),
    }
}

/// A whole number from `low` to `high`.
pub fn whole(value: &toml::Value, low: i64, high: i64) -> Result<i64, String> {
    match value.as_integer() {
        Some(n) if (low..=high).contains(&n) => Ok(n),
        _ => Err(format!("must be a whole number from {low} to {high}")),
    }
}
