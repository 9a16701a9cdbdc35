//! A real node refuses every PUT whose proof or body is wrong, with a 4xx that says why, and
//! keeps serving.

use std::sync::Arc;

use alloy::signers::local::PrivateKeySigner;
use bytes::Bytes;
use ferry::client::bodies::{BODIES_IN_MEMORY, BodyPool};
use ferry::client::chunking::{ChunkSource, MAX_CHUNK_BYTES, PlannedChunk, encrypt_in_place};
use ferry::client::nodes::{NodeClient, PutMode, RequestError, Swarm, Timeouts};
use ferry::client::quoting::{QuoteContext, QuoteOutcome, quote_chunk};
use ferry::client::sources::Sources;
use ferry::vault::Vault;
use ferry::wire::http::{PutOutcome, PutResponse, encode_put};
use ferry::wire::network::{CLOSE_GROUP_SIZE, REPLICAS, ring_order};
use ferry::wire::signed::{PaymentProof, QuoteBody, SignedQuote, unix_now};
use ferry::wire::types::ChunkAddress;
use ferry::wire::wave::{WaveLeaf, WaveTree};

use crate::support::trust::{close_group_keys, keys_by_id, median_proof, signed_quotes};
use crate::support::{Devnet, random_bytes, runtime};

/// A PUT's outcome, or the status and message of the node's refusal; panics when the node
/// did not answer.
fn outcome_or_refusal(
    answer: Result<PutResponse, RequestError>,
) -> Result<PutOutcome, (u16, String)> {
    match answer {
        Ok(answer) => Ok(answer.outcome),
        Err(RequestError::Refused {
            status, message, ..
        }) => Err((status, message)),
        Err(other) => panic!("the node should answer, not fail: {other}"),
    }
}

pub(crate) struct Fixture {
    pub(crate) devnet: &'static Devnet,
    pub(crate) client: NodeClient,
    pub(crate) swarm: Swarm,
    pub(crate) vault: Vault,
}

impl Fixture {
    pub(crate) fn new() -> Self {
        Self::on(Devnet::shared())
    }

    /// A fixture on `devnet`, paying from a fresh funded account.
    pub(crate) fn on(devnet: &'static Devnet) -> Self {
        let client = NodeClient::new(Timeouts::default());
        let swarm = devnet.swarm(&client);
        let payer = devnet.funded_account();
        let vault =
            Vault::connect(&devnet.network.rpc_url, devnet.network.vault, Some(&payer)).unwrap();
        Fixture {
            devnet,
            client,
            swarm,
            vault,
        }
    }

    /// A fresh encrypted chunk.
    pub(crate) fn chunk(&self) -> (ChunkAddress, Vec<u8>) {
        let mut bytes = random_bytes(1000);
        let (_, address) = encrypt_in_place(&mut bytes);
        (address, bytes)
    }

    /// A fresh encrypted chunk whose close group in `view` holds `node` (so `node` is
    /// responsible for it and stores it).
    pub(crate) fn chunk_near(
        &self,
        node: &ferry::wire::network::NodeInfo,
        view: &[ferry::wire::network::NodeInfo],
    ) -> (ChunkAddress, Vec<u8>) {
        loop {
            let (address, bytes) = self.chunk();
            let group = self
                .swarm
                .diversity
                .close_group(&address, view, CLOSE_GROUP_SIZE);
            if group.iter().any(|member| member.id == node.id) {
                return (address, bytes);
            }
        }
    }

    /// The close group's quotes for a chunk, verified, not yet paid.
    pub(crate) fn quoted(&self, address: ChunkAddress, bytes: &[u8]) -> (WaveLeaf, PaymentProof) {
        let planned = PlannedChunk {
            address,
            size: bytes.len() as u32,
            source: ChunkSource::Memory(Arc::new(bytes.to_vec())),
        };
        // A memory chunk is its own source: no files to re-derive it from.
        let sources = Arc::new(Sources::many(Vec::new()));
        let quoting = QuoteContext {
            client: &self.client,
            swarm: &self.swarm,
            close_group: CLOSE_GROUP_SIZE,
            replicas: REPLICAS,
            payer: self.vault.payer().unwrap(),
            sources: &sources,
            bodies: &BodyPool::new(BODIES_IN_MEMORY),
        };
        match runtime().block_on(quote_chunk(&quoting, &planned)).unwrap() {
            QuoteOutcome::Payable { payment, proof } => (payment, *proof),
            QuoteOutcome::AlreadyStored { .. } => panic!("a fresh chunk is not stored yet"),
        }
    }

