//! Where ferry keeps its files: the data dir (`FERRY_DATA_DIR`, else the platform's data dir
//! from the `directories` crate) and the fixed places inside it.

use std::path::{Path, PathBuf};

/// The environment variable that overrides the data dir.
pub const DATA_DIR_ENV: &str = "FERRY_DATA_DIR";

/// The data dir: `FERRY_DATA_DIR` if set, else e.g. `~/.local/share/ferry` on Linux.
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("", "", "ferry")
        .map(|dirs| dirs.data_dir().to_owned())
        .unwrap_or_else(|| PathBuf::from(".ferry"))
}

/// The devnet's directory inside a data dir.
pub fn devnet_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("devnet")
}

/// The devnet's network file inside a data dir.
pub fn devnet_network_file(data_dir: &Path) -> PathBuf {
    devnet_dir(data_dir).join("network.json")
}

/// Where ferry installs npm packages (anvil) when they are not on PATH.
pub fn npm_prefix(data_dir: &Path) -> PathBuf {
    data_dir.join("npm")
}
