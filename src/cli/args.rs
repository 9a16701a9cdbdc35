//! The command line's shape: the clap definitions of `ferry`'s global flags, its commands and
//! the arguments they share. Help text, man pages and completions are generated from these
//! doc comments (`scripts/gen-docs.sh`), so a change here is a change users read.
//!
//! Invariant: every flag that takes a value has an environment variable, and every config-file
//! key is one of those variables without its `FERRY_` prefix (the tests below check both).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use super::{cache, config, devnet, list, network, units, vault, wallet};
use crate::wire::types::Amount;

/// Upload files to a pay-per-chunk storage network; an interrupted upload resumes without
/// paying twice.
#[derive(Debug, Parser)]
#[command(name = "ferry", version, propagate_version = true)]
pub struct Cli {
    /// Print one JSON object per line on stdout instead of human output.
    #[arg(long, global = true)]
    pub json: bool,
    /// Show only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Show ferry's decisions on stderr: -v waves, retries and why, failed nodes; -vv each
    /// chunk and which nodes; -vvv also the libraries' debug logs.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Where ferry keeps receipts and the devnet [default: the platform's data dir, e.g.
    /// ~/.local/share/ferry].
    #[arg(long, global = true, env = "FERRY_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The config file [default: config.toml in the platform's config dir, e.g.
    /// ~/.config/ferry/config.toml].
    #[arg(long, global = true, env = config::CONFIG_ENV, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The unit human output shows amounts in (`--json` always gives decimal strings of wei)
    /// [default: eth].
    #[arg(long, global = true, env = "FERRY_UNITS", value_name = "UNIT")]
    pub units: Option<units::Unit>,
    /// Pay with the key in the keystore of this account (made by `ferry wallet import` or
    /// `ferry wallet new`, under the data dir).
    #[arg(long, global = true, env = "FERRY_ACCOUNT", value_name = "NAME")]
    pub account: Option<String>,
    /// Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and
    /// `cast wallet` write them).
    #[arg(
        long,
        global = true,
        env = "FERRY_KEYSTORE",
        value_name = "FILE",
        conflicts_with = "account"
    )]
    pub keystore: Option<PathBuf>,
    /// Read the keystore's password from the first line of this file instead of asking.
    #[arg(long, global = true, env = "FERRY_PASSWORD_FILE", value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// ferry's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Upload a file or a folder: encrypt, pay in waves, store; rerun to resume.
    Upload(UploadArgs),
    /// Download a file or a folder by its reference.
    Download(DownloadArgs),
    /// Estimate what uploading a file costs; pays nothing and needs no wallet.
    Quote(QuoteArgs),
    /// Check that a file is still fully stored: every node of each chunk's close group is
    /// challenged to prove it holds the chunk. Pays nothing.
    Verify(VerifyArgs),
    /// Verify, then store the missing replicas of every chunk below 4 on its close group.
    /// Pays nothing.
    Repair(VerifyArgs),
    /// List interrupted uploads: chunks paid, stored and total, what they paid, when proofs
    /// expire, and the command that resumes each.
    Status {
        /// Only this file's upload.
        file: Option<PathBuf>,
    },
    /// List finished uploads from the local history (name, size, date, cost, reference), or
    /// with a folder's reference, its files and directories.
    #[command(visible_alias = "ls")]
    List(list::ListArgs),
    /// Clean the receipt cache.
    #[command(subcommand)]
    Cache(cache::CacheCommand),
    /// Show the paying wallet.
    #[command(subcommand)]
    Wallet(wallet::WalletCommand),
    /// Run a local network: anvil, the payment vault and storage nodes.
    #[command(subcommand)]
    Devnet(devnet::DevnetCommand),
    /// Deploy the payment vault contract.
    #[command(subcommand)]
    Vault(vault::VaultCommand),
    /// Write a network file for a chain, its vault and some nodes.
    #[command(subcommand)]
    Network(network::NetworkCommand),
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page ferry.1 (roff) to stdout, or write it and a page per command into DIR.
    #[command(hide = true)]
    Man {
        /// Where to write every page.
        dir: Option<PathBuf>,
    },
}

/// Which network to use.
#[derive(Debug, Clone, Args)]
pub struct NetworkArgs {
    /// A network file (JSON: chain_id, rpc_url, vault, bootstrap).
    #[arg(long, env = "FERRY_NETWORK", value_name = "FILE")]
    pub network: Option<PathBuf>,
    /// Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet
    /// start one, detached, when none is running; download, verify, repair and list need one
    /// running (a new devnet holds nothing uploaded before).
    #[arg(long)]
    pub devnet: bool,
    /// Override the network file's RPC URL.
    #[arg(long, env = "FERRY_RPC_URL", value_name = "URL")]
    pub rpc_url: Option<String>,
}

/// `ferry upload`.
#[derive(Debug, Clone, Args)]
pub struct UploadArgs {
    /// The file or folder to upload, or `-` for standard input.
    pub file: PathBuf,
    /// Do not ask before paying (ferry never asks off a terminal or with --json).
    #[arg(long)]
    pub yes: bool,
    /// Never let this run pay more than this, storage and gas: wei (1000), gwei (5gwei) or
    /// ETH (0.01eth).
    #[arg(long, env = "FERRY_MAX_COST", value_name = "AMOUNT", value_parser = units::parse_amount)]
    pub max_cost: Option<Amount>,
    /// On a terminal, ask before paying more than this (storage and gas): wei, gwei (5gwei)
    /// or ETH (0.01eth); 0 asks always [default: 0.01eth].
    #[arg(long, env = "FERRY_CONFIRM_ABOVE", value_name = "AMOUNT", value_parser = units::parse_amount)]
    pub confirm_above: Option<Amount>,
    /// Do not trust the cached receipt's record of what is stored: ask every chunk's nodes
    /// again. Chunks the chain shows paid (proofs still valid) are never paid again.
    #[arg(long)]
    pub no_resume: bool,
    /// Chunks being sent to nodes at once, 1 to 32 (each to 4 nodes; about 4 MiB of memory
    /// each) [default: 8].
    #[arg(long, env = "FERRY_TRANSFERS", value_parser = clap::value_parser!(u8).range(1..=32), value_name = "N")]
    pub transfers: Option<u8>,
    /// Chunks per payment transaction, 1 to 64 [default: 64].
    #[arg(long, env = "FERRY_WAVE_SIZE", value_parser = clap::value_parser!(u8).range(1..=64), value_name = "N")]
    pub wave_size: Option<u8>,
    /// The network.
    #[command(flatten)]
    pub network: NetworkArgs,
}

