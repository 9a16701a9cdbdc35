//! Local failures are not bad input: a full disk under the data dir stops the upload with its
//! own retryable exit code, a message naming the path and what was paid, and a rerun with space
//! again pays nothing twice.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::{Devnet, assert_error_event, assert_paid_once_and_downloads, random_bytes};

/// A small tmpfs mounted for one test (CI runs as root), unmounted on drop.
struct SmallDisk {
    mount: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let mount = dir.path().join("disk");
        std::fs::create_dir(&mount).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&mount)
            .status()
            .unwrap();
        assert!(
            mounted.success(),
            "mounting a tmpfs needs root (CI runs as root)"
        );
        SmallDisk { mount, _dir: dir }
    }

    /// Writes a filler file until the disk is full.
    fn fill(&self) -> PathBuf {
        let filler = self.mount.join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let block = vec![0xAAu8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        let _ = file.sync_all();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.mount).status();
    }
}

fn events_of(
    stdout: impl std::io::Read,
    mut on_event: impl FnMut(&serde_json::Value),
) -> Vec<serde_json::Value> {
    let mut events = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let event: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        on_event(&event);
        events.push(event);
    }
    events
}

#[test]
fn a_full_disk_under_the_data_dir_exits_6_retryable_and_the_rerun_pays_nothing_twice() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let disk = SmallDisk::mount("8m");
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("full-disk.bin");
    let data = random_bytes(8 * ferry::client::chunking::MAX_PLAINTEXT_BYTES);
    std::fs::write(&file, &data).unwrap();
    let data_dir: &Path = &disk.mount;
    let mut child = devnet
        .ferry_process(data_dir, &account)
        .args(["upload", "--json", "--wave-size", "1"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut filler = None;
    let events = events_of(child.stdout.take().unwrap(), |event| {
        if event["event"] == "wave_paid" && filler.is_none() {
            filler = Some(disk.fill());
        }
    });
    let status = child.wait().unwrap();
    let error = events.last().unwrap();
    assert_eq!(status.code(), Some(6), "{error}");
    assert_error_event(error, "io", "could not be written");
    assert_eq!(error["retryable"], true, "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("receipts"),
        "the message names the path: {message}"
    );
    assert!(
        message.contains("after paying"),
        "the message says what was paid: {message}"
    );

    std::fs::remove_file(filler.expect("a wave was paid before the disk filled")).unwrap();
    let (code, events) = devnet.upload_json(data_dir, &account, &file, &[]);
    let done = events.last().unwrap();
    assert_eq!(code, Some(0), "{done}");
    let reference = done["reference"].as_str().unwrap();
    assert_paid_once_and_downloads(devnet, work.path(), &account, &file, reference, &data);
}
