//! Resume: the upload's side of the cached receipt. A [`Session`] holds the file's receipt lock
//! for the whole upload, loads what earlier runs left, reconciles journalled payments with the
//! chain, prunes expired proofs, and records every change durably as it happens.
//!
//! Write order (the invariant everything else relies on):
//! 1. before a wave's transaction is sent, its proofs (quotes, leaves and paths: the wave's
//!    root) are journalled as an intent, with the payer's nonce it is sent with (and its hash
//!    once sent);
//! 2. once it is confirmed, its proofs replace the intent, and only then is any chunk of the
//!    wave sent;
//! 3. each chunk is recorded stored, with the nodes' storage receipts, once they answer.
//!
//! Opening a session also removes other files' receipts past their time to live.
//!
//! Every change is a [`Change`] that goes through [`Session::commit`], which applies it in
//! memory and returns once the receipt's log holds it (one appended record, fdatasynced; the
//! log is rewritten whole only now and then, see `receipt::log`). Writes are grouped: while
//! one write runs, later changes wait and go out together in the next, so a stored chunk's
//! record is durable before its `chunk_stored` event and a resume never sends it again.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use alloy::primitives::B256;

use tokio::sync::Mutex as AsyncMutex;
use tokio_util::sync::CancellationToken;

use super::chunks::{PaidChunk, PayableChunk};
use super::{UploadError, UploadOptions};
use crate::blocking::blocking;
use crate::client::chunking::{PlannedChunk, UploadPlan};
use crate::client::receipt::cache::{CacheError, RECEIPT_MODE, ReceiptCache, ReceiptLock};
use crate::client::receipt::log::LogWriter;
use crate::client::receipt::{Change, PaymentIntent, Receipt, WaveRecord};
use crate::client::reporter::{Event, Reporter};
use crate::vault::{NonceState, PaymentError, TxState, Vault};
use crate::wire::signed::{PaymentProof, unix_now};
use crate::wire::types::{Amount, WaveRoot};

/// What a resumed upload still has to do.
pub(super) struct Work {
    /// Chunks paid in an earlier run and not yet stored, with their proofs.
    pub reused: Vec<PaidChunk>,
    /// Chunks to quote (and pay for, unless the network holds them).
    pub to_quote: Vec<PlannedChunk>,
    /// Chunks recorded stored by an earlier run.
    pub stored_before: usize,
    /// Their bytes.
    pub stored_before_bytes: u64,
    /// Proofs dropped because their quotes are too old or too far ahead.
    pub expired: usize,
}

struct State {
    receipt: Receipt,
    /// Changes applied but not yet in the log.
    pending: Vec<Change>,
    version: u64,
}

impl State {
    fn stage(&mut self, change: Change) -> u64 {
        change.apply(&mut self.receipt);
        self.pending.push(change);
        self.version += 1;
        self.version
    }
}

/// What is on disk: the version of the state the log holds, and its writer.
struct Durable {
    version: u64,
    /// `None` only while a write runs (or after one panicked).
    writer: Option<LogWriter>,
}

/// One upload's hold on its file's receipt.
pub(super) struct Session {
    cache: ReceiptCache,
    lock: Arc<ReceiptLock>,
    state: Arc<Mutex<State>>,
    durable: AsyncMutex<Durable>,
}

