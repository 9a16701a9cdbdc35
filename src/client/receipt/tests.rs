use alloy::signers::local::PrivateKeySigner;

use super::cache::{CacheError, ReceiptCache};
use super::*;
use crate::wire::signed::{QuoteBody, SignedQuote};

const DAY: u64 = 24 * 3600;
pub(crate) const NOW: u64 = 1_800_000_000;

pub(crate) fn chunk(n: u8) -> ChunkAddress {
    ChunkAddress([n; 32])
}

fn proof(chunk: ChunkAddress, issued_at: u64) -> PaymentProof {
    proof_in(chunk, issued_at, 9)
}

/// A one-quote proof for `chunk`, its quote given at `issued_at`, paid in transaction
/// `0xtx…tx`.
pub(crate) fn proof_in(chunk: ChunkAddress, issued_at: u64, tx: u8) -> PaymentProof {
    let signer = PrivateKeySigner::random();
    let quote = SignedQuote::sign(
        QuoteBody {
            chunk,
            size: 100,
            price: Amount::wei(7),
            rewards: signer.address(),
            issued_at,
            payer: alloy::primitives::Address::repeat_byte(3),
        },
        &signer,
    );
    PaymentProof {
        quotes: vec![quote],
        paid: 0,
        tx_hash: B256::repeat_byte(tx),
        wave: Default::default(),
    }
}

fn wave(paid_at: u64, chunks: u32, storage: u128) -> WaveRecord {
    WaveRecord {
        paid_at,
        chunks,
        storage_cost: Amount::wei(storage),
        gas_cost: Amount::wei(1),
    }
}

fn receipt_with_proof_issued(issued_at: u64) -> Receipt {
    let mut receipt = Receipt::new("/f".into(), NOW);
    receipt.proofs.insert(chunk(1), proof(chunk(1), issued_at));
    receipt
}

fn survives_pruning_at(issued_at: u64) -> bool {
    let mut receipt = receipt_with_proof_issued(issued_at);
    let dropped = receipt.prune(NOW);
    assert_eq!(dropped.is_empty(), receipt.proofs.len() == 1);
    dropped.is_empty()
}

#[test]
fn pruning_keeps_proofs_up_to_a_day_minus_five_minutes_old_and_drops_older() {
    assert!(survives_pruning_at(NOW));
    assert!(survives_pruning_at(NOW - 23 * 3600));
    assert!(survives_pruning_at(NOW - (DAY - 300)));
    assert!(!survives_pruning_at(NOW - (DAY - 299)));
    assert!(!survives_pruning_at(NOW - 25 * 3600));
}

#[test]
fn pruning_keeps_proofs_up_to_300_seconds_ahead_and_drops_further() {
    assert!(survives_pruning_at(NOW + 240));
    assert!(survives_pruning_at(NOW + 300));
    assert!(!survives_pruning_at(NOW + 301));
    assert!(!survives_pruning_at(NOW + 600));
}

#[test]
fn pruning_also_drops_expired_intents_but_keeps_fresh_ones() {
    let mut receipt = Receipt::new("/f".into(), NOW);
    for issued_at in [NOW - DAY, NOW - 60] {
        receipt.intents.push(PaymentIntent {
            written_at: issued_at,
            from_block: 1,
            nonce: Some(0),
            tx_hash: None,
            proofs: vec![proof(chunk(2), issued_at)],
        });
    }
    receipt.prune(NOW);
    assert_eq!(receipt.intents.len(), 1);
    assert_eq!(receipt.intents[0].written_at, NOW - 60);
}

