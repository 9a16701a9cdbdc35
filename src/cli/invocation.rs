//! Commands ferry prints for the user to run (`ferry status`'s resume command, hints such as
//! `ferry devnet up`). They must run as printed, from any directory and in the same shell: they
//! carry the global flags this run was given that the environment alone would not give again
//! (`--data-dir`, `--config`), every path made absolute, every word quoted for a POSIX shell.

use std::path::{Path, PathBuf};

use crate::shell::shell_quote;

/// The global flags a printed command keeps.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    data_dir: Option<PathBuf>,
    config: Option<PathBuf>,
}

impl Invocation {
    /// This run's data dir (kept when it is not what the environment gives anyway) and the
    /// config file named by `--config` or `FERRY_CONFIG`.
    pub fn new(data_dir: &Path, config: Option<&Path>) -> Self {
        Self {
            data_dir: (data_dir != crate::paths::data_dir()).then(|| absolute(data_dir)),
            config: config.map(absolute),
        }
    }

    /// `ferry`, the kept global flags, then `words`, quoted: a line to paste into a shell.
    pub fn command_line<S: AsRef<str>>(&self, words: impl IntoIterator<Item = S>) -> String {
        let mut line = vec!["ferry".to_owned()];
        if let Some(dir) = &self.data_dir {
            line.extend(["--data-dir".to_owned(), quoted_path(dir)]);
        }
        if let Some(config) = &self.config {
            line.extend(["--config".to_owned(), quoted_path(config)]);
        }
        line.extend(words.into_iter().map(|word| shell_quote(word.as_ref())));
        line.join(" ")
    }
}

/// `path` made absolute against the current directory (unchanged when that fails).
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

fn quoted_path(path: &Path) -> String {
    shell_quote(&path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_line_keeps_the_data_dir_and_config_given() {
        let invocation = Invocation {
            data_dir: Some("/d d".into()),
            config: Some("/c.toml".into()),
        };
        assert_eq!(
            invocation.command_line(["upload", "/f"]),
            "ferry --data-dir '/d d' --config /c.toml upload /f"
        );
        assert_eq!(
            Invocation::default().command_line(["devnet", "up"]),
            "ferry devnet up"
        );
    }
}
