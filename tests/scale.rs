//! Scaling with the work, through the real binary: a folder of many small files packs them into
//! few chunks and comes back identical (whole, or one file on its own with `--path`); a receipt
//! whose log is torn inside its last record resumes without paying twice; and a stream longer
//! than the free space under the data dir uploads, one segment on disk at a time.

use std::path::{Path, PathBuf};

use alloy::signers::local::PrivateKeySigner;

use crate::support::runs::{
    assert_downloads_identical, assert_each_chunk_paid_once, receipt_path, scratch_file,
    upload_killed_after_first_payment,
};
use crate::support::{Devnet, json_lines, spawn_upload_stdin};

/// A folder of `small` files of 1 KiB (in a few subfolders) and two big files; returns its
/// root.
fn small_files_folder(small: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    for n in 0..small {
        let sub = root.join(format!("d{}", n % 7));
        std::fs::create_dir_all(&sub).unwrap();
        let bytes: Vec<u8> = (0..1024).map(|i| (i * 31 + n * 7) as u8).collect();
        std::fs::write(sub.join(format!("f{n}.txt")), bytes).unwrap();
    }
    std::fs::write(root.join("big.bin"), crate::support::random_bytes(5 << 20)).unwrap();
    std::fs::write(
        root.join("d1/edge.bin"),
        crate::support::random_bytes(1 << 20),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("empty")).unwrap();
    (dir, root)
}

/// Fails unless the trees under `a` and `b` hold the same files with the same bytes.
fn assert_same_tree(a: &Path, b: &Path) {
    let walk = |root: &Path| {
        let mut files = Vec::new();
        let mut pending = vec![root.to_owned()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let relative = path.strip_prefix(root).unwrap().to_owned();
                if path.is_dir() {
                    files.push((relative, None));
                    pending.push(path);
                } else {
                    files.push((relative, Some(std::fs::read(&path).unwrap())));
                }
            }
        }
        files.sort();
        files
    };
    let (left, right) = (walk(a), walk(b));
    assert_eq!(left.len(), right.len(), "the trees list different entries");
    for (l, r) in left.iter().zip(&right) {
        assert!(l == r, "{} differs", l.0.display());
    }
}

#[test]
fn many_small_files_share_few_chunks_and_come_back_whole_or_one_by_one() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, root) = small_files_folder(1500);
    let (code, events) = devnet.upload_json(dir.path(), &account, &root, &[]);
    let done = events.last().unwrap();
    assert_eq!(code, Some(0), "{done}");
    // 1,500 KiB of small files make one pack; the big files keep their own chunks (2 + 1 + a
    // data map each) and the manifest has its chunk and data map.
    let chunks = done["chunks"].as_u64().unwrap();
    assert!(chunks <= 8, "{chunks} chunks for 1,502 files: {done}");
    assert_eq!(done["files"], 1502, "{done}");
    let reference = done["reference"].as_str().unwrap();

    let out = dir.path().join("out");
    devnet
        .ferry(dir.path(), &account)
        .args(["download", reference, "-o"])
        .arg(&out)
        .assert()
        .code(0);
    assert_same_tree(&root, &out);

    for path in ["d6/f1000.txt", "big.bin", "d1/edge.bin"] {
        let one = dir.path().join("one");
        devnet
            .ferry(dir.path(), &account)
            .args(["download", reference, "--path", path, "-o"])
            .arg(&one)
            .assert()
            .code(0);
        assert_eq!(
            std::fs::read(&one).unwrap(),
            std::fs::read(root.join(path)).unwrap(),
            "{path}"
        );
    }
    let missing = devnet
        .ferry(dir.path(), &account)
        .args(["download", reference, "--path", "d3/nope.txt", "-o"])
        .arg(dir.path().join("nope"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("has no file"));
}

