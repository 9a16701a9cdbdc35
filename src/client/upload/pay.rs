//! The quote and pay stages: chunks paid by an earlier run first, then wave by wave: quote,
//! form the wave (its Merkle tree: each proof gets its leaf and path), check the cost, journal
//! (with the payer's nonce), pay in one transaction sent with that nonce, record the proofs,
//! and hand the wave to the send stage.

use std::sync::Arc;

use futures::{StreamExt, stream};
use tokio::sync::mpsc;

use super::chunks::{ChunkFailure, HeldChunk, PaidChunk, PayableChunk};
use super::outcome::PayStop;
use super::resume::Work;
use super::{MAX_WAVE_SIZE, PayTotals, Stages, UploadContext, UploadOptions, WaveToSend, cost};
use crate::client::chunking::PlannedChunk;
use crate::client::quoting::{QuoteContext, QuoteFailure, QuoteOutcome, quote_chunk};
use crate::client::receipt::{Change, WaveRecord};
use crate::client::reporter::{Event, Phase};
use crate::client::sources::Sources;
use crate::vault::PaymentError;
use crate::wire::types::Amount;
use crate::wire::wave::{WaveError, WaveTree};

/// An item quoted, with the answer for its chunk.
struct Quoted<T> {
    item: T,
    outcome: Result<QuoteOutcome, QuoteFailure>,
}

/// Where the pay stage is in the file.
struct Waves {
    /// Waves paid so far.
    paid: usize,
    /// Chunks quoted so far.
    quoted: usize,
    /// Chunks to quote in all.
    total: usize,
    /// Chunks per wave.
    wave_size: usize,
    budget: cost::Budget,
}

