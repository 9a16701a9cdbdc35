//! `--devnet` starts a detached devnet when none runs; `ferry devnet down` stops exactly it.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

use crate::support::path_with_anvil;

fn ferry(data_dir: &Path) -> Command {
    let mut command = Command::cargo_bin("ferry").unwrap();
    command
        .env_clear()
        .env("PATH", path_with_anvil())
        .env("FERRY_DATA_DIR", data_dir);
    command
}

fn recorded_pids(data_dir: &Path) -> Vec<u32> {
    let state = std::fs::read_to_string(data_dir.join("devnet/state.json")).unwrap();
    let state: serde_json::Value = serde_json::from_str(&state).unwrap();
    state["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pid"].as_u64().unwrap() as u32)
        .collect()
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn devnet_flag_starts_a_detached_devnet_that_down_stops_exactly() {
    let (dir, file, _) = crate::support::random_file("priced.bin", 20_000);
    ferry(dir.path())
        .args(["quote", "--devnet"])
        .arg(&file)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("chunks:").and(predicate::str::contains("storage cost:")));
    let pids = recorded_pids(dir.path());
    assert_eq!(pids.len(), 11, "anvil and 10 nodes");
    assert!(
        pids.iter().all(|pid| alive(*pid)),
        "the devnet outlives the command that started it"
    );
    ferry(dir.path())
        .args(["devnet", "status"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("devnet healthy"));
    // A second --devnet command reuses the running devnet instead of starting another.
    ferry(dir.path())
        .args(["quote", "--devnet"])
        .arg(&file)
        .assert()
        .code(0);
    assert_eq!(recorded_pids(dir.path()), pids);
    // A dead node does not make --devnet replace the devnet (that would wipe its chain and
    // every payment on it): the same chain and the other nodes are used.
    let node = *pids.last().unwrap();
    crate::support::signal(node, "KILL");
    while alive(node) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    ferry(dir.path())
        .args(["quote", "--devnet"])
        .arg(&file)
        .assert()
        .code(0);
    assert_eq!(recorded_pids(dir.path()), pids, "the devnet was replaced");
    ferry(dir.path()).args(["devnet", "down"]).assert().code(0);
    for pid in &pids[..pids.len() - 1] {
        for _ in 0..50 {
            if !alive(*pid) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert!(!alive(*pid), "pid {pid} still runs after `devnet down`");
    }
    ferry(dir.path())
        .args(["devnet", "status"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no devnet is running"));
}