    /// Places `proof` in the wave of `payments` (its chunk's leaf and path), paying nothing.
    pub(crate) fn place(payments: &[WaveLeaf], proof: &mut PaymentProof) -> WaveTree {
        let wave = WaveTree::new(payments.to_vec()).unwrap();
        let index = payments
            .iter()
            .position(|leaf| Some(leaf.chunk) == proof.chunk())
            .unwrap_or(0);
        proof.wave = wave.membership(index);
        wave
    }

    /// Pays `payments` as one wave and places `proof` in it.
    pub(crate) fn pay(&self, payments: &[WaveLeaf], proof: &mut PaymentProof) {
        let wave = Self::place(payments, proof);
        let paid = runtime().block_on(self.vault.pay_wave(&wave)).unwrap();
        proof.tx_hash = paid.tx_hash;
    }

    /// A chunk's close group's quotes, verified and paid as a wave of one.
    pub(crate) fn paid_proof(&self, address: ChunkAddress, bytes: &[u8]) -> PaymentProof {
        let (payment, mut proof) = self.quoted(address, bytes);
        self.pay(&[payment], &mut proof);
        proof
    }

    /// A majority proof of 25-hour-old quotes, signed with the close group's own keys, and
    /// paid.
    pub(crate) fn paid_expired_proof(&self, address: ChunkAddress, bytes: &[u8]) -> PaymentProof {
        let keys = keys_by_id(self.devnet, None);
        let signers = close_group_keys(&keys, &self.swarm.nodes, address, CLOSE_GROUP_SIZE);
        let payer = self.vault.payer().unwrap();
        let quotes = signed_quotes(
            &signers,
            address,
            bytes.len(),
            payer,
            unix_now() - 25 * 3600,
        );
        let (payment, mut proof) = median_proof(quotes);
        self.pay(&[payment], &mut proof);
        proof
    }

    pub(crate) fn put(
        &self,
        address: ChunkAddress,
        body: Vec<u8>,
    ) -> Result<PutOutcome, (u16, String)> {
        let node = ring_order(&address, &self.swarm.nodes)[0];
        let answer = runtime().block_on(self.client.put(
            node,
            address,
            Bytes::from(body),
            PutMode::StoreOnly,
        ));
        outcome_or_refusal(answer)
    }

    pub(crate) fn assert_refused(
        &self,
        address: ChunkAddress,
        body: Vec<u8>,
        status: u16,
        words: &str,
    ) {
        let (got, message) = self.put(address, body).expect_err("the node must refuse");
        assert_eq!(got, status, "status for {words:?}: {message}");
        assert!(
            message.to_lowercase().contains(words),
            "{message:?} should mention {words:?}"
        );
        for node in &self.swarm.nodes {
            runtime()
                .block_on(self.client.info(&node.url))
                .expect("the node keeps serving");
        }
    }
}

#[test]
fn a_paid_put_is_stored_and_served_and_a_second_is_already_there() {
    let fixture = Fixture::new();
    let (address, bytes) = fixture.chunk();
    let proof = fixture.paid_proof(address, &bytes);
    assert_eq!(
        fixture.put(address, encode_put(&proof, &bytes)),
        Ok(PutOutcome::Stored)
    );
    assert_eq!(
        fixture.put(address, encode_put(&proof, &bytes)),
        Ok(PutOutcome::AlreadyExists)
    );
    let node = ring_order(&address, &fixture.swarm.nodes)[0];
    let served = runtime()
        .block_on(fixture.client.get(node, address))
        .unwrap()
        .unwrap();
    assert_eq!(&served[..], &bytes[..]);
}

#[test]
fn node_rejects_an_unpaid_put() {
    let fixture = Fixture::new();
    let (address, bytes) = fixture.chunk();
    let (payment, mut proof) = fixture.quoted(address, &bytes);
    Fixture::place(&[payment], &mut proof);
    fixture.assert_refused(
        address,
        encode_put(&proof, &bytes),
        402,
        "is not paid on-chain",
    );
}

#[test]
fn node_rejects_a_proof_for_another_chunk() {
    let fixture = Fixture::new();
    let (paid_address, paid_bytes) = fixture.chunk();
    let (payment, mut proof) = fixture.quoted(paid_address, &paid_bytes);
    fixture.pay(&[payment], &mut proof);
    let (other_address, other_bytes) = fixture.chunk();
    fixture.assert_refused(
        other_address,
        encode_put(&proof, &other_bytes),
        402,
        &format!("proof carries a quote for chunk {paid_address}, not {other_address}"),
    );
}

