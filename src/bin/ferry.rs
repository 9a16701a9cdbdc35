//! The `ferry` command: parse arguments, run, exit with the code the library chose.

use std::io::IsTerminal;

use clap::Parser;
use ferry::cli::Cli;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let filter = match (cli.quiet, cli.verbose) {
        (true, _) => "error",
        (false, 0) => "warn,ferry::devnet=info",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FERRY_LOG")
                .unwrap_or_else(|_| filter.into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = tokio::runtime::Runtime::new().expect("the tokio runtime starts");
    std::process::ExitCode::from(runtime.block_on(ferry::cli::run(cli)))
}
