//! "Held" is proven, not claimed: scripted peers that claim chunks they never store (valid
//! storage receipts they sign themselves, "already held" to every quote, a receipt for every
//! PUT) are paid nothing and counted for nothing, and peers that keep nothing and relay the
//! chunk from an honest node when challenged answer too late to count, for `ferry verify` and
//! for the nodes' own upkeep alike.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use ferry::wire::challenge::{PEER_GET_DELAY, audit_deadline, max_audit_deadline};
use ferry::wire::types::ChunkAddress;
use serde_json::Value;

use crate::support::liar::{Behaviour, Counts, Liar, wait_until_listed};
use crate::support::runs::{assert_reference_downloads, scratch_file};
use crate::support::{Devnet, assert_paid_once_and_downloads, json_lines, planned_chunks};

/// Honest nodes in each test's devnet: with three liars a close group of 7 always holds at
/// least four honest nodes, and nearly always two liars.
const HONEST: usize = 5;

/// Starts `count` liars, each on a loopback /24 of its own, and waits until the devnet lists
/// them.
fn liars(devnet: &Devnet, count: usize, behaviour: Behaviour) -> Vec<Liar> {
    let liars: Vec<Liar> = (0..count)
        .map(|i| {
            let ip: IpAddr = format!("127.0.{}.1", 200 + i).parse().unwrap();
            Liar::start(devnet, ip, behaviour)
        })
        .collect();
    wait_until_listed(devnet, &liars);
    liars
}

fn total(
    liars: &[Liar],
    counter: impl Fn(&Counts) -> &std::sync::atomic::AtomicUsize + Copy,
) -> usize {
    liars.iter().map(|liar| liar.count(counter)).sum()
}

#[test]
fn claims_without_proof_are_paid_and_stored_on_honest_nodes_anyway() {
    let devnet = Devnet::start_with(HONEST, &["--repair-interval", "3600"]);
    let liars = liars(&devnet, 3, Behaviour::Claims);
    let key = devnet.funded_account();
    let (dir, file) = scratch_file(10);
    let reference = devnet.upload_reference(dir.path(), &key, &file);
    let chunks = planned_chunks(&file);
    let (claims, puts, refused) = (
        total(&liars, |c| &c.claims),
        total(&liars, |c| &c.puts),
        total(&liars, |c| &c.challenges),
    );
    println!(
        "{} chunks; the liars claimed {claims} quotes and acknowledged {puts} PUTs with receipts they signed; {refused} challenges found nothing",
        chunks.len()
    );
    assert!(
        claims > 0 && puts > 0,
        "the liars were in the chunks' close groups"
    );
    for chunk in &chunks {
        let honest = devnet.holders_on_disk(*chunk);
        assert!(
            honest.len() >= 4,
            "chunk {chunk} is on {} honest nodes ({honest:?}): the liars' receipts counted",
            honest.len()
        );
    }
    let expected = std::fs::read(&file).unwrap();
    assert_paid_once_and_downloads(&devnet, dir.path(), &key, &file, &reference, &expected);
}

#[test]
fn a_challenge_passed_on_to_a_holder_proves_nothing_for_the_upload_verify_or_upkeep() {
    let devnet = Devnet::start(HONEST);
    let liars = liars(&devnet, 3, Behaviour::PassesOn);
    let key = devnet.funded_account();
    let (dir, file) = scratch_file(10);
    let reference = devnet.upload_reference(dir.path(), &key, &file);
    let chunks = planned_chunks(&file);
    for chunk in &chunks {
        let honest = devnet.holders_on_disk(*chunk);
        assert!(
            honest.len() >= 4,
            "chunk {chunk} is on {} honest nodes ({honest:?}): answers passed on counted",
            honest.len()
        );
    }
    let events =
        verify_counts_only_honest_holders(&devnet, dir.path(), &key, &reference, &chunks, &liars);
    let passed_on = total(&liars, |c| &c.passed_on);
    assert!(
        passed_on > 0,
        "the liars got holders' answers to pass on (the attack ran): {events:?}"
    );
    // Upkeep finds them holding nothing too, and sends them replicas.
    wait_until_upkeep_replicates_to(&liars, "it counted answers passed on");
    println!(
        "{passed_on} challenges answered with a holder's hash, none counted; {} challenges to the liars in all",
        total(&liars, |c| &c.challenges)
    );
    let expected = std::fs::read(&file).unwrap();
    assert_reference_downloads(&devnet, dir.path(), &key, &reference, &expected);
}