#[test]
fn a_receipt_torn_inside_its_last_record_resumes_without_paying_twice() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = scratch_file(12);
    upload_killed_after_first_payment(devnet, dir.path(), &account, &file);
    let receipt = receipt_path(devnet, dir.path(), &account, &file);
    let bytes = std::fs::read(&receipt).unwrap();
    let ends = ferry::client::receipt::log::record_ends(&bytes);
    assert!(
        ends.len() >= 3,
        "the log holds its snapshot and the wave's records"
    );
    // A power cut in the middle of the last append: the confirmed wave's record is torn, so
    // only its journalled intent is whole; the rerun settles it with the chain.
    let before_last = ends[ends.len() - 2] as usize;
    let cut = before_last + (bytes.len() - before_last) / 2;
    std::fs::write(&receipt, &bytes[..cut]).unwrap();
    let (code, events) = devnet.upload_json(dir.path(), &account, &file, &[]);
    let done = events.last().unwrap();
    assert_eq!(code, Some(0), "{done}");
    assert_downloads_identical(devnet, dir.path(), &account, done, &file);
    assert_each_chunk_paid_once(devnet, &file);
}

/// Mounts a tmpfs of `mib` MiB at `dir` (tests run as root); unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, mib: u64) -> Tmpfs {
        std::fs::create_dir_all(dir).unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(dir)
            .status()
            .unwrap();
        assert!(status.success(), "mount a tmpfs (the tests run as root)");
        Tmpfs(dir.to_owned())
    }

    /// Bytes in use on it.
    fn used(&self) -> u64 {
        let output = std::process::Command::new("df")
            .args(["--output=used", "-B1"])
            .arg(&self.0)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .nth(1)
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// `ferry upload --json -` with the data dir `data`, fed `len` bytes of `seed`'s stream;
/// returns the exit code, the events, and the most the tmpfs held meanwhile.
fn upload_stream(
    devnet: &Devnet,
    data: &Tmpfs,
    key: &PrivateKeySigner,
    seed: &'static [u8],
    len: u64,
) -> (Option<i32>, Vec<serde_json::Value>, u64) {
    let (child, feeder) = spawn_upload_stdin(devnet, &data.0, key, seed, len, &[]);
    let watching = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let watcher = {
        let (watching, dir) = (watching.clone(), Tmpfs(data.0.clone()));
        std::thread::spawn(move || {
            let mut peak = 0;
            while watching.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(dir.used());
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            std::mem::forget(dir);
            peak
        })
    };
    let output = child.wait_with_output().unwrap();
    watching.store(false, std::sync::atomic::Ordering::Relaxed);
    feeder.join().unwrap();
    (
        output.status.code(),
        json_lines(&output.stdout),
        watcher.join().unwrap(),
    )
}

#[test]
fn a_stream_longer_than_the_data_dirs_free_space_uploads_and_a_rerun_pays_nothing() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    // One segment is 256 MiB (a wave of chunks); the stream is half again the tmpfs.
    let data = Tmpfs::mount(&dir.path().join("data"), 320);
    let len = 480 * 1024 * 1024;
    let (code, events, peak) = upload_stream(devnet, &data, &account, b"bounded", len);
    let done = events.last().unwrap();
    assert_eq!(code, Some(0), "{done}");
    assert!(peak < 300 << 20, "the data dir held {} MiB", peak >> 20);
    let reference = done["reference"].as_str().unwrap().to_owned();

    // The same bytes again: found by the hash of the first segment, nothing paid twice.
    let (code, events, _) = upload_stream(devnet, &data, &account, b"bounded", len);
    let again = events.last().unwrap();
    assert_eq!(code, Some(0), "{again}");
    assert_eq!(again["reference"], reference.as_str());
    assert_eq!(again["paid_chunks"], 0, "{again}");

    let out = dir.path().join("out.bin");
    devnet
        .ferry(dir.path(), &account)
        .args(["download", &reference, "-o"])
        .arg(&out)
        .assert()
        .code(0);
    let mut expected = blake3::Hasher::new();
    crate::support::write_stream(b"bounded", len, &mut expected);
    let mut got = blake3::Hasher::new();
    std::io::copy(&mut std::fs::File::open(&out).unwrap(), &mut got).unwrap();
    assert_eq!(got.finalize(), expected.finalize());
}
