//! `ferry devnet up|down|status`: the command line of [`crate::devnet`].
//!
//! `up` runs the devnet in the foreground until Ctrl-C (or SIGTERM, or with the hidden
//! `--until-stdin-closes` until stdin reaches EOF, or until the chain dies; a node that dies is
//! reported and the rest go on) and then stops it; `up --detach` leaves it running for `down`.
//! "No devnet is running" is a state, not an error: `down` and `status` report it and exit 0.
//! With `-q`, `up` and `down` print nothing but errors; `status` still prints the status, the
//! answer it was asked for.

use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::output::{JsonEvent, OutputMode, print_json_line};
use super::{CliError, Context};
use crate::devnet::{
    self, ChildExit, DevnetError, DevnetHealth, DevnetOptions, DevnetStatus, IsolatedNetwork,
    RunningDevnet, StartOutcome, StopHow, StopReport, Topology,
};
use crate::exit::ErrorKind;
use crate::signals::StopSignals;
use crate::wire::network::NetworkConfig;

/// `ferry devnet …`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum DevnetCommand {
    /// Start anvil, deploy the payment vault and start storage nodes; writes
    /// `<data dir>/devnet/network.json`. Runs until Ctrl-C unless --detach.
    Up {
        /// How many storage nodes to start [default: 10].
        #[arg(long, env = "FERRY_DEVNET_NODES", value_parser = parse_node_count, value_name = "N")]
        nodes: Option<usize>,
        /// Leave the devnet running in the background and return; stop it with `ferry devnet down`.
        #[arg(long)]
        detach: bool,
        /// Also stop when stdin reaches EOF (for test harnesses).
        #[arg(long, hide = true, conflicts_with = "detach")]
        until_stdin_closes: bool,
        /// Seconds between the nodes' checks that each chunk's 4 closest nodes hold it
        /// [default: 5].
        #[arg(long, env = "FERRY_DEVNET_REPAIR_INTERVAL", value_parser = clap::value_parser!(u64).range(1..), value_name = "SECONDS")]
        repair_interval: Option<u64>,
        /// Run anvil and each node in its own network namespace on a bridge, reached from here
        /// by their own IPs, as if on other machines (Linux, root, iproute2).
        #[arg(long)]
        isolated: bool,
        /// Shape this host's link into the isolated network to M Mbit/s (token bucket); traffic
        /// between nodes is not shaped.
        #[arg(long, env = "FERRY_DEVNET_UPLINK_MBIT", requires = "isolated", value_parser = clap::value_parser!(u32).range(1..=100_000), value_name = "M")]
        uplink_mbit: Option<u32>,
    },
    /// Stop the devnet that `up` started in this data dir.
    Down,
    /// Show whether the devnet's chain and nodes answer.
    Status,
}

fn parse_node_count(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("a devnet needs at least one node".into()),
        Ok(count) => Ok(count),
        Err(error) => Err(error.to_string()),
    }
}

/// Runs a devnet command against the devnet in the data dir (`up`'s node count: the flag,
/// else the config file's `devnet_nodes`, else the default).
pub async fn devnet(context: &Context, command: DevnetCommand) -> Result<(), CliError> {
    let (data_dir, output) = (context.data_dir.as_path(), context.output);
    match command {
        DevnetCommand::Up {
            nodes,
            detach,
            until_stdin_closes,
            repair_interval,
            isolated,
            uplink_mbit,
        } => {
            let lifetime = match (detach, until_stdin_closes) {
                (true, _) => Lifetime::Detached,
                (false, true) => Lifetime::UntilSignalOrStdinEof,
                (false, false) => Lifetime::UntilSignal,
            };
            let options = DevnetOptions {
                nodes: nodes
                    .or(context.config.devnet_nodes)
                    .unwrap_or(devnet::DEFAULT_NODES),
                repair_interval: repair_interval
                    .map_or(devnet::DEFAULT_REPAIR_INTERVAL, Duration::from_secs),
                topology: match isolated {
                    true => Topology::Isolated { uplink_mbit },
                    false => Topology::Loopback,
                },
                ..DevnetOptions::new(data_dir)
            };
            up(options, lifetime, output).await
        }
        DevnetCommand::Down => down(data_dir, output).await,
        DevnetCommand::Status => show_status(data_dir, output).await,
    }
}

