//! The man pages, from the clap definitions: `ferry.1` (global options, the commands, and the
//! exit status, environment and files that clap does not know about) and one page per command
//! (`ferry-upload.1`, `ferry-devnet-up.1`, …) with its options and their variables.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

use super::Cli;
use crate::exit::ErrorKind;

/// The exit codes, as SPEC.md and the README give them.
const EXIT_STATUS: [(Option<ErrorKind>, &str); 10] = [
    (
        None,
        "uploaded (or downloaded) completely; verify or repair: every chunk has 4 proven replicas",
    ),
    (Some(ErrorKind::Internal), "internal error (a bug)"),
    (
        Some(ErrorKind::BadInput),
        "bad input or usage: missing or unreadable file, a directory, a file that changed during its upload, bad flag, no or bad key, bad config file, a network file whose chain id is not its RPC's, a crafted reference, receipt from a newer ferry",
    ),
    (
        Some(ErrorKind::Network),
        "network or node failure after retries; rerunning resumes",
    ),
    (
        Some(ErrorKind::Payment),
        "payment refused: insufficient funds, --max-cost, or the cost question declined; nothing was paid for the refused wave",
    ),
    (
        Some(ErrorKind::Partial),
        "partial upload: some chunks failed after retries; rerunning resumes and pays nothing twice",
    ),
    (
        Some(ErrorKind::Io),
        "local I/O failure under the data dir or the output (disk full, permissions); what was paid is kept: free space and rerun, nothing is paid twice",
    ),
    (
        Some(ErrorKind::Degraded),
        "verify or repair: the file is degraded, some chunk has fewer than 4 proven replicas (but at least one); ferry repair restores it",
    ),
    (
        Some(ErrorKind::Lost),
        "verify or repair: some chunk of the file is proven by no node; it cannot be downloaded or repaired",
    ),
    (
        Some(ErrorKind::Interrupted),
        "interrupted by Ctrl-C; rerunning resumes",
    ),
];

fn command() -> clap::Command {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    command
}

fn extra_sections() -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    for (kind, meaning) in EXIT_STATUS {
        let code = kind.map_or(0, ErrorKind::exit_code);
        roff.control("TP", [])
            .text([bold(code.to_string())])
            .text([roman(meaning)]);
    }
    roff.control("SH", ["ENVIRONMENT"])
        .text([roman(
            "Every option with a value has an environment variable, named with the option in the page of its command (ferry-upload(1) and so on). A value comes from the option, else the variable, else the config file, else the default.",
        )])
        .control("TP", [])
        .text([bold("FERRY_PRIVATE_KEY")])
        .text([roman(
            "The paying account's private key, in hex. Read only from the environment; never printed or logged.",
        )])
        .control("TP", [])
        .text([bold("FERRY_LOG"), roman(", "), bold("RUST_LOG")])
        .text([roman(
            "Log filter (for example ferry=debug); when set, it replaces the level -q and -v choose.",
        )]);
    roff.control("SH", ["FILES"])
        .control("TP", [])
        .text([bold("~/.config/ferry/config.toml")])
        .text([roman(
            "The config file (the platform's config dir; --config or FERRY_CONFIG name another). TOML; each key is its variable's name without FERRY_, in lower case: data_dir, network, rpc_url, max_cost, confirm_above, wave_size, transfers, devnet_nodes.",
        )])
        .control("TP", [])
        .text([bold("~/.local/share/ferry")])
        .text([roman(
            "The data dir (--data-dir, FERRY_DATA_DIR): receipts, and the devnet with its network file devnet/network.json.",
        )]);
    roff
}

/// Writes `ferry.1`.
pub fn render_main(out: &mut dyn Write) -> std::io::Result<()> {
    let mut page = Vec::new();
    Man::new(command()).render(&mut page)?;
    let page = String::from_utf8(page).expect("roff is text");
    let at = page.find("\n.SH VERSION").map_or(page.len(), |at| at + 1);
    out.write_all(&page.as_bytes()[..at])?;
    out.write_all(extra_sections().to_roff().as_bytes())?;
    out.write_all(&page.as_bytes()[at..])
}

/// Writes `ferry.1` and a page per command into `dir`; returns the files written.
pub fn write_pages(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let main = dir.join("ferry.1");
    render_main(&mut std::fs::File::create(&main)?)?;
    let mut written = vec![main];
    let mut pending: Vec<clap::Command> = command().get_subcommands().cloned().collect();
    while let Some(command) = pending.pop() {
        if command.is_hide_set() {
            continue;
        }
        pending.extend(command.get_subcommands().cloned());
        written.push(Man::new(command).generate_to(dir)?);
    }
    written.sort();
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exit_code_is_listed_once() {
        let codes: Vec<u8> = EXIT_STATUS
            .iter()
            .map(|(kind, _)| kind.map_or(0, ErrorKind::exit_code))
            .collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6, 7, 8, 130]);
    }

    #[test]
    fn the_main_page_has_exit_status_before_version_and_names_the_key_variable() {
        let mut page = Vec::new();
        render_main(&mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        let exit = page
            .find(".SH \"EXIT STATUS\"")
            .expect("an EXIT STATUS section");
        assert!(exit < page.find(".SH VERSION").unwrap());
        assert!(page.contains("FERRY_PRIVATE_KEY") && page.contains("FERRY_CONFIG"));
    }
}
