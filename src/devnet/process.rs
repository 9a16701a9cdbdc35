//! Starting, recognising and stopping the devnet's child processes.
//!
//! Every child gets its own process group (so a terminal's Ctrl-C does not reach it), stdin
//! closed and stdout + stderr in a log file (so it holds no pipe of ferry's and outlives ferry
//! when detached). A process from a state file is signalled only while `/proc/<pid>` shows the
//! same program started at the same clock tick; a zombie counts as gone.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde::Serialize;
use tokio::process::{Child, Command};

use super::DevnetError;
use super::state::{ProcessRecord, Program};

/// How often logs and `/proc` are polled while waiting.
const POLL: Duration = Duration::from_millis(50);

/// A child this ferry process started, with its record.
#[derive(Debug)]
pub struct Launched {
    /// What goes into the state file.
    pub record: ProcessRecord,
    /// The handle to wait on it.
    pub child: Child,
}

/// Starts `program` with `args` in its own process group, output to `log`; inside network
/// namespace `namespace` (through `ip netns exec`, which execs it in place) when given.
pub async fn spawn(
    name: String,
    program: Program,
    executable: &Path,
    args: &[String],
    log: PathBuf,
    namespace: Option<&str>,
) -> Result<Launched, DevnetError> {
    let log_for_open = log.clone();
    let output = super::blocking(move || std::fs::File::create(&log_for_open))
        .await
        .map_err(|source| DevnetError::io("create", &log, source))?;
    let errors = output
        .try_clone()
        .map_err(|source| DevnetError::io("open", &log, source))?;
    let mut command = match namespace {
        Some(namespace) => {
            let mut command = Command::new("ip");
            command.args(["netns", "exec", namespace]).arg(executable);
            command
        }
        None => Command::new(executable),
    };
    let child = command
        .args(args)
        .stdin(Stdio::null())
        .stdout(output)
        .stderr(errors)
        .process_group(0)
        .spawn()
        .map_err(|source| DevnetError::Spawn {
            program: executable.to_owned(),
            next_step: match program {
                Program::Anvil => "check that this anvil runs",
                Program::Node => "build it with `cargo build --bin ferry-node`",
            },
            source,
        })?;
    let pid = child.id().expect("a just-spawned child has a pid");
    let record = ProcessRecord {
        name,
        program,
        pid,
        start_ticks: read_stat(pid).map(|stat| stat.start_ticks),
        url: None,
        log,
    };
    Ok(Launched { record, child })
}

/// Polls the child's log until `parse` finds what it waits for in a complete line, failing
/// when the child exits or `timeout` passes first.
pub async fn wait_for_line<T>(
    launched: &mut Launched,
    timeout: Duration,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, DevnetError> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let text = tokio::fs::read_to_string(&launched.record.log)
            .await
            .unwrap_or_default();
        let complete = &text[..text.rfind('\n').map_or(0, |end| end + 1)];
        if let Some(found) = complete.lines().find_map(&parse) {
            return Ok(found);
        }
        if let Ok(Some(status)) = launched.child.try_wait() {
            return Err(DevnetError::ExitedEarly {
                what: launched.record.name.clone(),
                status: status.to_string(),
                log: launched.record.log.clone(),
            });
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(DevnetError::NotReady {
                what: launched.record.name.clone(),
                seconds: timeout.as_secs(),
                log: launched.record.log.clone(),
            });
        }
        tokio::time::sleep(POLL).await;
    }
}

/// How a process ended when asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopHow {
    /// It exited after SIGTERM.
    Terminated,
    /// It ignored SIGTERM for the grace period and was killed with SIGKILL.
    Killed,
    /// It was not running any more (or its pid now belongs to another program).
    AlreadyGone,
}

/// One process `down` or a shutdown dealt with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoppedProcess {
    /// `anvil`, `node 3`.
    pub name: String,
    /// Its pid.
    pub pid: u32,
    /// How it ended.
    pub how: StopHow,
}

/// Stops the processes of `records`: SIGTERM to each one's process group, SIGKILL after
/// `grace`. Processes whose pid no longer shows their program are left alone.
pub async fn terminate(records: &[ProcessRecord], grace: Duration) -> Vec<StoppedProcess> {
    let mut report: Vec<StoppedProcess> = records
        .iter()
        .map(|record| StoppedProcess {
            name: record.name.clone(),
            pid: record.pid,
            how: if signal(record, rustix::process::Signal::TERM) {
                StopHow::Terminated
            } else {
                StopHow::AlreadyGone
            },
        })
        .collect();
    if !wait_gone(records, grace).await {
        for (record, stopped) in records.iter().zip(&mut report) {
            if signal(record, rustix::process::Signal::KILL) {
                stopped.how = StopHow::Killed;
            }
        }
        if !wait_gone(records, grace).await {
            tracing::warn!("some devnet processes outlived SIGKILL; see `ps` for {records:?}");
        }
    }
    report
}