/// `ferry download`.
#[derive(Debug, Clone, Args)]
pub struct DownloadArgs {
    /// The reference `ferry upload` printed (`ferry:` followed by hex).
    pub reference: String,
    /// Where to write the file (`-` for standard output; missing parent directories are
    /// created), or the directory to rebuild a folder in. With --path, an existing directory
    /// gets the file under its own name.
    #[arg(short, long, env = "FERRY_OUTPUT", value_name = "FILE")]
    pub output: PathBuf,
    /// For a folder's reference: download only the file at this path inside the folder
    /// (`a/b.txt`), fetching only the chunks that hold it.
    #[arg(long, env = "FERRY_DOWNLOAD_PATH", value_name = "PATH")]
    pub path: Option<String>,
    /// Refuse to replace an existing file (or, for a folder, to write into a directory that
    /// is not empty) instead of overwriting it.
    #[arg(long, short = 'n')]
    pub no_clobber: bool,
    /// The network.
    #[command(flatten)]
    pub network: NetworkArgs,
}

/// `ferry verify` and `ferry repair`.
#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// The reference `ferry upload` printed (`ferry:` followed by hex).
    pub reference: String,
    /// The network.
    #[command(flatten)]
    pub network: NetworkArgs,
}

/// `ferry quote`.
#[derive(Debug, Clone, Args)]
pub struct QuoteArgs {
    /// The file or folder to price, or `-` for standard input.
    pub file: PathBuf,
    /// Chunks per payment transaction the estimate assumes, 1 to 64 [default: 64].
    #[arg(long, env = "FERRY_WAVE_SIZE", value_parser = clap::value_parser!(u8).range(1..=64), value_name = "N")]
    pub wave_size: Option<u8>,
    /// The network.
    #[command(flatten)]
    pub network: NetworkArgs,
}

impl Cli {
    /// The log filter for `-q`, `-v`, `-vv`, `-vvv` (used when neither `FERRY_LOG` nor
    /// `RUST_LOG` is set): `-v` and `-vv` show ferry's own logs (info, then debug) and keep
    /// its libraries at warnings; only `-vvv` lets their debug logs through.
    pub fn log_filter(&self) -> &'static str {
        match (self.quiet, self.verbose) {
            (true, _) => "error",
            (false, 0) => "warn,ferry::devnet=info",
            (false, 1) => "warn,ferry=info",
            (false, 2) => "warn,ferry=debug",
            (false, _) => "debug,ferry=trace",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("ferry").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn quiet_and_verbose_pick_log_levels() {
        assert_eq!(parse(&["-q", "man"]).log_filter(), "error");
        assert_eq!(parse(&["man"]).log_filter(), "warn,ferry::devnet=info");
        assert_eq!(parse(&["-v", "man"]).log_filter(), "warn,ferry=info");
        assert_eq!(parse(&["-vv", "man"]).log_filter(), "warn,ferry=debug");
        assert_eq!(parse(&["-vvvv", "man"]).log_filter(), "debug,ferry=trace");
    }

    /// Every option that takes a value, in every command, and its environment variable.
    fn options_with_values(command: &clap::Command, found: &mut Vec<(String, Option<String>)>) {
        for arg in command.get_arguments() {
            let takes_value = arg.get_action().takes_values();
            if takes_value && !arg.is_positional() && !arg.is_hide_set() {
                let env = arg.get_env().map(|e| e.to_string_lossy().into_owned());
                found.push((format!("{} --{}", command.get_name(), arg.get_id()), env));
            }
        }
        for sub in command.get_subcommands() {
            options_with_values(sub, found);
        }
    }

    #[test]
    fn every_flag_with_a_value_has_an_environment_variable() {
        use clap::CommandFactory;
        let mut found = Vec::new();
        options_with_values(&Cli::command(), &mut found);
        assert!(found.len() >= 8, "{found:?}");
        let missing: Vec<_> = found.iter().filter(|(_, env)| env.is_none()).collect();
        assert!(missing.is_empty(), "no environment variable: {missing:?}");
    }

    #[test]
    fn every_config_key_is_an_environment_variable_without_the_prefix() {
        use clap::CommandFactory;
        let mut found = Vec::new();
        options_with_values(&Cli::command(), &mut found);
        let envs: Vec<String> = found.into_iter().filter_map(|(_, env)| env).collect();
        for key in config::KEYS {
            let env = format!("FERRY_{}", key.to_ascii_uppercase());
            assert!(
                envs.contains(&env),
                "config key {key} has no flag with {env}"
            );
        }
    }

    #[test]
    fn upload_settings_left_unset_are_none_so_the_config_file_can_fill_them() {
        let Command::Upload(args) = parse(&["upload", "f"]).command else {
            panic!("not an upload");
        };
        assert_eq!(
            (args.wave_size, args.transfers, args.max_cost),
            (None, None, None)
        );
        assert!(args.confirm_above.is_none());
    }
}