#[test]
fn node_rejects_a_forged_quote() {
    let fixture = Fixture::new();
    let (address, bytes) = fixture.chunk();
    let mut proof = fixture.paid_proof(address, &bytes);
    // Same body, re-signed by a key that is not the quoting node's.
    let paid = proof.paid as usize;
    let forger = PrivateKeySigner::random();
    let mut forged = SignedQuote::sign(
        QuoteBody {
            rewards: forger.address(),
            ..proof.quotes[paid].body.clone()
        },
        &forger,
    );
    forged.body.rewards = proof.quotes[paid].body.rewards;
    proof.quotes[paid] = forged;
    fixture.assert_refused(
        address,
        encode_put(&proof, &bytes),
        402,
        "is not signed by its rewards address",
    );
}

#[test]
fn node_rejects_an_expired_quote_even_when_paid() {
    let fixture = Fixture::new();
    let (address, bytes) = fixture.chunk();
    let proof = fixture.paid_expired_proof(address, &bytes);
    fixture.assert_refused(address, encode_put(&proof, &bytes), 402, "is expired");
}

#[test]
fn node_rejects_a_quote_paid_below_three_times_its_price() {
    let fixture = Fixture::new();
    let (address, bytes) = fixture.chunk();
    let (mut payment, mut proof) = fixture.quoted(address, &bytes);
    payment.amount = proof.quotes[proof.paid as usize].body.price;
    fixture.pay(&[payment], &mut proof);
    fixture.assert_refused(
        address,
        encode_put(&proof, &bytes),
        402,
        "below the required",
    );
}

#[test]
fn node_rejects_an_oversized_body() {
    let fixture = Fixture::new();
    let (address, bytes) = fixture.chunk();
    let (_, proof) = fixture.quoted(address, &bytes);
    let huge = random_bytes(MAX_CHUNK_BYTES + 200 * 1024);
    let (status, _) = fixture
        .put(address, encode_put(&proof, &huge))
        .expect_err("too large");
    assert_eq!(status, 413);
}

#[test]
fn node_rejects_a_body_whose_hash_is_not_its_address() {
    let fixture = Fixture::new();
    let (address, bytes) = fixture.chunk();
    let proof = fixture.paid_proof(address, &bytes);
    let mut tampered = bytes.clone();
    tampered[10] ^= 0xff;
    fixture.assert_refused(address, encode_put(&proof, &tampered), 422, "bytes hash to");
}

/// PUTs `body` as a replica to the node closest to `address`.
fn put_replica(
    fixture: &Fixture,
    address: ChunkAddress,
    body: Vec<u8>,
) -> Result<PutOutcome, (u16, String)> {
    let node = ring_order(&address, &fixture.swarm.nodes)[0];
    outcome_or_refusal(runtime().block_on(fixture.client.put_replica(
        node,
        address,
        Bytes::from(body),
    )))
}

#[test]
fn a_replica_is_admitted_with_an_expired_paid_proof_that_a_first_put_is_refused() {
    let fixture = Fixture::new();
    let (address, bytes) = fixture.chunk();
    let proof = fixture.paid_expired_proof(address, &bytes);
    fixture.assert_refused(address, encode_put(&proof, &bytes), 402, "is expired");
    assert_eq!(
        put_replica(&fixture, address, encode_put(&proof, &bytes)),
        Ok(PutOutcome::Stored)
    );
    let node = ring_order(&address, &fixture.swarm.nodes)[0];
    let kept = runtime()
        .block_on(fixture.client.proof(node, address))
        .unwrap()
        .expect("the node keeps the proof it admitted the replica with");
    assert_eq!(ferry::wire::http::decode_proof(&kept).unwrap(), proof);
}

#[test]
fn a_replica_whose_proof_was_never_paid_is_refused() {
    let fixture = Fixture::new();
    let (address, bytes) = fixture.chunk();
    let (leaf, mut proof) = fixture.quoted(address, &bytes);
    // Placed in a wave of its own, with a path to a root nobody paid.
    Fixture::place(&[leaf], &mut proof);
    let (status, message) = put_replica(&fixture, address, encode_put(&proof, &bytes))
        .expect_err("an unpaid replica is refused");
    assert_eq!(status, 402, "{message}");
    assert!(message.contains("is not paid on-chain"), "{message}");
}