/// Sends SIGKILL to the process groups of `records` at once, without waiting.
pub fn kill_now(records: &[ProcessRecord]) {
    for record in records {
        signal(record, rustix::process::Signal::KILL);
    }
}

/// Signals the record's process group if it is still the process we started; true if sent.
fn signal(record: &ProcessRecord, signal: rustix::process::Signal) -> bool {
    if !is_running(record) {
        return false;
    }
    let Some(pid) = i32::try_from(record.pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    // The whole group, so helpers a wrapper script started go too; the process alone if its
    // group is somehow gone.
    let sent = rustix::process::kill_process_group(pid, signal)
        .or_else(|_| rustix::process::kill_process(pid, signal));
    match sent {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(
                "cannot signal {} (pid {}): {error}",
                record.name,
                record.pid
            );
            false
        }
    }
}

/// The argument by which a devnet child names its devnet dir on its command line: a node's
/// `--root <devnet>/nodes/<i>`, anvil's `--config-out <devnet>/anvil.json`.
pub fn dir_flag(program: Program) -> &'static str {
    match program {
        Program::Anvil => "--config-out",
        Program::Node => "--root",
    }
}

/// Devnet processes whose [`dir_flag`] argument lies inside `devnet_dir` and whose pids are not
/// among `known`: left behind by a ferry killed between starting a process and recording it.
/// Reads `/proc`.
pub fn strays(devnet_dir: &Path, known: &[u32]) -> Vec<ProcessRecord> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let stray = |pid: u32| {
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        let program = [Program::Anvil, Program::Node]
            .into_iter()
            .find(|&program| {
                cmdline_runs(&cmdline, program.executable_name())
                    && arg_within(&cmdline, dir_flag(program), devnet_dir)
            })?;
        Some(ProcessRecord {
            name: format!("stray {}", program.executable_name()),
            program,
            pid,
            start_ticks: read_stat(pid).map(|stat| stat.start_ticks),
            url: None,
            log: PathBuf::new(),
        })
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| !known.contains(pid))
        .filter_map(stray)
        .collect()
}

/// True if the value of `flag` in a NUL-separated command line is a path inside `dir`.
fn arg_within(cmdline: &[u8], flag: &str, dir: &Path) -> bool {
    let args: Vec<&[u8]> = cmdline.split(|&byte| byte == 0).collect();
    args.windows(2).any(|pair| {
        pair[0] == flag.as_bytes()
            && std::str::from_utf8(pair[1]).is_ok_and(|value| Path::new(value).starts_with(dir))
    })
}

/// Waits until none of `records` is running; false if some still are after `limit`.
async fn wait_gone(records: &[ProcessRecord], limit: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if !records.iter().any(is_running) {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// True while the record's pid is alive (not a zombie), was started at the recorded tick and
/// runs the recorded program. Reads `/proc`, which never touches a disk.
pub fn is_running(record: &ProcessRecord) -> bool {
    let Some(stat) = read_stat(record.pid) else {
        return false;
    };
    std::fs::read(format!("/proc/{}/cmdline", record.pid))
        .is_ok_and(|cmdline| identifies(record, stat, &cmdline))
}

/// Whether a live process with this `stat` and command line is the one `record` describes.
///
/// A matching start tick with a still-empty command line counts as ours: the kernel lets
/// `spawn` return before it has laid out the new program's arguments, so a child checked (or
/// killed) right after spawning can briefly show an empty command line. So does one that still
/// shows `ip netns exec NAME`, which is about to exec the program in its namespace.
fn identifies(record: &ProcessRecord, stat: Stat, cmdline: &[u8]) -> bool {
    if stat.state == 'Z' {
        return false;
    }
    let same_start = match record.start_ticks {
        Some(ticks) if ticks != stat.start_ticks => return false,
        Some(_) => true,
        None => false,
    };
    (same_start && (cmdline.is_empty() || is_netns_exec(cmdline)))
        || cmdline_runs(cmdline, record.program.executable_name())
}

/// The fields of `/proc/<pid>/stat` that identify a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stat {
    state: char,
    start_ticks: u64,
}

fn read_stat(pid: u32) -> Option<Stat> {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|text| parse_stat(&text))
}