impl Session {
    /// Takes the file's receipt lock (saying so when another process holds it, and giving up
    /// on Ctrl-C) and loads the receipt, recovering temp files and setting a corrupt one aside.
    pub async fn open(
        options: &UploadOptions,
        network: String,
        reporter: Arc<dyn Reporter>,
        cancel: &CancellationToken,
    ) -> Result<Self, UploadError> {
        let cache = ReceiptCache::new(&options.data_dir);
        let file = options.file.clone();
        let (key, canonical) = blocking(move || {
            let canonical = std::fs::canonicalize(&file).unwrap_or(file.clone());
            ReceiptCache::key_for(&file, &network)
                .map(|key| (key, canonical))
                .map_err(|e| UploadError::BadFile {
                    path: file.clone(),
                    reason: format!("cannot resolve its path: {e}"),
                })
        })
        .await?;
        let lock = wait_for_lock(&cache, &key, options, reporter.as_ref(), cancel).await?;
        let (lock, loaded, writer) = {
            let cache = cache.clone();
            blocking(move || {
                let loaded = cache.load(&lock, unix_now())?;
                let writer = cache.writer(&lock, &loaded)?;
                // Receipts of other files past their time to live go now (ours is locked).
                match cache.gc(unix_now()) {
                    Ok(sweep) if !sweep.removed.is_empty() => {
                        tracing::info!(removed = sweep.removed.len(), "expired receipts removed")
                    }
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "could not clean expired receipts"),
                }
                Ok::<_, UploadError>((lock, loaded, writer))
            })
            .await?
        };
        if let Some(aside) = &loaded.set_aside {
            reporter.event(&Event::ReceiptSetAside {
                path: aside.path.display().to_string(),
                reason: aside.reason.clone(),
            });
        }
        let receipt = loaded
            .receipt
            .unwrap_or_else(|| Receipt::new(canonical.display().to_string(), unix_now()));
        Ok(Self {
            cache,
            lock: Arc::new(lock),
            state: Arc::new(Mutex::new(State {
                receipt,
                pending: Vec::new(),
                version: 0,
            })),
            durable: AsyncMutex::new(Durable {
                version: 0,
                writer: Some(writer),
            }),
        })
    }

    /// Reads the receipt as it is now.
    pub fn read<T>(&self, look: impl FnOnce(&Receipt) -> T) -> T {
        look(
            &self
                .state
                .lock()
                .expect("receipt state is not poisoned")
                .receipt,
        )
    }

    /// Applies `change` and returns once the log holds it.
    pub async fn commit(&self, change: Change) -> Result<(), CacheError> {
        let wanted = self.lock_state().stage(change);
        self.write_up_to(wanted).await
    }

    /// Applies `change` without writing it: a later [`Session::flush`] (or commit) does.
    pub fn stage(&self, change: Change) {
        self.lock_state().stage(change);
    }

    /// Writes every change applied so far.
    pub async fn flush(&self) -> Result<(), CacheError> {
        let wanted = self.lock_state().version;
        self.write_up_to(wanted).await
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("receipt state is not poisoned")
    }

    /// Returns once the log holds version `wanted`. Writes are grouped: while one runs, later
    /// changes wait and go out together in the next, as one record (or, when the log has grown
    /// well past its snapshot, as a new snapshot).
    async fn write_up_to(&self, wanted: u64) -> Result<(), CacheError> {
        let mut durable = self.durable.lock().await;
        if durable.version >= wanted {
            return Ok(());
        }
        let mut writer = durable.writer.take().expect("no receipt write panicked");
        let state = self.state.clone();
        let (written, writer) = blocking(move || {
            let (version, batch) = {
                let mut state = state.lock().expect("receipt state is not poisoned");
                let batch = if writer.wants_compaction() {
                    state.pending.clear();
                    Err(state.receipt.encode())
                } else {
                    Ok(std::mem::take(&mut state.pending))
                };
                (state.version, batch)
            };
            let written = match batch {
                Ok(changes) => writer.append(changes),
                Err(snapshot) => writer.compact(&snapshot, RECEIPT_MODE),
            };
            let path = writer.path().to_owned();
            (
                written.map(|()| version).map_err(|source| CacheError::Io {
                    action: "write",
                    path,
                    source,
                }),
                writer,
            )
        })
        .await;
        durable.writer = Some(writer);
        durable.version = written?;
        Ok(())
    }

    /// The upload completed: the receipt is no longer needed.
    pub async fn remove(&self) -> Result<(), CacheError> {
        let _durable = self.durable.lock().await;
        let (cache, lock) = (self.cache.clone(), self.lock.clone());
        blocking(move || cache.remove(&lock)).await
    }

    /// Settles journalled intents with the chain. First each intent's transaction is made
    /// unable to land behind the client's back: a nonce still held by a pending transaction is
    /// waited for (bounded; then the upload stops, retryable). Then the vault's record of the
    /// intent's wave decides: paid, its proofs are kept; unpaid, they are dropped. Which
    /// transaction paid it is looked up in the logs, best effort (for display only). Returns
    /// the chunks recovered.
    pub async fn reconcile(&self, vault: &Vault) -> Result<usize, UploadError> {
        let intents = self.read(|r| r.intents.clone());
        let mut recovered = 0;
        for intent in intents {
            wait_until_settled(vault, &intent).await.map_err(chain)?;
            let (proofs, waves) = settle_intent(vault, &intent).await.map_err(chain)?;
            recovered += proofs.len();
            self.commit(Change::Settled {
                intent,
                waves,
                proofs,
            })
            .await?;
        }
        Ok(recovered)
    }

    /// Checks what an earlier run recorded against the chain (the client's own look, not a
    /// node's word), proof by proof: a proof the vault does not record as paid is dropped, the
    /// others are kept. A transaction behind an unpaid proof that is still pending is waited
    /// for first. When a recorded wave's transaction is unknown to the chain (reorganised
    /// away, or a reset chain), the stored records are dropped too: chunks the nodes still hold
    /// are found again by quoting, without paying. A query that fails changes nothing.
    /// Returns how many proofs were dropped.
    pub async fn drop_unpaid(&self, vault: &Vault) -> Result<usize, UploadError> {
        let (newest_wave, proofs) = self.read(|r| {
            let newest = r
                .waves
                .iter()
                .max_by_key(|(_, w)| w.paid_at)
                .map(|(tx, _)| *tx);
            let proofs: Vec<PaymentProof> = r.proofs.values().cloned().collect();
            (newest, proofs)
        });
        let unpaid = unpaid_among(vault, proofs).await.map_err(chain)?;
        let mut transactions: BTreeSet<B256> = unpaid
            .iter()
            .map(|p| p.tx_hash)
            .filter(|tx| !tx.is_zero())
            .collect();
        transactions.extend(newest_wave);
        let mut gone = BTreeSet::new();
        for tx_hash in transactions {
            if vault.settled_state(tx_hash).await.map_err(chain)? == TxState::Unknown {
                gone.insert(tx_hash);
            }
        }
        // Transactions waited for may have paid some of them meanwhile.
        let unpaid = unpaid_among(vault, unpaid).await.map_err(chain)?;
        if unpaid.is_empty() && gone.is_empty() {
            return Ok(0);
        }
        let dropped = unpaid.len();
        self.commit(Change::Unpaid {
            proofs: unpaid,
            gone: gone.into_iter().collect(),
        })
        .await?;
        Ok(dropped)
    }

    /// Prunes expired proofs (by the client's clock `now`) and splits the plan into what was
    /// stored, what is paid, and what is left. Without `resume`, earlier stored records are
    /// kept in the receipt but not used (each chunk's close group is asked again); valid paid
    /// proofs are always used, so no run pays a chunk twice.
    pub fn plan_work(&self, plan: &UploadPlan, resume: bool, now: u64) -> Work {
        let mut state = self.lock_state();
        state.stage(Change::Planned {
            file_size: plan.file_size,
            chunks_total: plan.chunks.len() as u64,
        });
        let expired = state.receipt.prune(now).len();
        // Written with the next commit; replaying it prunes the same proofs.
        state.pending.push(Change::Pruned { now });
        let receipt = &state.receipt;
        let mut work = Work {
            reused: Vec::new(),
            to_quote: Vec::new(),
            stored_before: 0,
            stored_before_bytes: 0,
            expired,
        };
        for chunk in &plan.chunks {
            if resume && receipt.stored.contains_key(&chunk.address) {
                work.stored_before += 1;
                work.stored_before_bytes += u64::from(chunk.size);
            } else if let Some(proof) = receipt.proofs.get(&chunk.address) {
                // Even without `resume`: the chain confirmed this payment (`drop_unpaid`) and
                // it is still valid, so paying for the chunk again would pay it twice.
                work.reused.push(PaidChunk {
                    chunk: chunk.clone(),
                    proof: proof.clone(),
                });
            } else {
                work.to_quote.push(chunk.clone());
            }
        }
        work
    }

    /// Journals a wave about to be paid with the payer's nonce `nonce`.
    pub async fn record_intent(
        &self,
        wave: &[PayableChunk],
        from_block: u64,
        nonce: u64,
    ) -> Result<(), CacheError> {
        let intent = PaymentIntent {
            written_at: unix_now(),
            from_block,
            nonce: Some(nonce),
            tx_hash: None,
            proofs: wave.iter().map(|payable| payable.proof.clone()).collect(),
        };
        self.commit(Change::Intent(intent)).await
    }

    /// Journals the hash of the transaction sent with `nonce`.
    pub async fn record_sent(&self, nonce: u64, tx_hash: B256) -> Result<(), CacheError> {
        self.commit(Change::Sent { nonce, tx_hash }).await
    }

    /// Records a confirmed wave: its proofs replace its intent.
    pub async fn record_wave(
        &self,
        tx_hash: B256,
        wave: WaveRecord,
        paid: &[PaidChunk],
    ) -> Result<(), CacheError> {
        self.commit(Change::Wave {
            tx_hash,
            wave,
            proofs: paid
                .iter()
                .map(|PaidChunk { chunk, proof }| (chunk.address, proof.clone()))
                .collect(),
        })
        .await
    }
}

