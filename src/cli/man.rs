//! The man pages, from the clap definitions: `ferry.1` (global options, the commands, and the
//! exit status, environment and files that clap does not know about) and one page per command
//! (`ferry-upload.1`, `ferry-devnet-up.1`, …) with its options and their variables; the same
//! for `ferry-node` (its binary passes its clap definition to [`write_node_pages`]). Every page
//! that has examples in [`super::man_examples`] gets an EXAMPLES section before VERSION.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

use super::Cli;
use crate::exit::ErrorKind;

/// The exit codes, as the README's "Exit codes" section gives them ([`ErrorKind::exit_code`]).
const EXIT_STATUS: [(Option<ErrorKind>, &str); 10] = [
    (
        None,
        "uploaded (or downloaded) completely; verify or repair: every chunk has 4 proven replicas",
    ),
    (Some(ErrorKind::Internal), "internal error (a bug)"),
    (
        Some(ErrorKind::BadInput),
        "bad input or usage: missing or unreadable file, a file that changed during its upload, bad flag, no or bad key, bad config file, a network file whose chain id is not its RPC's or whose vault is not a ferry vault, --devnet for a command that reads stored data while no devnet runs, a reference that is not one, receipt from a newer ferry",
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
            "The data dir (--data-dir, FERRY_DATA_DIR): receipts, the upload history history.jsonl (what ferry list shows), and the devnet with its network file devnet/network.json.",
        )]);
    roff
}

/// `page` with an EXAMPLES section for `name` (and `extra`) put before its VERSION section.
fn with_sections(page: Vec<u8>, name: &str, extra: Option<Roff>) -> Vec<u8> {
    let page = String::from_utf8(page).expect("roff is text");
    let at = page.find("\n.SH VERSION").map_or(page.len(), |at| at + 1);
    let mut roff = Roff::new();
    let examples = super::man_examples::examples(name);
    if !examples.is_empty() {
        roff.control("SH", ["EXAMPLES"]);
        for (what, command) in examples {
            roff.control("TP", [])
                .text([roman(*what)])
                .control("nf", [])
                .text([bold(*command)])
                .control("fi", []);
        }
    }
    let mut sections = roff.to_roff();
    if let Some(extra) = extra {
        sections.push_str(&extra.to_roff());
    }
    [&page[..at], &sections, &page[at..]].concat().into_bytes()
}

fn render(command: clap::Command, extra: Option<Roff>) -> std::io::Result<(String, Vec<u8>)> {
    let man = Man::new(command);
    let name = man.get_filename();
    let mut page = Vec::new();
    man.render(&mut page)?;
    let stem = name.trim_end_matches(".1").to_owned();
    Ok((name, with_sections(page, &stem, extra)))
}

/// Writes `ferry.1`.
pub fn render_main(out: &mut dyn Write) -> std::io::Result<()> {
    let (_, page) = render(command(), Some(extra_sections()))?;
    out.write_all(&page)
}

/// Writes the page of `main` (with `extra` sections) and one per visible subcommand into
/// `dir`; returns the files written.
fn write_all(main: clap::Command, extra: Roff, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    let mut pending: Vec<clap::Command> = main.get_subcommands().cloned().collect();
    let (name, page) = render(main, Some(extra))?;
    std::fs::write(dir.join(&name), page)?;
    written.push(dir.join(name));
    while let Some(command) = pending.pop() {
        if command.is_hide_set() {
            continue;
        }
        pending.extend(command.get_subcommands().cloned());
        let (name, page) = render(command, None)?;
        std::fs::write(dir.join(&name), page)?;
        written.push(dir.join(name));
    }
    written.sort();
    Ok(written)
}

/// Writes `ferry.1` and a page per command into `dir`; returns the files written.
pub fn write_pages(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    write_all(command(), extra_sections(), dir)
}

/// Writes `ferry-node.1` and a page per subcommand into `dir`, from `ferry-node`'s clap
/// definition; returns the files written.
pub fn write_node_pages(node: clap::Command, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut node = node.disable_help_subcommand(true);
    node.build();
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in [
        (
            0,
            "stopped cleanly (SIGTERM or SIGINT), or the subcommand did what it was asked",
        ),
        (
            1,
            "a failure while running (the chain, the disk), or a rewards claim transaction that failed (the others were sent; rerun to retry it)",
        ),
        (
            2,
            "bad input: a bad flag or size, a network file that cannot be read or whose chain id is not its RPC's, a key file that cannot be used, a key nobody staked for (run ferry-node register)",
        ),
    ] {
        roff.control("TP", [])
            .text([bold(code.to_string())])
            .text([roman(meaning)]);
    }
    roff.control("SH", ["ENVIRONMENT"])
        .control("TP", [])
        .text([bold("FERRY_PRIVATE_KEY")])
        .text([roman(
            "ferry-node register: the key that pays the stake (a devnet network file's funded key otherwise). Never printed or logged.",
        )])
        .control("TP", [])
        .text([bold("RUST_LOG")])
        .text([roman("Log filter (for example ferry=debug) [default: info].")]);
    write_all(node, roff, dir)
}

/// The completions' view of ferry: every command but the hidden ones (`ferry man`).
pub fn completion_command() -> clap::Command {
    let full = Cli::command();
    let mut visible = clap::Command::new("ferry").version(env!("CARGO_PKG_VERSION"));
    if let Some(about) = full.get_about() {
        visible = visible.about(about.clone());
    }
    for arg in full.get_arguments() {
        visible = visible.arg(arg.clone());
    }
    for sub in full.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        visible = visible.subcommand(sub.clone());
    }
    visible
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
        let examples = page.find(".SH EXAMPLES").expect("an EXAMPLES section");
        assert!(examples < exit, "EXAMPLES come before EXIT STATUS");
        assert!(
            !page.contains("a directory,"),
            "folders upload: not bad input"
        );
    }

    #[test]
    fn completions_leave_out_the_hidden_man_command() {
        let visible = completion_command();
        assert!(visible.find_subcommand("upload").is_some());
        assert!(visible.find_subcommand("man").is_none());
        assert!(Cli::command().find_subcommand("man").is_some());
    }
}
