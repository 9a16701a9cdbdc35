//! The command line: clap definitions, dispatch, and turning failures into exit codes.
//!
//! Settings come from flags, then environment variables, then the config file ([`config`]),
//! then defaults; the handlers read the resolved values from [`Context`], the output mode
//! ([`OutputMode`]: JSON, human or quiet) among them.
//!
//! Each command returns `Result<(), CliError>`; a [`CliError`] carries the [`ErrorKind`] that
//! picks the exit code, so no handler calls `process::exit`. With `--json` the failure is the
//! last line on stdout (`{"event":"error",…}`); without it, the message and its causes go to
//! stderr.
//!
//! One file per command: `upload`, `download`, `quote`, `verify` (and `repair`), `status`,
//! `list` (with the history it reads), `cache`, `wallet`, `vault`, `network`, `devnet`; the
//! set-up several of them share (the network's nodes, the vault, standard input) is in
//! `setup`.

mod args;
mod cache;
pub mod config;
mod context;
pub mod devnet;
mod download;
mod history;
mod human;
mod invocation;
mod keys;
mod list;
pub mod man;
mod man_examples;
mod network;
mod output;
mod prompt;
mod quote;
mod setup;
mod status;
pub mod units;
mod upload;
mod vault;
mod verify;
mod wallet;

pub use args::{Cli, Command, DownloadArgs, NetworkArgs, QuoteArgs, UploadArgs, VerifyArgs};
pub use context::{CliError, Context};
pub use output::OutputMode;

use crate::exit::ErrorKind;

/// Runs a parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> u8 {
    let output = OutputMode::new(cli.json, cli.quiet);
    let config = match config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            let failure = CliError::new(ErrorKind::BadInput, error);
            report_failure(output, &failure);
            return failure.kind.exit_code();
        }
    };
    let data_dir = cli
        .data_dir
        .or_else(|| config.data_dir.clone())
        .unwrap_or_else(crate::paths::data_dir);
    let context = Context {
        output,
        invocation: invocation::Invocation::new(&data_dir, cli.config.as_deref()),
        data_dir,
        units: cli.units.or(config.units).unwrap_or_default(),
        wallet: keys::WalletSource {
            account: cli.account.or_else(|| config.account.clone()),
            keystore: cli.keystore.or_else(|| config.keystore.clone()),
            password_file: cli.password_file.or_else(|| config.password_file.clone()),
        },
        config,
        devnet_may_start: matches!(
            cli.command,
            Command::Upload(_) | Command::Quote(_) | Command::Wallet(_)
        ),
    };
    let result = match cli.command {
        Command::Upload(args) => upload::upload(&context, args).await,
        Command::Download(args) => download::download(&context, args).await,
        Command::Quote(args) => quote::quote(&context, args).await,
        Command::Verify(args) => verify::verify(&context, args).await,
        Command::Repair(args) => verify::repair(&context, args).await,
        Command::Status { file } => status::status(&context, file).await,
        Command::List(args) => list::list(&context, args).await,
        Command::Cache(command) => cache::cache(&context, command).await,
        Command::Wallet(command) => wallet::wallet(&context, command).await,
        Command::Vault(command) => vault::vault(&context, command).await,
        Command::Network(command) => network::network(&context, command).await,
        Command::Devnet(command) => devnet::devnet(&context, command).await,
        Command::Completions { shell } => {
            print_completions(shell);
            Ok(())
        }
        Command::Man { dir } => print_man(dir.as_deref()).map_err(|e| {
            CliError::new(
                ErrorKind::BadInput,
                anyhow::anyhow!("cannot write the man pages: {e}"),
            )
        }),
    };
    match result {
        Ok(()) => 0,
        Err(failure) => {
            report_failure(context.output, &failure);
            failure.kind.exit_code()
        }
    }
}

/// Says how a command failed: its `error` line with `--json` (unless its last line already
/// said), else the message, its causes and the hint on stderr (`-q` too: errors always show).
fn report_failure(output: OutputMode, failure: &CliError) {
    let mut message = crate::exit::with_causes(failure.error.as_ref());
    if let Some(hint) = &failure.hint {
        message = format!("{message}; {hint}");
    }
    if !output.is_json() {
        eprintln!("error: {message}");
        return;
    }
    if failure.reported_in_json {
        return;
    }
    let mut event = output::JsonEvent::error(failure.kind, &message);
    if let output::JsonEvent::Error { upload, .. } = &mut event {
        *upload = output::UploadCounts::of(&failure.error);
    }
    output::print_json_line(&event);
}

/// Writes completions for `shell` to stdout.
pub fn print_completions(shell: clap_complete::Shell) {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut man::completion_command(), "ferry", &mut script);
    output::write_stdout(&script);
}

/// Writes `ferry.1` to stdout, or every page into `dir`.
pub fn print_man(dir: Option<&std::path::Path>) -> std::io::Result<()> {
    match dir {
        Some(dir) => man::write_pages(dir).map(drop),
        None => {
            let mut page = Vec::new();
            man::render_main(&mut page)?;
            output::write_stdout(&page);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    /// Fails when an error's message repeats the message of its cause.
    fn assert_each_cause_once(error: &(dyn std::error::Error + 'static)) {
        let mut current = error;
        while let Some(cause) = current.source() {
            let (outer, inner) = (current.to_string(), cause.to_string());
            assert!(
                !outer.contains(&inner),
                "{outer:?} repeats its cause {inner:?}"
            );
            current = cause;
        }
    }

    #[test]
    fn error_chains_print_each_cause_once() {
        let disk_full = || std::io::Error::new(std::io::ErrorKind::StorageFull, "disk full");
        let path = std::path::PathBuf::from("/data/receipts/x.receipt");
        let cache = || crate::client::receipt::cache::CacheError::Io {
            action: "write",
            path: path.clone(),
            source: disk_full(),
        };
        let errors: Vec<Box<dyn std::error::Error + 'static>> = vec![
            Box::new(cache()),
            Box::new(crate::client::upload::UploadError::ReceiptWrite {
                source: cache(),
                summary: Box::default(),
            }),
            Box::new(crate::devnet::DevnetError::Io {
                action: "write",
                path: path.clone(),
                source: disk_full(),
            }),
            Box::new(crate::devnet::DevnetError::Deploy {
                source: crate::vault::PaymentError::BadUrl("x".into()),
            }),
            Box::new(crate::wire::network::NetworkFileError::Read {
                path: path.clone(),
                source: disk_full(),
            }),
            Box::new(crate::client::chunking::ChunkError::Read {
                path: "f".into(),
                source: disk_full(),
            }),
            Box::new(crate::node::NodeError::KeyFile {
                path: path.clone(),
                source: disk_full(),
            }),
            Box::new(crate::node::StoreError::Io {
                path: path.clone(),
                source: disk_full(),
            }),
            Box::new(crate::client::download::DownloadError::Output {
                path,
                source: disk_full(),
            }),
        ];
        for error in &errors {
            assert_each_cause_once(error.as_ref());
        }
    }
}