impl Stages<'_> {
    /// Quote and pay stages: first the chunks an earlier run paid for, then wave by wave;
    /// each paid wave goes to the send stage once its proofs are on disk.
    pub(super) async fn quote_and_pay(
        &self,
        work: Work,
        sources: &Arc<Sources>,
        sender: mpsc::Sender<WaveToSend>,
        totals: &mut PayTotals,
    ) -> Result<(), PayStop> {
        let reused = self.skip_held(work.reused, sources, totals).await?;
        if !reused.is_empty() && sender.send(WaveToSend { chunks: reused }).await.is_err() {
            return Ok(());
        }
        let wave_size = self.options.wave_size.clamp(1, MAX_WAVE_SIZE);
        let mut waves = Waves {
            paid: 0,
            quoted: 0,
            total: work.to_quote.len(),
            wave_size,
            budget: cost::Budget::new(self.options.max_cost),
        };
        for group in work.to_quote.chunks(wave_size) {
            if self.context.cancel.is_cancelled() {
                break;
            }
            waves.quoted += group.len();
            let Some(paid) = self.settle_wave(group, sources, &mut waves, totals).await? else {
                break;
            };
            if !paid.is_empty() && sender.send(WaveToSend { chunks: paid }).await.is_err() {
                break;
            }
        }
        Ok(())
    }

    /// Quotes one wave, records what the network holds, and pays the rest (unless the vault
    /// records this very wave as paid already). Returns the chunks to send, or `None` when
    /// Ctrl-C came before paying.
    async fn settle_wave(
        &self,
        group: &[PlannedChunk],
        sources: &Arc<Sources>,
        waves: &mut Waves,
        totals: &mut PayTotals,
    ) -> Result<Option<Vec<PaidChunk>>, PayStop> {
        let context = self.context;
        let payable = self.quote_wave(group, sources, totals).await?;
        if payable.is_empty() {
            self.report_paid(totals, waves.total);
            return Ok(Some(Vec::new()));
        }
        let (wave, to_pay) =
            form_wave(payable).map_err(|e| PayStop::Payment(PaymentError::InvalidWave(e)))?;
        if self.paid_earlier(&wave).await? {
            let paid = self.record_paid_earlier(to_pay, totals).await?;
            totals.settled += paid.len();
            self.report_paid(totals, waves.total);
            return Ok(Some(paid));
        }
        if context.cancel.is_cancelled() {
            // Ctrl-C while quoting: paying would be new work.
            return Ok(None);
        }
        self.stamps.check().await.map_err(PayStop::FileChanged)?;
        let next = cost::NextWave {
            storage_cost: wave.total(),
            chunks: to_pay.len(),
            later_chunks: waves.total - waves.quoted,
            wave_size: waves.wave_size,
        };
        let spent = Amount::sum([totals.storage_cost, totals.gas_cost]);
        waves
            .budget
            .check(&context.vault, &context.gate, spent, next)
            .await?;
        waves.paid += 1;
        let paid = self
            .pay_and_record(waves.paid, &wave, to_pay, totals)
            .await?;
        totals.settled += paid.len();
        self.report_paid(totals, waves.total);
        Ok(Some(paid))
    }

    /// Quotes a wave's chunks: records those the network holds and returns those to pay;
    /// a chunk that cannot be quoted is a failure, and the rest go on.
    async fn quote_wave(
        &self,
        group: &[PlannedChunk],
        sources: &Arc<Sources>,
        totals: &mut PayTotals,
    ) -> Result<Vec<PayableChunk>, PayStop> {
        let quoted = quote_each(self, sources, group.to_vec(), |chunk| chunk).await;
        let mut payable = Vec::new();
        let mut held = Vec::new();
        for Quoted {
            item: chunk,
            outcome,
        } in quoted
        {
            match outcome {
                Ok(QuoteOutcome::AlreadyStored { receipts }) => {
                    held.push(HeldChunk { chunk, receipts })
                }
                Ok(QuoteOutcome::Payable { payment, proof }) => payable.push(PayableChunk {
                    chunk,
                    payment,
                    proof: *proof,
                }),
                Err(failure) => totals
                    .failures
                    .push(ChunkFailure::new(failure.chunk, failure)),
            }
        }
        totals.settled += held.len();
        self.record_held(held, totals).await?;
        Ok(payable)
    }

    fn report_paid(&self, totals: &PayTotals, total_chunks: usize) {
        self.context
            .reporter
            .progress(Phase::Pay, totals.settled as u64, total_chunks as u64);
    }

    /// Journals a wave, pays it in one transaction and records its proofs; returns the chunks
    /// to store, proofs complete.
    async fn pay_and_record(
        &self,
        wave_number: usize,
        wave: &WaveTree,
        to_pay: Vec<PayableChunk>,
        totals: &mut PayTotals,
    ) -> Result<Vec<PaidChunk>, PayStop> {
        let vault = &self.context.vault;
        let from_block = vault.block_number().await.map_err(PayStop::Payment)?;
        let nonce = vault.next_nonce().await.map_err(PayStop::Payment)?;
        self.session
            .record_intent(&to_pay, from_block, nonce)
            .await
            .map_err(PayStop::Receipt)?;
        let sent = vault
            .send_wave(wave, nonce)
            .await
            .map_err(PayStop::Payment)?;
        self.session
            .record_sent(nonce, sent.tx_hash)
            .await
            .map_err(PayStop::Receipt)?;
        let confirmed = vault.confirm_wave(sent).await.map_err(PayStop::Payment)?;
        let paid: Vec<PaidChunk> = to_pay
            .into_iter()
            .map(|payable| payable.paid_in(confirmed.tx_hash))
            .collect();
        let record = WaveRecord {
            paid_at: crate::wire::signed::unix_now(),
            chunks: paid.len() as u32,
            storage_cost: confirmed.storage_cost,
            gas_cost: confirmed.gas_cost,
        };
        self.session
            .record_wave(confirmed.tx_hash, record, &paid)
            .await
            .map_err(PayStop::Receipt)?;
        totals.paid_chunks += paid.len();
        totals.storage_cost = Amount::sum([totals.storage_cost, confirmed.storage_cost]);
        totals.gas_cost = Amount::sum([totals.gas_cost, confirmed.gas_cost]);
        totals.transactions += 1;
        self.context.reporter.event(&Event::WavePaid {
            wave: wave_number,
            chunks: paid.len(),
            tx_hash: confirmed.tx_hash.to_string(),
            storage_cost_wei: confirmed.storage_cost,
            gas_cost_wei: confirmed.gas_cost,
        });
        Ok(paid)
    }

    /// Quotes are deterministic within a second, so a wave quoted again soon after an earlier
    /// payment (its receipt lost, or `--no-resume`) can be the very wave the vault already
    /// records as paid by this payer (same leaves, same order, same root). Its proofs are
    /// valid as they are: they are recorded and stored, not paid again (the vault would refuse
    /// to record the same wave twice anyway).
    async fn paid_earlier(&self, wave: &WaveTree) -> Result<bool, PayStop> {
        let vault = &self.context.vault;
        let payer = vault
            .payer()
            .ok_or(PayStop::Payment(PaymentError::NoWallet))?;
        let status = vault
            .wave_status(payer, wave.root())
            .await
            .map_err(PayStop::Payment)?;
        Ok(!status.is_unpaid() && status.leaves as usize == wave.leaves().len())
    }

    /// Records the proofs of a wave the vault already records as paid.
    async fn record_paid_earlier(
        &self,
        chunks: Vec<PayableChunk>,
        totals: &mut PayTotals,
    ) -> Result<Vec<PaidChunk>, PayStop> {
        let paid: Vec<PaidChunk> = chunks.into_iter().map(PayableChunk::paid_earlier).collect();
        totals.paid_earlier += paid.len();
        self.session
            .commit(Change::Proofs(
                paid.iter()
                    .map(|PaidChunk { chunk, proof }| (chunk.address, proof.clone()))
                    .collect(),
            ))
            .await
            .map_err(PayStop::Receipt)?;
        Ok(paid)
    }

    /// Chunks an earlier run paid for may have reached the nodes just before it stopped
    /// (stored, but not yet recorded). Asks their close groups first (a few small requests
    /// instead of sending megabytes again) and returns the chunks still to send, proofs kept.
    async fn skip_held(
        &self,
        reused: Vec<PaidChunk>,
        sources: &Arc<Sources>,
        totals: &mut PayTotals,
    ) -> Result<Vec<PaidChunk>, PayStop> {
        if reused.is_empty() {
            return Ok(reused);
        }
        let answers = quote_each(self, sources, reused, |paid| &paid.chunk).await;
        let mut held = Vec::new();
        let mut to_send = Vec::new();
        for Quoted {
            item: paid,
            outcome,
        } in answers
        {
            if let Ok(QuoteOutcome::AlreadyStored { receipts }) = outcome {
                held.push(HeldChunk {
                    chunk: paid.chunk,
                    receipts,
                });
            } else {
                to_send.push(paid);
            }
        }
        self.record_held(held, totals).await?;
        Ok(to_send)
    }

    /// Reports chunks the network already holds and records them as stored, with the nodes'
    /// storage receipts.
    async fn record_held(
        &self,
        held: Vec<HeldChunk>,
        totals: &mut PayTotals,
    ) -> Result<(), PayStop> {
        totals.already_stored += held.len();
        if held.is_empty() {
            return Ok(());
        }
        for HeldChunk { chunk, .. } in &held {
            self.context.reporter.event(&Event::ChunkAlreadyStored {
                chunk: chunk.address,
                bytes: chunk.size,
            });
        }
        self.session
            .commit(Change::Stored(
                held.into_iter()
                    .map(|held| (held.chunk.address, held.receipts))
                    .collect(),
            ))
            .await
            .map_err(PayStop::Receipt)
    }
}