#[test]
fn encoding_round_trips_and_detects_damage_and_newer_schemas() {
    let mut receipt = receipt_with_proof_issued(NOW);
    receipt.waves.insert(B256::repeat_byte(1), wave(NOW, 3, 21));
    let bytes = receipt.encode();
    assert_eq!(Receipt::decode(&bytes).unwrap(), receipt);

    let mut flipped = bytes.clone();
    *flipped.last_mut().unwrap() ^= 1;
    assert!(matches!(
        Receipt::decode(&flipped),
        Err(DecodeError::Corrupt(_))
    ));
    assert!(matches!(
        Receipt::decode(&bytes[..bytes.len() / 2]),
        Err(DecodeError::Corrupt(_))
    ));
    assert!(matches!(
        Receipt::decode(b"garbage"),
        Err(DecodeError::Corrupt(_))
    ));

    let mut newer = bytes;
    newer[8..12].copy_from_slice(&(SCHEMA_VERSION + 1).to_be_bytes());
    assert_eq!(
        Receipt::decode(&newer),
        Err(DecodeError::NewerSchema {
            found: SCHEMA_VERSION + 1
        })
    );
}

#[test]
fn merging_is_a_union_that_counts_each_wave_once_in_256_bits() {
    let huge = u128::MAX;
    let mut a = Receipt::new("/f".into(), NOW);
    a.waves
        .insert(B256::repeat_byte(1), wave(NOW - 10, 2, huge));
    a.proofs.insert(chunk(1), proof(chunk(1), NOW - 10));
    let mut b = Receipt::new("/f".into(), NOW - 5);
    b.waves
        .insert(B256::repeat_byte(1), wave(NOW - 10, 2, huge));
    b.waves.insert(B256::repeat_byte(2), wave(NOW, 1, huge));
    b.proofs.insert(chunk(2), proof(chunk(2), NOW));
    b.stored.insert(chunk(3), Vec::new());

    a.merge(b.clone());
    a.merge(b);
    assert_eq!(a.waves.len(), 2);
    assert_eq!(a.paid_chunks(), 3);
    let expected = alloy::primitives::U256::from(huge) * alloy::primitives::U256::from(2);
    assert_eq!(a.storage_cost(), Amount(expected));
    assert_eq!(a.proofs.len(), 2);
    assert_eq!(a.stored.len(), 1);
    assert_eq!(a.created_at, NOW - 5);
}

#[test]
fn merging_keeps_the_newer_proof_and_drops_proofs_of_stored_chunks() {
    let mut a = receipt_with_proof_issued(NOW - 100);
    let b = receipt_with_proof_issued(NOW - 10);
    a.merge(b);
    assert_eq!(a.oldest_proof_at(), Some(NOW - 10));
    let mut c = Receipt::new("/f".into(), NOW);
    c.stored.insert(chunk(1), Vec::new());
    a.merge(c);
    assert!(a.proofs.is_empty());
}

#[test]
fn merging_an_intent_before_and_after_its_hash_was_journalled_keeps_it_once_with_the_hash() {
    let intent = PaymentIntent {
        written_at: NOW,
        from_block: 1,
        nonce: Some(3),
        tx_hash: None,
        proofs: vec![proof(chunk(1), NOW)],
    };
    let mut canonical = Receipt::new("/f".into(), NOW);
    canonical.intents.push(intent.clone());
    let mut temp = canonical.clone();
    temp.intents[0].tx_hash = Some(B256::repeat_byte(5));
    canonical.merge(temp.clone());
    assert_eq!(canonical.intents, temp.intents);
    let mut other_nonce = temp.clone();
    other_nonce.intents[0].nonce = Some(4);
    canonical.merge(other_nonce);
    assert_eq!(
        canonical.intents.len(),
        2,
        "another nonce is another payment"
    );
}

#[test]
fn an_intent_is_dropped_once_its_chunks_are_recorded() {
    let paid = proof(chunk(1), NOW);
    let mut receipt = Receipt::new("/f".into(), NOW);
    receipt.intents.push(PaymentIntent {
        written_at: NOW,
        from_block: 1,
        nonce: Some(0),
        tx_hash: None,
        proofs: vec![paid.clone()],
    });
    receipt.normalise();
    assert_eq!(receipt.intents.len(), 1);
    receipt.proofs.insert(chunk(1), paid);
    receipt.normalise();
    assert!(receipt.intents.is_empty());
}