/// A chain query failed before anything of this run was done.
fn chain(source: PaymentError) -> UploadError {
    UploadError::Payment {
        source,
        summary: Box::default(),
    }
}

/// The wave a proof says paid it: (payer, root, leaf count).
fn wave_of(proof: &PaymentProof) -> (alloy::primitives::Address, WaveRoot, u32) {
    let payer = proof.paid_quote().map(|q| q.body.payer).unwrap_or_default();
    (payer, proof.wave.root, proof.wave.leaves)
}

/// True when a proof's leaf pays its paid quote as required, on a path to its wave's root
/// (the node's own check, without the chain).
fn is_sound(proof: &PaymentProof) -> bool {
    proof
        .paid_quote()
        .is_some_and(|paid| proof.check_leaf(paid).is_ok())
}

/// Takes a receipt's lock, polling while another process holds it (said once), until it is
/// free or Ctrl-C ends the wait.
async fn wait_for_lock(
    cache: &ReceiptCache,
    key: &str,
    options: &UploadOptions,
    reporter: &dyn Reporter,
    cancel: &CancellationToken,
) -> Result<ReceiptLock, UploadError> {
    let mut told = false;
    loop {
        let (cache, key) = (cache.clone(), key.to_owned());
        if let Some(lock) = blocking(move || cache.try_lock(&key)).await? {
            return Ok(lock);
        }
        if !told {
            told = true;
            reporter.event(&Event::WaitingForLock {
                file: options.file.display().to_string(),
            });
        }
        tokio::select! {
            () = cancel.cancelled() => {
                return Err(UploadError::Interrupted { summary: Box::default() });
            }
            () = tokio::time::sleep(std::time::Duration::from_millis(200)) => {}
        }
    }
}

