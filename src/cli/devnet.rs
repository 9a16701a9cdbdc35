//! `ferry devnet up|down|status`: the command line of [`crate::devnet`].
//!
//! `up` runs the devnet in the foreground until Ctrl-C (or SIGTERM, or with the hidden
//! `--until-stdin-closes` until stdin reaches EOF, or until one of its processes dies) and then
//! stops it; `up --detach` leaves it running for `down`. "No devnet is running" is a state, not
//! an error: `down` and `status` report it and exit 0.

use std::io::Read;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::output::print_json_line;
use crate::devnet::{
    self, DevnetHealth, DevnetOptions, DevnetStatus, StartOutcome, StopHow, StopReport,
};
use crate::network::NetworkConfig;

/// `ferry devnet …`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum DevnetCommand {
    /// Start anvil, deploy the payment vault and start storage nodes; writes
    /// `<data dir>/devnet/network.json`. Runs until Ctrl-C unless --detach.
    Up {
        /// How many storage nodes to start.
        #[arg(long, env = "FERRY_DEVNET_NODES", default_value_t = devnet::DEFAULT_NODES, value_parser = parse_node_count, value_name = "N")]
        nodes: usize,
        /// Leave the devnet running in the background and return; stop it with `ferry devnet down`.
        #[arg(long)]
        detach: bool,
        /// Also stop when stdin reaches EOF (for test harnesses).
        #[arg(long, hide = true, conflicts_with = "detach")]
        until_stdin_closes: bool,
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

/// Runs a devnet command against the devnet in `data_dir`.
pub async fn run(command: DevnetCommand, data_dir: &Path, json: bool) -> anyhow::Result<()> {
    match command {
        DevnetCommand::Up {
            nodes,
            detach,
            until_stdin_closes,
        } => up(data_dir, nodes, detach, until_stdin_closes, json).await,
        DevnetCommand::Down => down(data_dir, json).await,
        DevnetCommand::Status => status(data_dir, json).await,
    }
}

async fn up(
    data_dir: &Path,
    nodes: usize,
    detach: bool,
    until_stdin_closes: bool,
    json: bool,
) -> anyhow::Result<()> {
    if !json {
        eprintln!(
            "starting a devnet with {nodes} nodes in {}…",
            data_dir.display()
        );
    }
    let options = DevnetOptions {
        nodes,
        ..DevnetOptions::new(data_dir)
    };
    let mut devnet = match devnet::start(options).await? {
        StartOutcome::AlreadyRunning(network) => {
            print_network(data_dir, &network, UpState::AlreadyRunning, json);
            return Ok(());
        }
        StartOutcome::Started(devnet) => devnet,
    };
    if detach {
        print_network(data_dir, devnet.network(), UpState::Detached, json);
        devnet.detach();
        return Ok(());
    }
    print_network(data_dir, devnet.network(), UpState::Foreground, json);
    let stdin_closed = async {
        if until_stdin_closes {
            let _ = stdin_eof().await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let reason = tokio::select! {
        _ = tokio::signal::ctrl_c() => "interrupted".to_owned(),
        _ = terminate.recv() => "terminated".to_owned(),
        () = stdin_closed => "stdin closed".to_owned(),
        exit = devnet.wait_for_exit() => format!("{} exited ({}); see {}", exit.name, exit.status, exit.log.display()),
    };
    if !json {
        eprintln!("{reason}: stopping the devnet…");
    }
    let report = devnet.shutdown().await;
    print_stop_report(data_dir, Some(&report), Some(&reason), json);
    Ok(())
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

async fn down(data_dir: &Path, json: bool) -> anyhow::Result<()> {
    let report = devnet::stop(data_dir).await?;
    print_stop_report(data_dir, report.as_ref(), None, json);
    Ok(())
}

async fn status(data_dir: &Path, json: bool) -> anyhow::Result<()> {
    let status = devnet::status(data_dir).await?;
    if json {
        let mut value = serde_json::to_value(&status)?;
        value["event"] = "devnet_status".into();
        if let DevnetStatus::Running(health) = &status {
            value["healthy"] = health.is_healthy().into();
        }
        print_json_line(&value);
        return Ok(());
    }
    match &status {
        DevnetStatus::NotRunning => println!(
            "no devnet is running in {}; start one with `ferry devnet up`",
            data_dir.display()
        ),
        DevnetStatus::Running(health) => print_health(health),
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum UpState {
    Foreground,
    Detached,
    AlreadyRunning,
}

fn print_network(data_dir: &Path, network: &NetworkConfig, state: UpState, json: bool) {
    let network_file = crate::paths::devnet_network_file(data_dir);
    if json {
        print_json_line(&json!({
            "event": "devnet_up",
            "state": match state {
                UpState::AlreadyRunning => "already_running",
                UpState::Foreground | UpState::Detached => "started",
            },
            "detached": state != UpState::Foreground,
            "network_file": network_file,
            "chain_id": network.chain_id,
            "rpc_url": network.rpc_url,
            "vault": network.vault,
            "nodes": network.bootstrap,
        }));
        return;
    }
    match state {
        UpState::AlreadyRunning => {
            println!("a devnet is already running in {}", data_dir.display())
        }
        UpState::Foreground | UpState::Detached => {
            println!("devnet started with {} nodes", network.bootstrap.len())
        }
    }
    println!("network file  {}", network_file.display());
    println!(
        "chain         {} (chain id {})",
        network.rpc_url, network.chain_id
    );
    println!("vault         {}", network.vault);
    for (index, url) in network.bootstrap.iter().enumerate() {
        println!("{:<14}{url}", if index == 0 { "nodes" } else { "" });
    }
    println!(
        "use it with --devnet or --network {}; {}",
        network_file.display(),
        match state {
            UpState::Foreground => "press Ctrl-C to stop it",
            UpState::Detached | UpState::AlreadyRunning => "stop it with `ferry devnet down`",
        }
    );
}

fn print_stop_report(
    data_dir: &Path,
    report: Option<&StopReport>,
    reason: Option<&str>,
    json: bool,
) {
    if json {
        print_json_line(&json!({
            "event": "devnet_down",
            "state": if report.is_some() { "stopped" } else { "not_running" },
            "reason": reason,
            "processes": report.map(|report| &report.processes),
        }));
        return;
    }
    let Some(report) = report else {
        println!("no devnet is running in {}", data_dir.display());
        return;
    };
    for process in &report.processes {
        let (name, pid) = (&process.name, process.pid);
        match process.how {
            StopHow::Terminated => println!("stopped {name} (pid {pid})"),
            StopHow::Killed => println!("killed {name} (pid {pid}) after it ignored SIGTERM"),
            StopHow::AlreadyGone => println!("{name} (pid {pid}) was not running"),
        }
    }
    println!("devnet stopped");
}

fn print_health(health: &DevnetHealth) {
    let verdict = if health.is_healthy() {
        "healthy".to_owned()
    } else {
        "NOT healthy; restart it with `ferry devnet down` then `ferry devnet up`".to_owned()
    };
    println!("devnet {verdict}");
    println!("network file  {}", health.network_file.display());
    println!("started       {} ago", age(health.started_at));
    let answer = |ok: bool| if ok { "ok" } else { "not answering" };
    let chain = &health.chain;
    println!(
        "chain         {} {} (pid {})",
        chain.rpc_url.as_deref().unwrap_or("(no URL yet)"),
        answer(chain.reachable),
        chain
            .pid
            .map_or_else(|| "?".to_owned(), |pid| pid.to_string()),
    );
    for node in &health.nodes {
        println!(
            "{:<14}{} {} (pid {})",
            node.name,
            node.url.as_deref().unwrap_or("(no URL yet)"),
            answer(node.healthy),
            node.pid
        );
    }
}

/// "3 min", "2 h 5 min" since `unix_seconds`.
fn age(unix_seconds: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    let seconds = now.as_secs().saturating_sub(unix_seconds);
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", seconds / 60),
        _ => format!("{} h {} min", seconds / 3600, seconds % 3600 / 60),
    }
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
    fn up_defaults_to_ten_nodes_in_the_foreground() {
        let DevnetCommand::Up {
            nodes,
            detach,
            until_stdin_closes,
        } = parse(&["up"]).unwrap()
        else {
            panic!("not up");
        };
        assert_eq!((nodes, detach, until_stdin_closes), (10, false, false));
    }

    #[test]
    fn up_takes_node_count_detach_and_the_hidden_stdin_flag() {
        assert!(matches!(
            parse(&["up", "--nodes", "3", "--detach"]).unwrap(),
            DevnetCommand::Up {
                nodes: 3,
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
        assert!(matches!(parse(&["down"]).unwrap(), DevnetCommand::Down));
        assert!(matches!(parse(&["status"]).unwrap(), DevnetCommand::Status));
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
