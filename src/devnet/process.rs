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

/// Starts `program` with `args` in its own process group, output to `log`.
pub async fn spawn(
    name: String,
    program: Program,
    executable: &Path,
    args: &[String],
    log: PathBuf,
) -> Result<Launched, DevnetError> {
    let log_for_open = log.clone();
    let output = super::blocking(move || std::fs::File::create(&log_for_open))
        .await
        .map_err(|source| DevnetError::io("create", &log, source))?;
    let errors = output
        .try_clone()
        .map_err(|source| DevnetError::io("open", &log, source))?;
    let child = Command::new(executable)
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
    match rustix::process::kill_process_group(pid, signal) {
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
    if stat.state == 'Z'
        || record
            .start_ticks
            .is_some_and(|ticks| ticks != stat.start_ticks)
    {
        return false;
    }
    std::fs::read(format!("/proc/{}/cmdline", record.pid))
        .is_ok_and(|cmdline| cmdline_runs(&cmdline, record.program.executable_name()))
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

    /// Starts `target` under the name `ferry-node` (a symlink), so it passes as a node.
    async fn fake_node(dir: &Path, target: &str, args: &[&str]) -> Launched {
        let link = dir.join("ferry-node");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(target, &link).unwrap();
        let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
        spawn(
            "node 0".into(),
            Program::Node,
            &link,
            &args,
            dir.join("node.log"),
        )
        .await
        .unwrap()
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