/// The proofs among `proofs` that the vault does not record as paid: a proof that is not
/// sound, or whose wave the vault does not record (by its payer, with its leaf count). Each
/// payer's waves are asked in batches, one call per batch.
async fn unpaid_among(
    vault: &Vault,
    proofs: Vec<PaymentProof>,
) -> Result<Vec<PaymentProof>, PaymentError> {
    let mut roots: BTreeMap<alloy::primitives::Address, BTreeSet<WaveRoot>> = BTreeMap::new();
    for proof in proofs.iter().filter(|proof| is_sound(proof)) {
        let (payer, root, _) = wave_of(proof);
        roots.entry(payer).or_default().insert(root);
    }
    let mut paid = BTreeSet::new();
    for (payer, roots) in roots {
        let roots: Vec<WaveRoot> = roots.into_iter().collect();
        for batch in roots.chunks(256) {
            let statuses = vault.wave_statuses(payer, batch).await?;
            paid.extend(
                batch
                    .iter()
                    .zip(statuses)
                    .filter(|(_, status)| !status.is_unpaid())
                    .map(|(root, status)| (payer, *root, status.leaves)),
            );
        }
    }
    Ok(proofs
        .into_iter()
        .filter(|proof| !(is_sound(proof) && paid.contains(&wave_of(proof))))
        .collect())
}

