//! The payment rules' unit tests: the cheap checks, the chain's answers and the caches.

use super::*;
use crate::node::paid_waves::tests::wave;
use crate::wire::types::NodeId;
use alloy::primitives::Address;

#[test]
fn a_wave_counts_only_when_paid_with_the_proofs_leaf_count() {
    let paid = |leaves| WaveStatus {
        block: 7,
        leaves,
        claimed: 0,
    };
    assert!(judge_status(wave(1), paid(4)).is_ok());
    assert!(matches!(
        judge_status(wave(1), WaveStatus::default()),
        Err(Rejection::NotPaid { .. })
    ));
    let resized = judge_status(wave(1), paid(5)).unwrap_err();
    assert_eq!(
        resized.to_string(),
        format!(
            "the proof says wave {} has 4 leaves, but the vault records 5",
            wave(1).root
        )
    );
}

#[test]
fn a_replica_skips_only_the_freshness_rule() {
    use crate::wire::signed::{QuoteBody, median_index};
    let vault = Vault::connect("http://127.0.0.1:9", Address::ZERO, None).unwrap();
    let admission = Admission::new(vault, 7, 0, Amount::wei(1));
    let chunk = ChunkAddress::of(b"old chunk");
    let signers: Vec<_> = (0..4)
        .map(|_| alloy::signers::local::PrivateKeySigner::random())
        .collect();
    let nodes: Vec<NodeInfo> = signers
        .iter()
        .enumerate()
        .map(|(i, s)| NodeInfo {
            id: NodeId([i as u8; 32]),
            url: format!("http://127.0.{}.1:7000", i + 1),
            rewards: s.address(),
        })
        .collect();
    let registry = Registry::new(1, nodes.iter().map(|n| (n.rewards, n.id)));
    let diversity = Diversity::default();
    let view = |nodes| NetworkView {
        nodes,
        registry: &registry,
        diversity: &diversity,
    };
    let day_and_more = unix_now() - 25 * 3600;
    let quotes: Vec<_> = signers
        .iter()
        .enumerate()
        .map(|(i, signer)| {
            let body = QuoteBody {
                chunk,
                size: 10,
                price: Amount::wei(i as u128 + 1),
                rewards: signer.address(),
                issued_at: day_and_more,
                payer: Address::repeat_byte(9),
            };
            SignedQuote::sign(body, signer)
        })
        .collect();
    let paid = median_index(&quotes).unwrap() as u32;
    let median = &quotes[paid as usize].body;
    let leaf = crate::wire::wave::WaveLeaf {
        chunk,
        rewards: median.rewards,
        amount: median.price.checked_mul(3).unwrap(),
    };
    let wave = crate::wire::wave::WaveTree::new(vec![leaf])
        .unwrap()
        .membership(0);
    let proof = PaymentProof {
        quotes,
        paid,
        tx_hash: Default::default(),
        wave,
    };
    assert!(matches!(
        admission.check_cheap(&proof, chunk, 10, view(&nodes), Arrival::First),
        Err(Rejection::Stale(_))
    ));
    assert!(
        admission
            .check_cheap(&proof, chunk, 10, view(&nodes), Arrival::Replica)
            .is_ok()
    );
    assert!(matches!(
        admission.check_cheap(&proof, chunk, 11, view(&nodes), Arrival::Replica),
        Err(Rejection::SizeMismatch { .. })
    ));
    assert!(matches!(
        admission.check_cheap(&proof, chunk, 10, view(&nodes[..1]), Arrival::Replica),
        Err(Rejection::UnknownIssuer { .. })
    ));
    let strict = Admission::new(
        Vault::connect("http://127.0.0.1:9", Address::ZERO, None).unwrap(),
        7,
        0,
        Amount::wei(100),
    );
    assert!(matches!(
        strict.check_cheap(&proof, chunk, 10, view(&nodes), Arrival::Replica),
        Err(Rejection::BelowFloor { .. })
    ));
    let empty = Registry::default();
    let unregistered = NetworkView {
        nodes: &nodes,
        registry: &empty,
        diversity: &diversity,
    };
    assert!(matches!(
        admission.check_cheap(&proof, chunk, 10, unregistered, Arrival::Replica),
        Err(Rejection::UnregisteredIssuer { .. })
    ));
}

#[test]
fn a_node_stores_only_chunks_whose_close_group_it_is_in() {
    let vault = Vault::connect("http://127.0.0.1:9", Address::ZERO, None).unwrap();
    let admission = Admission::new(vault, 3, 0, Amount::wei(1));
    let nodes: Vec<NodeInfo> = (0..12u8)
        .map(|i| NodeInfo {
            id: NodeId([i * 16; 32]),
            url: format!("http://127.0.{}.1:7000", i + 1),
            rewards: Address::repeat_byte(i + 1),
        })
        .collect();
    let registry = Registry::new(1, nodes.iter().map(|n| (n.rewards, n.id)));
    let diversity = Diversity::default();
    let far = ChunkAddress([0xff; 32]);
    let proof = PaymentProof {
        quotes: Vec::new(),
        paid: 0,
        tx_hash: Default::default(),
        wave: crate::wire::wave::WaveTree::new(vec![crate::wire::wave::WaveLeaf {
            chunk: far,
            rewards: Address::repeat_byte(1),
            amount: Amount::wei(3),
        }])
        .unwrap()
        .membership(0),
    };
    let view = NetworkView {
        nodes: &nodes,
        registry: &registry,
        diversity: &diversity,
    };
    assert!(matches!(
        admission.check_cheap(&proof, far, 10, view, Arrival::First),
        Err(Rejection::NotResponsible { k: 5, .. })
    ));
}
