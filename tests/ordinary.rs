//! The data people have: files that repeat their content (zeros, disk images, a block copied
//! many times), tiny files, and files that change while they are uploaded.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{
    Devnet, assert_error_event, assert_paid_once_and_downloads, planned_chunks, random_bytes,
};

const PIECE: usize = ferry::client::chunking::MAX_PLAINTEXT_BYTES;

/// Uploads `data` as `name`, expecting `distinct` chunks (data map included), of which
/// `held_before` the network already holds; checks that each distinct chunk is paid exactly
/// once on-chain and that the file downloads byte-identical.
fn upload_expecting_distinct(name: &str, data: &[u8], distinct: usize, held_before: usize) {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, data).unwrap();
    assert_eq!(planned_chunks(&file).len(), distinct);
    let (code, events) = devnet.upload_json(dir.path(), &account, &file, &[]);
    let done = events.last().unwrap();
    assert_eq!(code, Some(0), "upload failed: {done}");
    assert_eq!(done["chunks"], distinct, "{done}");
    assert_eq!(done["paid_chunks"], distinct - held_before, "{done}");
    assert_eq!(done["already_stored"], held_before, "{done}");
    let paid_in_waves: u64 = events
        .iter()
        .filter(|e| e["event"] == "wave_paid")
        .map(|e| e["chunks"].as_u64().unwrap())
        .sum();
    assert_eq!(paid_in_waves, (distinct - held_before) as u64);
    let reference = done["reference"].as_str().unwrap();
    assert_paid_once_and_downloads(devnet, dir.path(), &account, &file, reference, data);
}

#[test]
fn zeros_and_a_sparse_image_pay_each_distinct_chunk_once_network_wide() {
    // 25 equal full pieces, a short tail of zeros, and the data map: 3 distinct chunks.
    upload_expecting_distinct("zeros.img", &vec![0u8; 100 * 1024 * 1024], 3, 0);
    // A disk image: zeroed pieces around two data pieces, one of them twice. Its zero piece is
    // the one the zeros already stored: it is neither paid for nor sent again.
    let data_a = random_bytes(PIECE);
    let data_b = random_bytes(PIECE);
    let zero = vec![0u8; PIECE];
    let image = [&zero[..], &data_a, &zero, &zero, &data_b, &data_a, &zero].concat();
    upload_expecting_distinct("sparse.img", &image, 4, 1);
}

#[test]
fn a_block_repeated_five_times_is_one_chunk_and_its_data_map() {
    let block = random_bytes(PIECE);
    upload_expecting_distinct("repeated.img", &block.repeat(5), 2, 0);
}

#[test]
fn a_one_byte_file_uploads_and_downloads() {
    upload_expecting_distinct("one.bin", &random_bytes(1), 2, 0);
}

#[test]
fn a_file_changed_during_the_upload_stops_before_the_next_payment() {
    // Its own devnet: its chain stops mining for a moment.
    let devnet = Devnet::start(5);
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("changing.bin");
    let chunks = 6;
    std::fs::write(&file, random_bytes(chunks * PIECE)).unwrap();
    let original = planned_chunks(&file);
    // The first wave's transaction waits unmined while the file changes under the upload.
    devnet.rpc("evm_setAutomine", serde_json::json!([false]));
    let child = devnet
        .ferry_process(dir.path(), &account)
        .args(["upload", "--json", "--wave-size", "1"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let new_content = random_bytes(chunks * PIECE);
    let deadline = Instant::now() + Duration::from_secs(60);
    while devnet.rpc("txpool_status", serde_json::json!([]))["pending"] == "0x0" {
        assert!(Instant::now() < deadline, "the upload sent no payment");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::write(&file, &new_content).unwrap();
    devnet.rpc("evm_setAutomine", serde_json::json!([true]));
    devnet.rpc("evm_mine", serde_json::json!([]));
    let output = child.wait_with_output().unwrap();
    let events = crate::support::json_lines(&output.stdout);
    let error = events.last().unwrap();
    assert_eq!(output.status.code(), Some(2), "{error}");
    assert_error_event(error, "bad_input", "changed while it was being uploaded");
    assert!(
        error["message"].as_str().unwrap().contains("changing.bin"),
        "{error}"
    );
    let waves_paid = events.iter().filter(|e| e["event"] == "wave_paid").count();
    assert_eq!(
        waves_paid, 1,
        "only the wave sent before the change is paid"
    );
    let paid_on_chain: Vec<_> = original
        .iter()
        .filter(|chunk| devnet.times_paid(**chunk) > 0)
        .collect();
    assert_eq!(paid_on_chain.len(), 1, "nothing more is paid on-chain");

    // The rerun uploads the new content and loses nothing.
    let (code, events) = devnet.upload_json(dir.path(), &account, &file, &[]);
    let done = events.last().unwrap();
    assert_eq!(code, Some(0), "{done}");
    let reference = done["reference"].as_str().unwrap();
    assert_paid_once_and_downloads(
        &devnet,
        dir.path(),
        &account,
        &file,
        reference,
        &new_content,
    );
}