#[test]
fn time_to_live_counts_from_the_newest_wave() {
    let mut receipt = Receipt::new("/f".into(), NOW - 3 * DAY);
    assert_eq!(receipt.expires_at(), NOW - 2 * DAY);
    receipt
        .waves
        .insert(B256::repeat_byte(1), wave(NOW - 2 * DAY, 1, 1));
    receipt
        .waves
        .insert(B256::repeat_byte(2), wave(NOW - 60, 1, 1));
    assert_eq!(receipt.expires_at(), NOW - 60 + DAY);
}

#[test]
fn keys_are_the_same_for_relative_and_absolute_paths_and_differ_by_network() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, b"x").unwrap();
    let absolute = ReceiptCache::key_for(&file, "1:0xab").unwrap();
    let dotted = ReceiptCache::key_for(&dir.path().join(".").join("f"), "1:0xab").unwrap();
    assert_eq!(absolute, dotted);
    assert_eq!(absolute.len(), 64);
    let elsewhere = ReceiptCache::key_for(&file, "2:0xab").unwrap();
    assert_ne!(absolute, elsewhere, "another network has its own receipt");
}

#[test]
fn load_merges_readable_temp_files_and_removes_torn_ones() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ReceiptCache::new(dir.path());
    let key = "ab".repeat(32);
    let lock = cache.lock(&key, || {}).unwrap();
    let mut canonical = receipt_with_proof_issued(NOW);
    canonical
        .waves
        .insert(B256::repeat_byte(1), wave(NOW, 1, 5));
    cache.write(&lock, &canonical).unwrap();
    let mut newer = Receipt::new("/f".into(), NOW);
    newer.proofs.insert(chunk(2), proof(chunk(2), NOW));
    newer.waves.insert(B256::repeat_byte(2), wave(NOW, 1, 5));
    let temp = |n: u32| cache.dir().join(format!(".{key}.receipt.tmp-{n}"));
    std::fs::write(temp(1), newer.encode()).unwrap();
    std::fs::write(temp(2), &newer.encode()[..40]).unwrap();

    let loaded = cache.load(&lock, NOW).unwrap();
    let receipt = loaded.receipt.unwrap();
    assert_eq!(loaded.recovered_temps, 2);
    assert_eq!(receipt.proofs.len(), 2);
    assert_eq!(receipt.storage_cost(), Amount::wei(10));
    assert!(!temp(1).exists() && !temp(2).exists());
    let again = cache.load(&lock, NOW).unwrap();
    assert_eq!(again.receipt.unwrap(), receipt);
}

#[test]
fn a_corrupt_receipt_is_set_aside_and_a_newer_one_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ReceiptCache::new(dir.path());
    let key = "cd".repeat(32);
    let lock = cache.lock(&key, || {}).unwrap();
    let path = cache.receipt_path(&key);
    std::fs::write(&path, b"not a receipt").unwrap();
    let loaded = cache.load(&lock, NOW).unwrap();
    assert!(loaded.receipt.is_none());
    let aside = loaded.set_aside.unwrap().path;
    assert_eq!(std::fs::read(aside).unwrap(), b"not a receipt");
    assert!(!path.exists());

    let mut newer = receipt_with_proof_issued(NOW).encode();
    newer[8..12].copy_from_slice(&(SCHEMA_VERSION + 1).to_be_bytes());
    std::fs::write(&path, &newer).unwrap();
    assert!(matches!(
        cache.load(&lock, NOW),
        Err(CacheError::NewerSchema { .. })
    ));
    drop(lock);
    let sweep = cache.clear(NOW, true).unwrap();
    assert_eq!(sweep.newer, vec![path.clone()]);
    assert_eq!(std::fs::read(&path).unwrap(), newer);
}