/// Parses `/proc/<pid>/stat`: the state (field 3) and start time (field 22), read after the
/// command name's closing parenthesis since the name may hold spaces and parentheses.
fn parse_stat(text: &str) -> Option<Stat> {
    let after_name = &text[text.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let start_ticks = fields.nth(18)?.parse().ok()?;
    Some(Stat { state, start_ticks })
}

/// True if a NUL-separated command line is `ip netns exec …`.
fn is_netns_exec(cmdline: &[u8]) -> bool {
    let args: Vec<&[u8]> = cmdline.split(|&byte| byte == 0).take(3).collect();
    match args[..] {
        [program, b"netns", b"exec"] => program == b"ip" || program.ends_with(b"/ip"),
        _ => false,
    }
}

/// True if a NUL-separated `/proc/<pid>/cmdline` runs `executable`: its first argument, or the
/// second when the first is an interpreter running a script of that name.
fn cmdline_runs(cmdline: &[u8], executable: &str) -> bool {
    cmdline
        .split(|&byte| byte == 0)
        .take(2)
        .filter_map(|arg| std::str::from_utf8(arg).ok())
        .any(|arg| {
            Path::new(arg)
                .file_name()
                .is_some_and(|name| name == executable)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_parsing_survives_odd_command_names() {
        let text = "4242 (we ird) (name)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 5 0 987654 \
                    1000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0";
        assert_eq!(
            parse_stat(text),
            Some(Stat {
                state: 'S',
                start_ticks: 987_654
            })
        );
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn strays_are_recognised_by_the_devnet_dir_in_their_arguments() {
        let devnet = Path::new("/data/devnet");
        let node = b"/bin/ferry-node\0--listen\0localhost:0\0--root\0/data/devnet/nodes/3\0";
        assert!(arg_within(node, "--root", devnet));
        assert!(!arg_within(node, "--config-out", devnet));
        let anvil = b"anvil\0--port\0--config-out\0/data/devnet/anvil.json\0";
        assert!(arg_within(anvil, "--config-out", devnet));
        let elsewhere = b"/bin/ferry-node\0--root\0/data/devnet-old/nodes/3\0";
        assert!(!arg_within(elsewhere, "--root", devnet));
        assert!(!arg_within(b"/bin/ferry-node\0--root\0", "--root", devnet));
        let bare = b"/bin/ferry-node\0/data/devnet/nodes/3\0";
        assert!(!arg_within(bare, "--root", devnet));
    }

    #[tokio::test]
    async fn a_node_nobody_recorded_is_found_as_a_stray() {
        let dir = tempfile::tempdir().unwrap();
        let nodes = dir.path().join("nodes");
        let root = nodes.join("0");
        std::fs::create_dir_all(&root).unwrap();
        let fifo = root.join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        // Blocks in a builtin (no child process) with `--root <root>` on its command line.
        let script = r#"read line < "$1/fifo""#;
        let root = root.to_string_lossy().into_owned();
        let mut launched = fake_node(dir.path(), "/bin/sh", &["-c", script, "--root", &root]).await;
        let found = strays(dir.path(), &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].pid, launched.record.pid);
        assert_eq!(found[0].program, Program::Node);
        assert!(strays(dir.path(), &[launched.record.pid]).is_empty());
        assert!(strays(&dir.path().join("other"), &[]).is_empty());
        terminate(&found, Duration::from_secs(5)).await;
        assert!(launched.child.wait().await.is_ok());
    }

    #[test]
    fn identity_needs_the_start_tick_and_the_program() {
        let record = |start_ticks| ProcessRecord {
            name: "node 0".into(),
            program: Program::Node,
            pid: 4242,
            start_ticks,
            url: None,
            log: PathBuf::new(),
        };
        let live = |start_ticks| Stat {
            state: 'S',
            start_ticks,
        };
        let node = b"/bin/ferry-node\0--listen\0";
        assert!(identifies(&record(Some(7)), live(7), node));
        assert!(identifies(&record(None), live(7), node));
        // A reused pid: another start tick, or another program.
        assert!(!identifies(&record(Some(7)), live(8), node));
        assert!(!identifies(&record(Some(7)), live(7), b"/usr/bin/vim\0"));
        // Just spawned, arguments not laid out yet: ours only if the start tick says so.
        assert!(identifies(&record(Some(7)), live(7), b""));
        assert!(!identifies(&record(None), live(7), b""));
        assert!(!identifies(&record(Some(7)), live(8), b""));
        // Still `ip netns exec`, about to exec the node in its namespace: the same rule.
        let entering = b"ip\0netns\0exec\0fy00abcdn0\0/bin/ferry-node\0";
        assert!(identifies(&record(Some(7)), live(7), entering));
        assert!(!identifies(&record(Some(7)), live(8), entering));
        assert!(!identifies(&record(Some(7)), live(7), b"/sbin/ip\0link\0"));
        let zombie = Stat {
            state: 'Z',
            start_ticks: 7,
        };
        assert!(!identifies(&record(Some(7)), zombie, b""));
    }

    #[test]
    fn cmdline_check_names_the_program() {
        let anvil = b"/home/u/.ferry/npm/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil\0--chain-id\0";
        assert!(cmdline_runs(anvil, "anvil"));
        assert!(!cmdline_runs(anvil, "ferry-node"));
        assert!(cmdline_runs(b"node\0/usr/bin/anvil\0--port\0", "anvil"));
        assert!(cmdline_runs(
            b"/target/debug/ferry-node\0--listen\0",
            "ferry-node"
        ));
        assert!(!cmdline_runs(b"bash\0-c\0anvil", "anvil"));
        assert!(!cmdline_runs(b"", "anvil"));
    }

    /// Starts `target` under the name `ferry-node` (a symlink), so it passes as a node, and
    /// waits until its command line shows.
    async fn fake_node(dir: &Path, target: &str, args: &[&str]) -> Launched {
        let link = dir.join("ferry-node");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(target, &link).unwrap();
        let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
        let log = dir.join("node.log");
        let launched = spawn("node 0".into(), Program::Node, &link, &args, log, None)
            .await
            .unwrap();
        // Until the kernel has laid out its arguments, its command line reads empty.
        let cmdline = format!("/proc/{}/cmdline", launched.record.pid);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while std::fs::read(&cmdline).is_ok_and(|text| text.is_empty())
            && read_stat(launched.record.pid).is_some_and(|stat| stat.state != 'Z')
            && std::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        launched
    }

    #[tokio::test]
    async fn only_the_recorded_process_is_recognised_and_terminated() {
        let dir = tempfile::tempdir().unwrap();
        let mut launched = fake_node(dir.path(), "/bin/sleep", &["30"]).await;
        let record = launched.record.clone();
        assert!(record.start_ticks.is_some());
        assert!(is_running(&record));
        let reused_pid = ProcessRecord {
            start_ticks: record.start_ticks.map(|ticks| ticks + 1),
            ..record.clone()
        };
        let other_program = ProcessRecord {
            program: Program::Anvil,
            ..record.clone()
        };
        assert!(!is_running(&reused_pid));
        assert!(!is_running(&other_program));
        let report = terminate(&[other_program], Duration::from_millis(100)).await;
        assert_eq!(report[0].how, StopHow::AlreadyGone);
        assert!(is_running(&record));
        let report = terminate(std::slice::from_ref(&record), Duration::from_secs(5)).await;
        assert_eq!(report[0].how, StopHow::Terminated);
        // Our own child lingers as a zombie until reaped; it no longer counts as running.
        assert!(!is_running(&record));
        assert!(launched.child.wait().await.is_ok());
    }

    #[tokio::test]
    async fn a_process_ignoring_sigterm_is_killed_after_the_grace_period() {
        let dir = tempfile::tempdir().unwrap();
        let script = "trap '' TERM; echo ready; while :; do sleep 1; done";
        let mut launched = fake_node(dir.path(), "/bin/sh", &["-c", script]).await;
        let ready = wait_for_line(&mut launched, Duration::from_secs(10), |line| {
            (line == "ready").then_some(())
        });
        ready.await.unwrap();
        let report = terminate(
            std::slice::from_ref(&launched.record),
            Duration::from_millis(300),
        )
        .await;
        assert_eq!(report[0].how, StopHow::Killed);
        assert!(launched.child.wait().await.is_ok());
    }

    #[tokio::test]
    async fn waiting_for_a_line_reports_an_early_exit_with_its_log() {
        let dir = tempfile::tempdir().unwrap();
        let mut launched = fake_node(dir.path(), "/bin/sh", &["-c", "echo oops >&2; exit 3"]).await;
        let error = wait_for_line(&mut launched, Duration::from_secs(10), |_| None::<()>)
            .await
            .unwrap_err();
        assert!(matches!(error, DevnetError::ExitedEarly { .. }), "{error}");
        assert!(error.to_string().contains("node.log"));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("node.log")).unwrap(),
            "oops\n"
        );
    }
}