fn devnet_failure(error: DevnetError) -> CliError {
    CliError::new(error.kind(), error)
}

/// How long a devnet started by `up` lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lifetime {
    /// Until Ctrl-C or SIGTERM (or one of its processes dies).
    UntilSignal,
    /// As [`Lifetime::UntilSignal`], or until stdin reaches EOF.
    UntilSignalOrStdinEof,
    /// Beyond this process, until `ferry devnet down`.
    Detached,
}

async fn up(
    options: DevnetOptions,
    lifetime: Lifetime,
    output: OutputMode,
) -> Result<(), CliError> {
    let data_dir = &options.data_dir.clone();
    if output.narrates() {
        let isolated = match options.topology {
            Topology::Isolated { .. } => "an isolated ",
            Topology::Loopback => "a ",
        };
        eprintln!(
            "starting {isolated}devnet with {} nodes in {} (or finding the one running there)…",
            options.nodes,
            data_dir.display()
        );
    }
    // Listening from here on, a Ctrl-C while starting drops the half-started devnet, which
    // kills what it had started, instead of killing ferry and orphaning it.
    let mut signals = StopSignals::listen().map_err(|e| CliError::new(ErrorKind::Internal, e))?;
    let outcome = tokio::select! {
        outcome = devnet::start(options) => outcome.map_err(devnet_failure)?,
        why = signals.recv() => return Err(CliError::new(
            ErrorKind::Interrupted,
            anyhow::anyhow!("{} while starting the devnet; nothing was left running", why.past()),
        )),
    };
    let devnet = match outcome {
        StartOutcome::AlreadyRunning(network) => {
            print_network(data_dir, &network, None, UpState::AlreadyRunning, output);
            return Ok(());
        }
        StartOutcome::Started(devnet) => *devnet,
    };
    if lifetime == Lifetime::Detached {
        print_network(
            data_dir,
            devnet.network(),
            devnet.isolated(),
            UpState::Detached,
            output,
        );
        devnet.detach();
        return Ok(());
    }
    print_network(
        data_dir,
        devnet.network(),
        devnet.isolated(),
        UpState::Foreground,
        output,
    );
    run_foreground(devnet, signals, data_dir, lifetime, output).await
}

/// Waits for Ctrl-C, SIGTERM, EOF on stdin (if asked) or the chain's death, then stops the
/// devnet. The chain's death is an error: the devnet did not run as asked.
async fn run_foreground(
    mut devnet: RunningDevnet,
    mut signals: StopSignals,
    data_dir: &Path,
    lifetime: Lifetime,
    output: OutputMode,
) -> Result<(), CliError> {
    let stdin_closed = async {
        if lifetime == Lifetime::UntilSignalOrStdinEof {
            let _ = stdin_eof().await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::pin!(stdin_closed);
    // A node that dies is reported and the devnet goes on without it (tests kill nodes on
    // purpose); only the chain's death, a signal or stdin's end stops the devnet.
    let stopped_by: Result<&str, ChildExit> = loop {
        tokio::select! {
            why = signals.recv() => break Ok(why.past()),
            () = &mut stdin_closed => break Ok("stdin closed"),
            exit = devnet.wait_for_exit() => {
                if exit.is_chain {
                    break Err(exit);
                }
                if output.narrates() {
                    eprintln!("{} exited ({}); the devnet goes on without it (log: {})", exit.name, exit.status, exit.log.display());
                }
            }
        }
    };
    let stopped_by = match stopped_by {
        Err(_) if devnet.stopped_elsewhere().await => Ok("stopped by `ferry devnet down`"),
        other => other,
    };
    let reason = match &stopped_by {
        Ok(why) => (*why).to_owned(),
        Err(exit) => format!("{} exited ({})", exit.name, exit.status),
    };
    if output.narrates() {
        eprintln!("{reason}: stopping the devnet…");
    }
    let report = devnet.shutdown().await;
    print_stop_report(data_dir, Some(&report), Some(&reason), output);
    stopped_by.map(|_| ()).map_err(|exit| {
        CliError::new(
            ErrorKind::Network,
            anyhow::anyhow!(
                "{} of the devnet exited ({}); see its log {}; the rest was stopped",
                exit.name,
                exit.status,
                exit.log.display()
            ),
        )
    })
}

/// Resolves when stdin reaches EOF (or fails). Reads on a plain thread, which never holds up
/// the runtime's shutdown the way a blocked `spawn_blocking` read would.
fn stdin_eof() -> tokio::sync::oneshot::Receiver<()> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buffer = [0u8; 4096];
        loop {
            match stdin.read(&mut buffer) {
                Ok(0) => break,
                Err(error) if error.kind() != std::io::ErrorKind::Interrupted => break,
                _ => {}
            }
        }
        let _ = sender.send(());
    });
    receiver
}