#[test]
fn corrupt_receipts_set_aside_in_the_same_second_keep_distinct_names_until_forced() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ReceiptCache::new(dir.path());
    let key = "ef".repeat(32);
    let lock = cache.lock(&key, || {}).unwrap();
    let path = cache.receipt_path(&key);
    let mut asides = Vec::new();
    for content in [&b"first garbage"[..], b"second garbage"] {
        std::fs::write(&path, content).unwrap();
        asides.push(cache.load(&lock, NOW).unwrap().set_aside.unwrap().path);
    }
    assert_ne!(asides[0], asides[1]);
    assert_eq!(std::fs::read(&asides[0]).unwrap(), b"first garbage");
    assert_eq!(std::fs::read(&asides[1]).unwrap(), b"second garbage");
    drop(lock);
    cache.gc(NOW + 10 * DAY).unwrap();
    cache.clear(NOW + 10 * DAY, false).unwrap();
    assert!(asides.iter().all(|aside| aside.exists()));
    cache.clear(NOW + 10 * DAY, true).unwrap();
    assert!(asides.iter().all(|aside| !aside.exists()));
}

#[test]
fn clear_keeps_unexpired_paid_proofs_unless_forced_and_skips_receipts_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ReceiptCache::new(dir.path());
    let (paid, spent, busy) = ("01".repeat(32), "02".repeat(32), "03".repeat(32));
    for (key, receipt) in [
        (
            &paid,
            receipt_with_proof_issued(crate::wire::signed::unix_now()),
        ),
        (&spent, Receipt::new("/g".into(), NOW)),
        (&busy, Receipt::new("/h".into(), NOW)),
    ] {
        let lock = cache.lock(key, || {}).unwrap();
        cache.write(&lock, &receipt).unwrap();
    }
    let held = cache.lock(&busy, || {}).unwrap();
    let in_use: Vec<_> = cache
        .list()
        .unwrap()
        .into_iter()
        .filter(|l| l.in_use)
        .collect();
    assert_eq!(in_use.len(), 1);
    assert_eq!(in_use[0].path, cache.receipt_path(&busy));
    let sweep = cache.clear(crate::wire::signed::unix_now(), false).unwrap();
    assert_eq!(sweep.removed, vec![cache.receipt_path(&spent)]);
    assert_eq!(sweep.kept_paid, vec![cache.receipt_path(&paid)]);
    assert_eq!(sweep.in_use, vec![cache.receipt_path(&busy)]);
    drop(held);
    let forced = cache.clear(crate::wire::signed::unix_now(), true).unwrap();
    assert_eq!(forced.removed.len(), 2);
    assert!(cache.list().unwrap().is_empty());
}

#[test]
fn gc_removes_only_receipts_past_their_time_to_live() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ReceiptCache::new(dir.path());
    let (old, fresh) = ("04".repeat(32), "05".repeat(32));
    let mut expired = Receipt::new("/f".into(), NOW - 3 * DAY);
    expired
        .waves
        .insert(B256::repeat_byte(1), wave(NOW - 2 * DAY, 1, 1));
    let mut live = Receipt::new("/g".into(), NOW - 3 * DAY);
    live.waves
        .insert(B256::repeat_byte(1), wave(NOW - 3600, 1, 1));
    for (key, receipt) in [(&old, expired), (&fresh, live)] {
        let lock = cache.lock(key, || {}).unwrap();
        cache.write(&lock, &receipt).unwrap();
    }
    let sweep = cache.gc(NOW).unwrap();
    assert_eq!(sweep.removed, vec![cache.receipt_path(&old)]);
    assert_eq!(cache.list().unwrap().len(), 1);
}

#[test]
fn receipt_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let cache = ReceiptCache::new(dir.path());
    let key = "06".repeat(32);
    let lock = cache.lock(&key, || {}).unwrap();
    cache.write(&lock, &receipt_with_proof_issued(NOW)).unwrap();
    let mode = std::fs::metadata(cache.receipt_path(&key))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_second_locker_waits_until_the_first_lets_go() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ReceiptCache::new(dir.path());
    let key = "07".repeat(32);
    let first = cache.lock(&key, || {}).unwrap();
    assert!(cache.try_lock(&key).unwrap().is_none());
    let other = cache.clone();
    let waiter = {
        let key = key.clone();
        std::thread::spawn(move || {
            let mut waited = false;
            let _lock = other.lock(&key, || waited = true).unwrap();
            waited
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(100));
    drop(first);
    assert!(waiter.join().unwrap());
}