/// Waits until an intent's transaction can no longer be mined unseen, so that the vault's
/// records are final for its quotes:
/// - its nonce used by a mined transaction: settled;
/// - held by a pending transaction (or its journalled hash still pending): waited for,
///   bounded, then [`PaymentError::StillPending`];
/// - free, and the payer's next nonce: settled, because the next payment is sent with that
///   very nonce, so at most one of the two transactions can ever be mined;
/// - free behind a gap (an earlier nonce unused too): it might still be mined later, so
///   [`PaymentError::StillPending`].
///
/// An intent from a schema 1 receipt has no nonce: every pending transaction of the payer is
/// waited for, as before.
async fn wait_until_settled(vault: &Vault, intent: &PaymentIntent) -> Result<(), PaymentError> {
    let Some(nonce) = intent.nonce else {
        return vault.wait_for_pending().await;
    };
    let pending_hash = match intent.tx_hash {
        Some(tx_hash) => vault.tx_state(tx_hash).await? == TxState::Pending,
        None => false,
    };
    match vault.nonce_state(nonce).await? {
        NonceState::Used => Ok(()),
        NonceState::Free { next } if next == nonce && !pending_hash => Ok(()),
        NonceState::Pending | NonceState::Free { .. } => vault.wait_for_nonce(nonce).await,
    }
}

/// Asks the chain whether an intent's wave was paid (the vault's record of the payer's root)
/// and, best effort, in which transaction (the logs, then the journalled hash).
async fn settle_intent(
    vault: &Vault,
    intent: &PaymentIntent,
) -> Result<(Vec<PaymentProof>, Vec<(B256, WaveRecord)>), PaymentError> {
    let Some(first) = intent.proofs.first() else {
        return Ok((Vec::new(), Vec::new()));
    };
    let (payer, root, _) = wave_of(first);
    let status = vault.wave_status(payer, root).await?;
    if status.is_unpaid() {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut proofs: Vec<PaymentProof> = intent
        .proofs
        .iter()
        .filter(|proof| is_sound(proof) && wave_of(proof) == (payer, root, status.leaves))
        .cloned()
        .collect();
    let found = match vault.find_wave(payer, root, intent.from_block).await {
        Ok(found) => found,
        Err(error) => {
            tracing::warn!(%error, "the payment's transaction could not be looked up; its gas is not counted");
            None
        }
    };
    let Some(tx_hash) = found.or(intent.tx_hash) else {
        return Ok((proofs, Vec::new()));
    };
    let mut wave = WaveRecord {
        paid_at: intent.written_at,
        chunks: proofs.len() as u32,
        storage_cost: Amount::sum(proofs.iter().map(|proof| proof.wave.leaf.amount)),
        gas_cost: Amount::ZERO,
    };
    for proof in &mut proofs {
        proof.tx_hash = tx_hash;
    }
    match vault.gas_cost_of(tx_hash).await {
        Ok(gas_cost) => wave.gas_cost = gas_cost,
        Err(error) => tracing::warn!(%error, %tx_hash, "the gas of a payment could not be read"),
    }
    Ok((proofs, vec![(tx_hash, wave)]))
}
