//! Download's output goes through the one atomic file: it replaces the output whole and leaves
//! no temp file beside it.

use crate::support::{Devnet, json_lines, random_bytes};

#[test]
fn a_download_replaces_the_output_whole_and_leaves_no_temp_file() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("source.bin");
    let data = random_bytes(5 * 1024 * 1024);
    std::fs::write(&file, &data).unwrap();
    let (code, events) = devnet.upload_json(dir.path(), &account, &file, &[]);
    let done = events.last().unwrap();
    assert_eq!(code, Some(0), "upload failed: {done}");
    let reference = done["reference"].as_str().unwrap();

    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("out.bin");
    std::fs::write(&out, b"an older file that is replaced").unwrap();
    let output = devnet
        .ferry(dir.path(), &account)
        .args(["download", "--json", reference, "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let events = json_lines(&output.stdout);
    let done = events.last().unwrap();
    assert_eq!(done["event"], "done", "{done}");
    assert_eq!(done["output"], out.display().to_string(), "{done}");
    assert_eq!(done["bytes"], data.len() as u64, "{done}");
    assert!(
        std::fs::read(&out).unwrap() == data,
        "downloaded bytes differ"
    );
    let names: Vec<String> = std::fs::read_dir(out_dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["out.bin"], "only the output is left beside it");
}