/// The wave over `payable`'s leaves, in their order, with each chunk placed in it.
fn form_wave(mut payable: Vec<PayableChunk>) -> Result<(WaveTree, Vec<PayableChunk>), WaveError> {
    let wave = WaveTree::new(payable.iter().map(|chunk| chunk.payment).collect())?;
    for (index, chunk) in payable.iter_mut().enumerate() {
        chunk.place(wave.membership(index));
    }
    Ok((wave, payable))
}

/// Quotes the chunk of each item, a bounded number at a time; each answer comes back with
/// its own item, in the items' order.
async fn quote_each<T: Send>(
    stages: &Stages<'_>,
    sources: &Arc<Sources>,
    items: Vec<T>,
    chunk_of: impl Fn(&T) -> &PlannedChunk + Sync,
) -> Vec<Quoted<T>> {
    let (context, options): (&UploadContext, &UploadOptions) = (stages.context, stages.options);
    let quoting = QuoteContext {
        client: &context.client,
        swarm: &context.swarm,
        close_group: options.close_group,
        replicas: options.replicas,
        payer: context.vault.payer().unwrap_or_default(),
        sources,
        bodies: &stages.bodies,
    };
    let (chunk_of, quoting) = (&chunk_of, &quoting);
    let mut quoted: Vec<_> = stream::iter(items.into_iter().enumerate())
        .map(|(index, item)| async move {
            let outcome = quote_chunk(quoting, chunk_of(&item)).await;
            (index, Quoted { item, outcome })
        })
        .buffer_unordered(options.quotes_in_flight.max(1))
        .collect()
        .await;
    quoted.sort_by_key(|(index, _)| *index);
    quoted.into_iter().map(|(_, quoted)| quoted).collect()
}