async fn down(data_dir: &Path, output: OutputMode) -> Result<(), CliError> {
    let report = devnet::stop(data_dir).await.map_err(devnet_failure)?;
    print_stop_report(data_dir, report.as_ref(), None, output);
    Ok(())
}

/// `devnet status`: printed in every mode (with `-q` too: the status is what was asked for).
async fn show_status(data_dir: &Path, output: OutputMode) -> Result<(), CliError> {
    let status = devnet::inspect(data_dir).await.map_err(devnet_failure)?;
    if output.is_json() {
        let healthy = match &status {
            DevnetStatus::Running(health) => Some(health.is_healthy()),
            DevnetStatus::NotRunning => None,
        };
        print_json_line(&JsonEvent::DevnetStatus {
            status: &status,
            healthy,
        });
        return Ok(());
    }
    match &status {
        DevnetStatus::NotRunning => print_text(&format!(
            "no devnet is running in {}; start one with `ferry devnet up`\n",
            data_dir.display()
        )),
        DevnetStatus::Running(health) => print_text(&health_text(health)),
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum UpState {
    Foreground,
    Detached,
    AlreadyRunning,
}

fn print_network(
    data_dir: &Path,
    network: &NetworkConfig,
    isolated: Option<&IsolatedNetwork>,
    state: UpState,
    output: OutputMode,
) {
    let network_file = crate::paths::devnet_network_file(data_dir);
    if output.is_json() {
        print_json_line(&JsonEvent::DevnetUp {
            state: match state {
                UpState::AlreadyRunning => "already_running",
                UpState::Foreground | UpState::Detached => "started",
            },
            detached: state != UpState::Foreground,
            network_file: &network_file,
            chain_id: network.chain_id,
            rpc_url: &network.rpc_url,
            vault: network.vault,
            nodes: &network.bootstrap,
            isolated,
        });
    } else if output.narrates() {
        let mut text = network_text(data_dir, &network_file, network, state);
        if let Some(isolated) = isolated {
            text.push_str(&isolated_text(isolated));
        }
        print_text(&text);
    }
}

/// The isolated network's lines of `up` and `status`.
fn isolated_text(isolated: &IsolatedNetwork) -> String {
    let shaping = isolated.uplink_mbit.map_or_else(
        || "not shaped".to_owned(),
        |mbit| format!("shaped to {mbit} Mbit/s"),
    );
    format!(
        "isolated      {}/24, namespaces {}*, uplink {} ({shaping})\n",
        isolated.subnet, isolated.prefix, isolated.bridge
    )
}

fn network_text(
    data_dir: &Path,
    network_file: &Path,
    network: &NetworkConfig,
    state: UpState,
) -> String {
    let mut text = match state {
        UpState::AlreadyRunning => {
            format!("a devnet is already running in {}\n", data_dir.display())
        }
        UpState::Foreground | UpState::Detached => {
            format!("devnet started with {} nodes\n", network.bootstrap.len())
        }
    };
    let _ = writeln!(text, "network file  {}", network_file.display());
    let _ = writeln!(
        text,
        "chain         {} (chain id {})",
        network.rpc_url, network.chain_id
    );
    let _ = writeln!(text, "vault         {}", network.vault);
    for (index, url) in network.bootstrap.iter().enumerate() {
        let _ = writeln!(text, "{:<14}{url}", if index == 0 { "nodes" } else { "" });
    }
    let _ = writeln!(
        text,
        "use it with --devnet or --network {}; {}",
        network_file.display(),
        match state {
            UpState::Foreground => "press Ctrl-C to stop it",
            UpState::Detached | UpState::AlreadyRunning => "stop it with `ferry devnet down`",
        }
    );
    text
}

fn print_stop_report(
    data_dir: &Path,
    report: Option<&StopReport>,
    reason: Option<&str>,
    output: OutputMode,
) {
    if output.is_json() {
        print_json_line(&JsonEvent::DevnetDown {
            state: if report.is_some() {
                "stopped"
            } else {
                "not_running"
            },
            reason,
            processes: report.map_or(&[][..], |report| &report.processes),
        });
        return;
    }
    if !output.narrates() {
        return;
    }
    let Some(report) = report else {
        print_text(&format!("no devnet is running in {}\n", data_dir.display()));
        return;
    };
    let mut text = String::new();
    for process in &report.processes {
        let (name, pid) = (&process.name, process.pid);
        let _ = match process.how {
            StopHow::Terminated => writeln!(text, "stopped {name} (pid {pid})"),
            StopHow::Killed => writeln!(text, "killed {name} (pid {pid}) after it ignored SIGTERM"),
            StopHow::AlreadyGone => writeln!(text, "{name} (pid {pid}) was not running"),
        };
    }
    text.push_str("devnet stopped\n");
    print_text(&text);
}

fn health_text(health: &DevnetHealth) -> String {
    let mut text = if health.is_healthy() {
        "devnet healthy\n".to_owned()
    } else {
        "devnet NOT healthy; restart it with `ferry devnet down` then `ferry devnet up`\n"
            .to_owned()
    };
    let _ = writeln!(text, "network file  {}", health.network_file.display());
    let _ = writeln!(text, "started       {} ago", age(health.started_at));
    let answer = |ok: bool| if ok { "ok" } else { "not answering" };
    let no_url = "(no URL yet)";
    let chain = &health.chain;
    let chain_pid = chain
        .pid
        .map_or_else(|| "?".to_owned(), |pid| pid.to_string());
    let chain_url = chain.rpc_url.as_deref().unwrap_or(no_url);
    let _ = writeln!(
        text,
        "chain         {chain_url} {} (pid {chain_pid})",
        answer(chain.reachable)
    );
    if let Some(isolated) = &health.isolated {
        text.push_str(&isolated_text(isolated));
    }
    for node in &health.nodes {
        let url = node.url.as_deref().unwrap_or(no_url);
        let _ = writeln!(
            text,
            "{:<14}{url} {} (pid {})",
            node.name,
            answer(node.healthy),
            node.pid
        );
    }
    text
}

/// Writes human output to stdout.
fn print_text(text: &str) {
    super::output::write_stdout(text.as_bytes());
}

/// "3 min", "2 h 5 min" since `unix_seconds`.
fn age(unix_seconds: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    crate::sizes::format_seconds(now.as_secs().saturating_sub(unix_seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Harness {
        #[command(subcommand)]
        command: DevnetCommand,
    }

    fn parse(args: &[&str]) -> Result<DevnetCommand, clap::Error> {
        Harness::try_parse_from(["devnet"].iter().chain(args)).map(|harness| harness.command)
    }

    #[test]
    fn up_runs_in_the_foreground_and_leaves_the_node_count_to_config_or_default() {
        let DevnetCommand::Up {
            nodes,
            detach,
            until_stdin_closes,
            repair_interval,
            isolated,
            uplink_mbit,
        } = parse(&["up"]).unwrap()
        else {
            panic!("not up");
        };
        assert_eq!(
            (nodes, detach, until_stdin_closes, repair_interval),
            (None, false, false, None)
        );
        assert_eq!((isolated, uplink_mbit), (false, None));
        assert!(matches!(
            parse(&["up", "--repair-interval", "60"]).unwrap(),
            DevnetCommand::Up {
                repair_interval: Some(60),
                ..
            }
        ));
        assert!(parse(&["up", "--repair-interval", "0"]).is_err());
    }

    #[test]
    fn up_takes_node_count_detach_and_the_hidden_stdin_flag() {
        assert!(matches!(
            parse(&["up", "--nodes", "3", "--detach"]).unwrap(),
            DevnetCommand::Up {
                nodes: Some(3),
                detach: true,
                ..
            }
        ));
        assert!(matches!(
            parse(&["up", "--until-stdin-closes"]).unwrap(),
            DevnetCommand::Up {
                until_stdin_closes: true,
                ..
            }
        ));
        assert!(parse(&["up", "--nodes", "0"]).is_err());
        assert!(parse(&["up", "--detach", "--until-stdin-closes"]).is_err());
        assert!(matches!(
            parse(&["up", "--isolated", "--uplink-mbit", "200"]).unwrap(),
            DevnetCommand::Up {
                isolated: true,
                uplink_mbit: Some(200),
                ..
            }
        ));
        assert!(
            parse(&["up", "--uplink-mbit", "200"]).is_err(),
            "shaping needs --isolated"
        );
        assert!(parse(&["up", "--isolated", "--uplink-mbit", "0"]).is_err());
        assert!(matches!(parse(&["down"]).unwrap(), DevnetCommand::Down));
        assert!(matches!(parse(&["status"]).unwrap(), DevnetCommand::Status));
    }

    #[test]
    fn up_prints_the_network_file_chain_and_every_node() {
        let network = NetworkConfig {
            chain_id: 31337,
            rpc_url: "http://127.0.0.1:8545".into(),
            vault: alloy::primitives::Address::repeat_byte(0x11),
            vault_block: None,
            native_unit: None,
            bootstrap: vec!["http://127.0.0.1:1".into(), "http://127.0.0.1:2".into()],
            funded_key: Some(devnet::FUNDED_KEY.into()),
            private: true,
            diversity: Default::default(),
        };
        let file = Path::new("/d/devnet/network.json");
        let text = network_text(Path::new("/d"), file, &network, UpState::Foreground);
        assert_eq!(
            text,
            "devnet started with 2 nodes\n\
             network file  /d/devnet/network.json\n\
             chain         http://127.0.0.1:8545 (chain id 31337)\n\
             vault         0x1111111111111111111111111111111111111111\n\
             nodes         http://127.0.0.1:1\n\
             \x20             http://127.0.0.1:2\n\
             use it with --devnet or --network /d/devnet/network.json; press Ctrl-C to stop it\n"
        );
        assert!(!text.contains(devnet::FUNDED_KEY));
        let again = network_text(Path::new("/d"), file, &network, UpState::AlreadyRunning);
        assert!(again.starts_with("a devnet is already running in /d\n"));
        assert!(again.ends_with("stop it with `ferry devnet down`\n"));
    }

    #[test]
    fn ages_read_naturally() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert_eq!(age(now - 5), "5 s");
        assert_eq!(age(now - 185), "3 min");
        assert_eq!(age(now - 7500), "2 h 5 min");
    }
}
