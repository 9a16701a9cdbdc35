//! Crash cuts of the receipt log: every prefix a power cut can leave (each record boundary and
//! every byte inside a record) loads to exactly the state of the last whole record, so resume
//! never loses a durable proof or a journalled intent, and so never pays a chunk twice.

use alloy::primitives::B256;

use super::*;
use crate::client::receipt::cache::ReceiptCache;
use crate::client::receipt::tests::{NOW, chunk, proof_in};
use crate::client::receipt::{PaymentIntent, WaveRecord};
use crate::wire::signed::PaymentProof;
use crate::wire::types::{Amount, ChunkAddress};

fn proof(chunk: ChunkAddress, tx: u8) -> PaymentProof {
    proof_in(chunk, NOW, tx)
}

/// An upload's changes: two waves journalled, sent, confirmed and (partly) stored.
fn history() -> Vec<Change> {
    let wave = |n: u8| {
        let proofs: Vec<_> = [2 * n, 2 * n + 1]
            .into_iter()
            .map(|c| (chunk(c), proof(chunk(c), 0)))
            .collect();
        let intent = PaymentIntent {
            written_at: NOW,
            from_block: 7,
            nonce: Some(u64::from(n)),
            tx_hash: None,
            proofs: proofs.iter().map(|(_, p)| p.clone()).collect(),
        };
        (intent, proofs)
    };
    let record = |chunks| WaveRecord {
        paid_at: NOW,
        chunks,
        storage_cost: Amount::wei(21),
        gas_cost: Amount::wei(1),
    };
    let (first, first_proofs) = wave(1);
    let (second, second_proofs) = wave(2);
    vec![
        Change::Planned {
            file_size: 1 << 20,
            chunks_total: 6,
        },
        Change::Pruned { now: NOW },
        Change::Intent(first),
        Change::Sent {
            nonce: 1,
            tx_hash: B256::repeat_byte(1),
        },
        Change::Wave {
            tx_hash: B256::repeat_byte(1),
            wave: record(2),
            proofs: first_proofs,
        },
        Change::Stored(vec![(chunk(2), Vec::new())]),
        Change::Intent(second),
        Change::Stored(vec![(chunk(3), Vec::new())]),
        Change::Sent {
            nonce: 2,
            tx_hash: B256::repeat_byte(2),
        },
        Change::Wave {
            tx_hash: B256::repeat_byte(2),
            wave: record(2),
            proofs: second_proofs,
        },
        Change::Stored(vec![(chunk(4), Vec::new()), (chunk(5), Vec::new())]),
    ]
}

/// Writes the history through a [`LogWriter`], one record per change; returns the file's
/// bytes and, after each record, its end and the receipt then.
fn written_log(dir: &std::path::Path) -> (Vec<u8>, Vec<(u64, Receipt)>) {
    let path = dir.join("log.receipt");
    let mut receipt = Receipt::new("/f".into(), NOW);
    let mut writer = LogWriter::open(path.clone(), None, 0).unwrap();
    assert!(writer.wants_compaction());
    writer.compact(&encode_snapshot(&receipt), 0o600).unwrap();
    let mut states = vec![(writer.len(), receipt.clone())];
    for change in history() {
        change.apply(&mut receipt);
        writer.append(vec![change]).unwrap();
        states.push((writer.len(), receipt.clone()));
    }
    (std::fs::read(&path).unwrap(), states)
}

/// Loads `bytes` as a receipt file through the cache, as a resumed upload does.
fn load_cut(bytes: &[u8]) -> (Option<Receipt>, bool) {
    let dir = tempfile::tempdir().unwrap();
    let cache = ReceiptCache::new(dir.path());
    let key = "ab".repeat(32);
    let lock = cache.lock(&key, || {}).unwrap();
    std::fs::create_dir_all(cache.dir()).unwrap();
    std::fs::write(cache.receipt_path(&key), bytes).unwrap();
    let loaded = cache.load(&lock, NOW).unwrap();
    let set_aside = loaded.set_aside.is_some();
    // Appending after a cut must give a log that loads with the new record.
    if let Some(receipt) = &loaded.receipt {
        let mut writer = cache.writer(&lock, &loaded).unwrap();
        let more = Change::Stored(vec![(chunk(99), Vec::new())]);
        writer.append(vec![more.clone()]).unwrap();
        let mut expected = receipt.clone();
        more.apply(&mut expected);
        let again = cache.load(&lock, NOW).unwrap();
        assert_eq!(
            again.receipt.as_ref(),
            Some(&expected),
            "append after a cut"
        );
    }
    (loaded.receipt, set_aside)
}

