//! Finding anvil (PATH, then ferry's own npm prefix, then installing it there with npm) and
//! talking to its JSON-RPC endpoint.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::DevnetError;
use crate::paths::npm_prefix;
use crate::shell::shell_quote;

/// The npm package (and version) ferry installs anvil from.
pub const ANVIL_NPM_PACKAGE: &str = "@foundry-rs/anvil-linux-amd64@1.7.1";

/// Where that package puts the binary, relative to the npm prefix.
pub(super) const ANVIL_IN_PREFIX: &str = "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil";

/// The devnet's chain id (anvil's default).
pub const CHAIN_ID: u64 = 31337;

/// Anvil's well-known default account #0; it deploys the vault and is the devnet's `funded_key`.
pub const FUNDED_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// The command that installs anvil where ferry looks for it.
pub fn install_command(data_dir: &Path) -> String {
    format!(
        "npm install --prefix {} {ANVIL_NPM_PACKAGE}",
        shell_quote(&npm_prefix(data_dir).to_string_lossy())
    )
}

/// Finds anvil: `anvil` on `path_var` (a PATH value), else in ferry's npm prefix.
pub fn locate(path_var: Option<&OsStr>, data_dir: &Path) -> Option<PathBuf> {
    path_var
        .and_then(|path| find_executable("anvil", path))
        .or_else(|| {
            Some(npm_prefix(data_dir).join(ANVIL_IN_PREFIX)).filter(|path| is_executable(path))
        })
}

/// Finds anvil, installing it into ferry's npm prefix when npm is on PATH.
pub async fn find_or_install(data_dir: &Path) -> Result<PathBuf, DevnetError> {
    let path_var = std::env::var_os("PATH");
    let (found, npm) = {
        let data_dir = data_dir.to_owned();
        super::blocking(move || {
            let found = locate(path_var.as_deref(), &data_dir);
            let npm = path_var
                .as_deref()
                .and_then(|path| find_executable("npm", path));
            (found, npm)
        })
        .await
    };
    if let Some(anvil) = found {
        return Ok(anvil);
    }
    let Some(npm) = npm else {
        return Err(DevnetError::AnvilMissing {
            npm_prefix: npm_prefix(data_dir),
            install_command: install_command(data_dir),
        });
    };
    install(&npm, data_dir).await
}

async fn install(npm: &Path, data_dir: &Path) -> Result<PathBuf, DevnetError> {
    let command = install_command(data_dir);
    let prefix = npm_prefix(data_dir);
    tracing::info!("anvil is not on PATH; installing it with `{command}`");
    let failed = |detail: String| DevnetError::AnvilInstall {
        command: command.clone(),
        detail,
    };
    let output = tokio::process::Command::new(npm)
        .arg("install")
        .arg("--prefix")
        .arg(&prefix)
        .arg(ANVIL_NPM_PACKAGE)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|error| failed(format!("cannot run {}: {error}", npm.display())))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(failed(format!(
            "npm {}: {}",
            output.status,
            tail.join(" | ")
        )));
    }
    let anvil = prefix.join(ANVIL_IN_PREFIX);
    if !is_executable(&anvil) {
        return Err(failed(format!(
            "npm succeeded but {} is missing",
            anvil.display()
        )));
    }
    tracing::info!("installed anvil at {}", anvil.display());
    Ok(anvil)
}

/// The port in anvil's `Listening on 127.0.0.1:PORT` line.
pub fn parse_listening(line: &str) -> Option<u16> {
    let address = line.trim().strip_prefix("Listening on ")?;
    address
        .parse::<std::net::SocketAddr>()
        .ok()
        .map(|address| address.port())
}

/// Asks a JSON-RPC endpoint for its chain id.
pub async fn chain_id(http: &reqwest::Client, rpc_url: &str) -> Result<u64, reqwest::Error> {
    #[derive(serde::Deserialize)]
    struct RpcAnswer {
        result: String,
    }
    let request =
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []});
    let answer: RpcAnswer = http
        .post(rpc_url)
        .timeout(Duration::from_secs(3))
        .json(&request)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(u64::from_str_radix(answer.result.trim_start_matches("0x"), 16).unwrap_or(0))
}

/// Waits until the chain at `rpc_url` answers with [`CHAIN_ID`].
pub async fn wait_for_rpc(rpc_url: &str, log: &Path, timeout: Duration) -> Result<(), DevnetError> {
    let http = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + timeout;
    while tokio::time::Instant::now() < deadline {
        if chain_id(&http, rpc_url)
            .await
            .is_ok_and(|id| id == CHAIN_ID)
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(DevnetError::NotReady {
        what: format!("anvil's JSON-RPC at {rpc_url}"),
        seconds: timeout.as_secs(),
        log: log.to_owned(),
    })
}

fn find_executable(name: &str, path_var: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(path_var)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn fake_executable(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn anvil_is_found_on_path_first_then_in_the_npm_prefix() {
        let root = tempfile::tempdir().unwrap();
        let data_dir = root.path().join("data");
        let bin = root.path().join("bin");
        let empty = root.path().join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        let path_var = std::env::join_paths([&empty, &bin]).unwrap();

        assert_eq!(locate(Some(&path_var), &data_dir), None);

        let in_prefix = npm_prefix(&data_dir).join(ANVIL_IN_PREFIX);
        fake_executable(&in_prefix);
        assert_eq!(locate(Some(&path_var), &data_dir), Some(in_prefix.clone()));
        assert_eq!(locate(None, &data_dir), Some(in_prefix));

        fake_executable(&bin.join("anvil"));
        assert_eq!(locate(Some(&path_var), &data_dir), Some(bin.join("anvil")));
    }

    #[test]
    fn files_that_are_not_executable_are_skipped() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("anvil"), "").unwrap();
        std::fs::create_dir(root.path().join("npm")).unwrap();
        let path_var = OsString::from(root.path());
        assert_eq!(find_executable("anvil", &path_var), None);
        assert_eq!(find_executable("npm", &path_var), None);
    }

    #[test]
    fn install_command_names_the_package_and_quotes_the_prefix() {
        assert_eq!(
            install_command(Path::new("/home/u/.local/share/ferry")),
            "npm install --prefix /home/u/.local/share/ferry/npm @foundry-rs/anvil-linux-amd64@1.7.1"
        );
        assert_eq!(
            install_command(Path::new("/tmp/my data")),
            "npm install --prefix '/tmp/my data/npm' @foundry-rs/anvil-linux-amd64@1.7.1"
        );
    }

    #[test]
    fn listening_line_gives_the_port() {
        assert_eq!(parse_listening("Listening on 127.0.0.1:41749"), Some(41749));
        assert_eq!(parse_listening("Listening on 127.0.0.1"), None);
        assert_eq!(parse_listening("eth_chainId"), None);
    }
}
