//! Pipes: `ferry download REF -o -` writes the file to standard output, every chunk verified
//! before it is written; `ferry upload -` reads standard input in constant memory.

use std::process::{Command, Stdio};

use crate::support::{Devnet, random_file};

#[test]
fn a_download_to_stdout_pipes_into_cmp_byte_for_byte() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file, _) = random_file("piped-out.bin", 9 * 1024 * 1024 + 17);
    let (code, events) = devnet.upload_json(dir.path(), &account, &file, &[]);
    let done = events.last().unwrap();
    assert_eq!(code, Some(0), "{done}");
    let reference = done["reference"].as_str().unwrap();

    let mut download = devnet
        .ferry_process(dir.path(), &account)
        .args(["download", reference, "-o", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let cmp = Command::new("cmp")
        .arg("-")
        .arg(&file)
        .stdin(download.stdout.take().unwrap())
        .output()
        .unwrap();
    let downloaded = download.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&downloaded.stderr);
    assert_eq!(downloaded.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("to standard output"), "{stderr}");
    assert!(
        cmp.status.success(),
        "cmp: {}",
        String::from_utf8_lossy(&cmp.stdout)
    );
}

#[test]
fn a_download_to_stdout_that_fails_writes_nothing_unverified_and_exits_non_zero() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file, _) = random_file("piped-bad.bin", 10_000);
    let (code, events) = devnet.upload_json(dir.path(), &account, &file, &[]);
    assert_eq!(code, Some(0), "{:?}", events.last());
    let reference = events.last().unwrap()["reference"].as_str().unwrap();
    // The right address with the wrong key: the root chunk fails its tag.
    let wrong_key = format!("{}{}", &reference[..6 + 64], "00".repeat(32));
    let output = devnet
        .ferry(dir.path(), &account)
        .args(["download", &wrong_key, "-o", "-"])
        .output()
        .unwrap();
    assert_ne!(output.status.code(), Some(0));
    assert!(
        output.stdout.is_empty(),
        "{} bytes written",
        output.stdout.len()
    );
    // --json and -o - would share stdout: refused.
    let output = devnet
        .ferry(dir.path(), &account)
        .args(["download", "--json", reference, "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
