//! The quote and pay stages: chunks paid by an earlier run first, then wave by wave: quote,
//! check the cost, journal (with the payer's nonce), pay in one transaction sent with that
//! nonce, record the proofs, and hand the wave to the send stage.

use futures::{StreamExt, stream};
use tokio::sync::mpsc;

use super::outcome::PayStop;
use super::resume::Work;
use super::{MAX_WAVE_SIZE, PaidChunks, PayTotals, Stages, UploadContext, UploadOptions, cost};
use crate::client::chunking::PlannedChunk;
use crate::client::quoting::{QuoteFailure, QuoteOutcome, quote_chunk};
use crate::client::receipt::WaveRecord;
use crate::client::reporter::{Event, Phase};
use crate::vault::WavePayment;
use crate::wire::signed::{PaymentProof, StorageReceipt};
use crate::wire::types::Amount;

/// Payments to make, and the chunks to store (those paid first, in the same order).
type PayAndStore = (Vec<WavePayment>, Vec<(PlannedChunk, PaymentProof)>);

impl Stages<'_> {
    /// Quote and pay stages: first the chunks an earlier run paid for, then wave by wave;
    /// each paid wave goes to the send stage once its proofs are on disk.
    pub(super) async fn quote_and_pay(
        &self,
        work: Work,
        sender: mpsc::Sender<PaidChunks>,
        totals: &mut PayTotals,
    ) -> Result<(), PayStop> {
        let (context, options) = (self.context, self.options);
        let reused = self.skip_held(work.reused, totals).await?;
        if !reused.is_empty() && sender.send(PaidChunks { chunks: reused }).await.is_err() {
            return Ok(());
        }
        let wave_size = options.wave_size.clamp(1, MAX_WAVE_SIZE);
        let total_chunks = work.to_quote.len() as u64;
        let mut wave_number = 0;
        let mut quoted_so_far = 0;
        let mut budget = cost::Budget::new(options.max_cost);
        for group in work.to_quote.chunks(wave_size) {
            if context.cancel.is_cancelled() {
                break;
            }
            quoted_so_far += group.len();
            let quoted = quote_group(context, options, group).await;
            let mut payments = Vec::new();
            let mut to_store = Vec::new();
            let mut held = Vec::new();
            for (chunk, outcome) in quoted {
                match outcome {
                    Ok(QuoteOutcome::AlreadyStored { receipts }) => held.push((chunk, receipts)),
                    Ok(QuoteOutcome::Payable { payment, proof }) => {
                        payments.push(payment);
                        to_store.push((chunk, proof));
                    }
                    Err(failure) => totals.failures.push(failure.to_string()),
                }
            }
            totals.settled += held.len();
            self.record_held(held, totals).await?;
            let (payments, to_store) = self.split_paid_earlier(payments, to_store, totals).await?;
            totals.settled += to_store.len() - payments.len();
            if payments.is_empty() {
                context
                    .reporter
                    .progress(Phase::Pay, totals.settled as u64, total_chunks);
                if !to_store.is_empty()
                    && sender.send(PaidChunks { chunks: to_store }).await.is_err()
                {
                    break;
                }
                continue;
            }
            if context.cancel.is_cancelled() {
                // Ctrl-C while quoting: paying would be new work.
                break;
            }
            self.stamp
                .check(&options.file)
                .map_err(PayStop::FileChanged)?;
            let next = cost::NextWave {
                storage_cost: Amount::sum(payments.iter().map(|p| p.amount)),
                chunks: payments.len(),
                later_chunks: work.to_quote.len() - quoted_so_far,
                wave_size,
            };
            let spent = Amount::sum([totals.storage_cost, totals.gas_cost]);
            budget
                .check(&context.vault, &context.gate, spent, next)
                .await?;
            wave_number += 1;
            let to_store = self
                .pay_and_record(wave_number, &payments, to_store, totals)
                .await?;
            totals.settled += payments.len();
            context
                .reporter
                .progress(Phase::Pay, totals.settled as u64, total_chunks);
            if sender.send(PaidChunks { chunks: to_store }).await.is_err() {
                break;
            }
        }
        Ok(())
    }

    /// Journals a wave, pays it in one transaction and records its proofs; returns the chunks
    /// to store, proofs complete.
    async fn pay_and_record(
        &self,
        wave_number: usize,
        payments: &[WavePayment],
        mut to_store: Vec<(PlannedChunk, PaymentProof)>,
        totals: &mut PayTotals,
    ) -> Result<Vec<(PlannedChunk, PaymentProof)>, PayStop> {
        let context = self.context;
        let vault = &context.vault;
        let from_block = vault.block_number().await.map_err(PayStop::Payment)?;
        let nonce = vault.next_nonce().await.map_err(PayStop::Payment)?;
        self.session
            .record_intent(&to_store[..payments.len()], from_block, nonce)
            .await
            .map_err(PayStop::Receipt)?;
        let sent = vault
            .send_wave(payments, nonce)
            .await
            .map_err(PayStop::Payment)?;
        self.session
            .record_sent(nonce, sent.tx_hash)
            .await
            .map_err(PayStop::Receipt)?;
        let paid = vault.confirm_wave(sent).await.map_err(PayStop::Payment)?;
        let paid_now = payments.len();
        for (_, proof) in &mut to_store[..paid_now] {
            proof.tx_hash = paid.tx_hash;
        }
        let record = WaveRecord {
            paid_at: crate::wire::signed::unix_now(),
            chunks: paid_now as u32,
            storage_cost: paid.storage_cost,
            gas_cost: paid.gas_cost,
        };
        self.session
            .record_wave(paid.tx_hash, record, &to_store[..paid_now])
            .await
            .map_err(PayStop::Receipt)?;
        totals.paid_chunks += paid_now;
        totals.storage_cost = Amount::sum([totals.storage_cost, paid.storage_cost]);
        totals.gas_cost = Amount::sum([totals.gas_cost, paid.gas_cost]);
        context.reporter.event(&Event::WavePaid {
            wave: wave_number,
            chunks: paid_now,
            tx_hash: paid.tx_hash.to_string(),
            storage_cost_wei: paid.storage_cost,
            gas_cost_wei: paid.gas_cost,
        });
        Ok(to_store)
    }

    /// Quotes are deterministic within a second, so a chunk quoted again soon after an earlier
    /// payment (its receipt lost, or `--no-resume`) can carry a quote the vault already
    /// records as paid. Such proofs are valid as they are: they are recorded and stored, not
    /// paid again. Returns what is left to pay and every chunk to store, the payable ones
    /// first (parallel to the payments).
    async fn split_paid_earlier(
        &self,
        payments: Vec<WavePayment>,
        to_store: Vec<(PlannedChunk, PaymentProof)>,
        totals: &mut PayTotals,
    ) -> Result<PayAndStore, PayStop> {
        if payments.is_empty() {
            return Ok((payments, to_store));
        }
        let hashes: Vec<_> = payments.iter().map(|p| p.quote_hash).collect();
        let records = self
            .context
            .vault
            .paid_for_many(&hashes)
            .await
            .map_err(PayStop::Payment)?;
        let mut to_pay = Vec::with_capacity(payments.len());
        let mut payable = Vec::with_capacity(payments.len());
        let mut paid = Vec::new();
        for ((payment, job), (rewards, amount)) in payments.into_iter().zip(to_store).zip(records) {
            if rewards == payment.rewards && amount >= payment.amount {
                paid.push(job);
            } else {
                to_pay.push(payment);
                payable.push(job);
            }
        }
        if !paid.is_empty() {
            totals.paid_earlier += paid.len();
            self.session
                .commit(|receipt| {
                    for (chunk, proof) in &paid {
                        receipt.proofs.insert(chunk.address, proof.clone());
                    }
                })
                .await
                .map_err(PayStop::Receipt)?;
        }
        payable.extend(paid);
        Ok((to_pay, payable))
    }

    /// Chunks an earlier run paid for may have reached the nodes just before it stopped
    /// (stored, but not yet recorded). Asks their close groups first (a few small requests
    /// instead of sending megabytes again) and returns the chunks still to send, proofs kept.
    async fn skip_held(
        &self,
        reused: Vec<(PlannedChunk, PaymentProof)>,
        totals: &mut PayTotals,
    ) -> Result<Vec<(PlannedChunk, PaymentProof)>, PayStop> {
        if reused.is_empty() {
            return Ok(reused);
        }
        let chunks: Vec<PlannedChunk> = reused.iter().map(|(chunk, _)| chunk.clone()).collect();
        let answers = quote_group(self.context, self.options, &chunks).await;
        let mut held = Vec::new();
        let mut to_send = Vec::new();
        for ((chunk, proof), (_, answer)) in reused.into_iter().zip(answers) {
            if let Ok(QuoteOutcome::AlreadyStored { receipts }) = answer {
                held.push((chunk, receipts));
            } else {
                to_send.push((chunk, proof));
            }
        }
        self.record_held(held, totals).await?;
        Ok(to_send)
    }

    /// Reports chunks the network already holds and records them as stored, with the nodes'
    /// storage receipts.
    async fn record_held(
        &self,
        held: Vec<(PlannedChunk, Vec<StorageReceipt>)>,
        totals: &mut PayTotals,
    ) -> Result<(), PayStop> {
        totals.already_stored += held.len();
        if held.is_empty() {
            return Ok(());
        }
        for (chunk, _) in &held {
            self.context.reporter.event(&Event::ChunkAlreadyStored {
                chunk: chunk.address,
                bytes: chunk.size,
            });
        }
        self.session
            .commit(|receipt| {
                let held = held
                    .iter()
                    .map(|(chunk, receipts)| (chunk.address, receipts.clone()));
                receipt.stored.extend(held);
                receipt.normalise();
            })
            .await
            .map_err(PayStop::Receipt)
    }
}

async fn quote_group(
    context: &UploadContext,
    options: &UploadOptions,
    group: &[PlannedChunk],
) -> Vec<(PlannedChunk, Result<QuoteOutcome, QuoteFailure>)> {
    let mut quoted: Vec<_> = stream::iter(group.iter().enumerate())
        .map(|(index, chunk)| async move {
            let payer = context.vault.payer().unwrap_or_default();
            let outcome = quote_chunk(
                &context.client,
                &context.swarm,
                options.close_group,
                payer,
                chunk,
            )
            .await;
            (index, chunk.clone(), outcome)
        })
        .buffer_unordered(options.quotes_in_flight.max(1))
        .collect()
        .await;
    quoted.sort_by_key(|(index, _, _)| *index);
    quoted
        .into_iter()
        .map(|(_, chunk, outcome)| (chunk, outcome))
        .collect()
}