#[test]
fn relayed_answers_are_late_for_verify_and_for_upkeep() {
    let devnet = Devnet::start(HONEST);
    let liars = liars(&devnet, 3, Behaviour::Relays);
    let key = devnet.funded_account();
    let (dir, file) = scratch_file(10);
    let reference = devnet.upload_reference(dir.path(), &key, &file);
    let chunks = planned_chunks(&file);
    let challenged_on_upload = total(&liars, |c| &c.challenges);

    // verify: every chunk's proven count is the number of honest nodes holding it.
    let events =
        verify_counts_only_honest_holders(&devnet, dir.path(), &key, &reference, &chunks, &liars);
    let challenged_on_verify = total(&liars, |c| &c.challenges) - challenged_on_upload;
    assert!(
        challenged_on_verify > 0,
        "verify challenged the relays: {events:?}"
    );
    let late = events
        .iter()
        .filter(|e| e["event"] == "chunk_verified")
        .flat_map(|e| e["failed"].as_array().cloned().unwrap_or_default())
        .filter(|failure| {
            failure["reason"]
                .as_str()
                .is_some_and(|reason| reason.contains("did not answer within"))
        })
        .count();
    assert!(late > 0, "verify reports the relays as late: {events:?}");

    // upkeep: the honest nodes challenge the relays, find them late and send them replicas.
    wait_until_upkeep_replicates_to(&liars, "it counted the relayed answers");
    println!(
        "audit deadline {:?} for an empty chunk, {:?} for a full one (a batch covers no more); a peer's GET is held back {PEER_GET_DELAY:?}",
        audit_deadline(0),
        max_audit_deadline()
    );
    println!(
        "challenges to the relays: {} in all ({challenged_on_upload} by the upload's checks after its PUTs; verify's run saw {challenged_on_verify}, upkeep's passes going on meanwhile); verify reported {late} late; {} answered from relayed bytes, all refused (slowest relay {} ms); replicas upkeep sent the relays: {}",
        total(&liars, |c| &c.challenges),
        total(&liars, |c| &c.relayed),
        liars
            .iter()
            .map(|liar| liar.count(|c| &c.slowest_relay_ms))
            .max()
            .unwrap_or(0),
        total(&liars, |c| &c.replicas)
    );
    let expected = std::fs::read(&file).unwrap();
    assert_reference_downloads(&devnet, dir.path(), &key, &reference, &expected);
}

/// The latest `chunk_verified` event for `chunk`.
/// Runs `ferry verify --json` of `reference` and checks that each of `chunks`' proven count is
/// the number of honest nodes holding it on disk, with none of `liars` among its holders;
/// returns verify's events.
fn verify_counts_only_honest_holders(
    devnet: &Devnet,
    dir: &std::path::Path,
    key: &alloy::signers::local::PrivateKeySigner,
    reference: &str,
    chunks: &[ChunkAddress],
    liars: &[Liar],
) -> Vec<Value> {
    let output = devnet
        .ferry(dir, key)
        .args(["verify", "--json", reference])
        .output()
        .unwrap();
    let events = json_lines(&output.stdout);
    for &chunk in chunks {
        let verdict = chunk_verified(&events, chunk);
        let honest = devnet.holders_on_disk(chunk).len();
        assert_eq!(
            verdict["proven"].as_u64(),
            Some(honest as u64),
            "verify counts only the {honest} honest holders of {chunk}: {verdict}"
        );
        for liar in liars {
            assert!(
                !urls(&verdict["holders"]).contains(&liar.info.url),
                "a liar counted as a holder of {chunk}: {verdict}"
            );
        }
    }
    events
}

/// Waits (at most 60 s) until some node's upkeep sends one of `liars` a replica: it found them
/// not holding what they claimed; `otherwise` says what a timeout means.
fn wait_until_upkeep_replicates_to(liars: &[Liar], otherwise: &str) {
    let started = Instant::now();
    while total(liars, |c| &c.replicas) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no node's upkeep sent a liar a replica within 60 s: {otherwise}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn chunk_verified(events: &[Value], chunk: ChunkAddress) -> &Value {
    events
        .iter()
        .rev()
        .find(|e| e["event"] == "chunk_verified" && e["chunk"] == chunk.to_hex())
        .unwrap_or_else(|| panic!("no chunk_verified for {chunk}: {events:?}"))
}

fn urls(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|list| {
            list.iter()
                .filter_map(|url| url.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