/// Every chunk the receipt would not pay again on resume: stored, proven paid, or journalled.
fn covered(receipt: &Receipt) -> std::collections::BTreeSet<ChunkAddress> {
    let journalled = receipt.intents.iter().flat_map(|i| &i.proofs);
    receipt
        .stored
        .keys()
        .copied()
        .chain(receipt.proofs.keys().copied())
        .chain(journalled.filter_map(PaymentProof::chunk))
        .collect()
}

#[test]
fn every_cut_of_the_log_loads_the_last_whole_record_and_loses_no_durable_proof() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, states) = written_log(dir.path());
    let snapshot_end = states[0].0 as usize;
    // Every record boundary, every byte of each record's head (length and hash) and of the
    // start of its body, and every 7th byte beyond.
    let mut cuts: Vec<usize> = (snapshot_end..=bytes.len()).step_by(7).collect();
    for (end, _) in &states {
        let end = *end as usize;
        cuts.extend((end..(end + RECORD_HEAD_LEN + 8).min(bytes.len() + 1)).collect::<Vec<_>>());
    }
    cuts.push(bytes.len());
    cuts.sort_unstable();
    cuts.dedup();
    for cut in cuts {
        let (receipt, set_aside) = load_cut(&bytes[..cut]);
        assert!(!set_aside, "a cut at {cut} was taken for damage");
        let (_, durable) = states
            .iter()
            .rev()
            .find(|(end, _)| *end as usize <= cut)
            .unwrap();
        let receipt = receipt.unwrap();
        assert_eq!(&receipt, durable, "cut at {cut} of {}", bytes.len());
        // Nothing a whole record covered is paid again, whichever record the cut tore.
        for (end, earlier) in &states {
            if *end as usize <= cut {
                assert!(
                    covered(earlier).is_subset(&covered(&receipt)),
                    "cut at {cut}"
                );
            }
        }
    }
}

#[test]
fn a_cut_inside_the_snapshot_or_a_damaged_middle_record_is_corrupt_not_a_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, states) = written_log(dir.path());
    let snapshot_end = states[0].0 as usize;
    for cut in [LOG_HEADER_LEN, LOG_HEADER_LEN + 3, snapshot_end - 1] {
        let (receipt, set_aside) = load_cut(&bytes[..cut]);
        assert!(set_aside && receipt.is_none(), "cut at {cut}");
    }
    // A byte flipped in the third record, with whole records after it: damage.
    let third = states[2].0 as usize + RECORD_HEAD_LEN + 2;
    let mut damaged = bytes.clone();
    damaged[third] ^= 0x40;
    assert!(matches!(replay(&damaged), Err(DecodeError::Corrupt(_))));
    let (receipt, set_aside) = load_cut(&damaged);
    assert!(set_aside && receipt.is_none());
    // The same flip in the last record is a torn tail.
    let last = states[states.len() - 2].0 as usize + RECORD_HEAD_LEN + 2;
    let mut torn = bytes;
    torn[last] ^= 0x40;
    assert_eq!(replay(&torn).unwrap().receipt, states[states.len() - 2].1);
}

#[test]
fn compaction_waits_until_the_log_is_several_times_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.receipt");
    let mut writer = LogWriter::open(path.clone(), None, 0).unwrap();
    let receipt = Receipt::new("/f".into(), NOW);
    writer.compact(&encode_snapshot(&receipt), 0o600).unwrap();
    let proofs: Vec<_> = (0..=255).map(|c| proof(chunk(c), 0)).collect();
    let mut appended = 0;
    while !writer.wants_compaction() {
        let before = writer.len();
        writer
            .append(vec![Change::Intent(PaymentIntent {
                written_at: NOW,
                from_block: 1,
                nonce: Some(appended),
                tx_hash: None,
                proofs: [&proofs[..], &proofs[..], &proofs[..], &proofs[..]].concat(),
            })])
            .unwrap();
        assert!(writer.len() > before);
        appended += 1;
    }
    assert!(writer.len() > COMPACT_MIN_BYTES);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), writer.len());
}
