//! The `ferry` command: parse arguments, run, exit with the code the library chose.
//!
//! Logs go to stderr. Their level comes from `FERRY_LOG` or `RUST_LOG` (an `EnvFilter`
//! directive such as `ferry=debug`) when set, else from `-q` / `-v` / `-vv` / `-vvv`.

use std::io::IsTerminal;

use clap::Parser;
use ferry::cli::Cli;
use tracing_subscriber::EnvFilter;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_env("FERRY_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| cli.log_filter().into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = tokio::runtime::Runtime::new().expect("the tokio runtime starts");
    std::process::ExitCode::from(runtime.block_on(ferry::cli::run(cli)))
}
