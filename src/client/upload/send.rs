//! The send stage: PUT every chunk of every paid wave to its nodes, a bounded number at a
//! time, and record each in the receipt once the nodes hold it.

use std::sync::Arc;
use std::time::Duration;

use futures::{StreamExt, stream};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_stream::wrappers::ReceiverStream;

use super::chunks::{ChunkFailure, PaidChunk};
use super::{SendTotals, Stages, WaveToSend};
use crate::blocking::blocking;
use crate::client::bodies::{BodyPool, ChunkBody};
use crate::client::chunking::{ChunkError, PlannedChunk};
use crate::client::receipt::Change;
use crate::client::replication::{Placement, ReplicationFailure, Reread, replicate};
use crate::client::reporter::{Event, Phase};
use crate::client::sources::{Sources, read_planned_after};
use crate::wire::http::encode_put_header_into;
use crate::wire::signed::{PaymentProof, StorageReceipt};
use crate::wire::types::ChunkAddress;

/// Stored chunks wait at most this long for others before their records are written
/// together (one `fdatasync` for them all)...
pub const STORED_LINGER: Duration = Duration::from_millis(250);
/// ...or until this many wait.
pub const STORED_BATCH: usize = 32;

/// A chunk the nodes hold, its record applied to the receipt but not yet durable.
struct Held {
    chunk: ChunkAddress,
    size: u32,
    nodes: usize,
}

impl Stages<'_> {
    /// Send stage: PUTs every chunk of every paid wave, a bounded number at a time, and
    /// records each in the receipt once the nodes hold it. Records are written in batches
    /// (every [`STORED_LINGER`] or [`STORED_BATCH`] chunks), so a large upload does not pay a
    /// disk flush per chunk; a chunk is reported stored only once its record is durable.
    pub(super) async fn send_waves(
        &self,
        sources: Arc<Sources>,
        receiver: mpsc::Receiver<WaveToSend>,
        (stored_before_bytes, bytes_total): (u64, u64),
        totals: &mut SendTotals,
    ) {
        let context = self.context;
        let mut bytes_done = stored_before_bytes;
        let in_flight = self.options.chunks_in_flight.max(1);
        let bodies = &self.bodies;
        let jobs = ReceiverStream::new(receiver)
            .flat_map(|wave| stream::iter(wave.chunks))
            .take_while(|_| std::future::ready(!context.cancel.is_cancelled()));
        let mut results = jobs
            .map(|paid| self.send_one(sources.clone(), bodies, paid))
            .buffer_unordered(in_flight);
        let mut waiting: Vec<Held> = Vec::new();
        let mut deadline = Instant::now();
        loop {
            let next = tokio::select! {
                next = results.next() => next,
                () = tokio::time::sleep_until(deadline), if !waiting.is_empty() => {
                    self.record_stored(&mut waiting, &mut bytes_done, bytes_total, totals).await;
                    continue;
                }
            };
            let Some((bytes_sent, result)) = next else {
                break;
            };
            totals.bytes_sent += bytes_sent;
            match result {
                Ok((chunk, size, receipts)) => {
                    if waiting.is_empty() {
                        deadline = Instant::now() + STORED_LINGER;
                    }
                    let nodes = receipts.len();
                    self.session.stage(Change::Stored(vec![(chunk, receipts)]));
                    waiting.push(Held { chunk, size, nodes });
                    if waiting.len() >= STORED_BATCH {
                        self.record_stored(&mut waiting, &mut bytes_done, bytes_total, totals)
                            .await;
                    }
                }
                Err(failure) => totals.failures.push(failure),
            }
        }
        self.record_stored(&mut waiting, &mut bytes_done, bytes_total, totals)
            .await;
    }

    /// Makes the records of the `waiting` chunks durable, then reports them stored; a failed
    /// write stops the upload (local I/O), and those chunks are not reported.
    async fn record_stored(
        &self,
        waiting: &mut Vec<Held>,
        bytes_done: &mut u64,
        bytes_total: u64,
        totals: &mut SendTotals,
    ) {
        if waiting.is_empty() {
            return;
        }
        if let Err(error) = self.session.flush().await {
            totals.receipt_error.get_or_insert(error);
            waiting.clear();
            return;
        }
        let reporter = &self.context.reporter;
        for Held { chunk, size, nodes } in waiting.drain(..) {
            totals.stored_chunks += 1;
            *bytes_done += size as u64;
            reporter.event(&Event::ChunkStored {
                chunk,
                bytes: size,
                nodes,
            });
        }
        reporter.progress(Phase::Store, *bytes_done, bytes_total);
    }

    /// Sends one chunk; returns the PUT body bytes sent for it, and the chunk, its size and
    /// the storage receipts of the nodes that hold it.
    async fn send_one(
        &self,
        sources: Arc<Sources>,
        bodies: &Arc<BodyPool>,
        paid: PaidChunk,
    ) -> (
        u64,
        Result<(ChunkAddress, u32, Vec<StorageReceipt>), ChunkFailure>,
    ) {
        let mut bytes_sent = 0;
        let result = self
            .send_counted(sources, bodies, paid, &mut bytes_sent)
            .await;
        (bytes_sent, result)
    }

    async fn send_counted(
        &self,
        sources: Arc<Sources>,
        bodies: &Arc<BodyPool>,
        PaidChunk { chunk, proof }: PaidChunk,
        bytes_sent: &mut u64,
    ) -> Result<(ChunkAddress, u32, Vec<StorageReceipt>), ChunkFailure> {
        let (context, options) = (self.context, self.options);
        let extended = context
            .swarm
            .for_chunk(&context.client, &chunk.address, options.close_group)
            .await;
        let address = chunk.address;
        let size = chunk.size;
        let again = Again {
            bodies,
            sources,
            chunk,
            proof: Arc::new(proof),
        };
        let first = again
            .read()
            .await
            .map_err(|e| ChunkFailure::new(address, e))?;
        let stored = replicate(
            &context.client,
            extended.as_ref().unwrap_or(&context.swarm),
            address,
            first,
            &again,
            Placement {
                replicas: options.replicas,
                close_group: options.close_group,
            },
            options.retry,
            context.reporter.as_ref(),
        )
        .await;
        let stored = stored.map_err(|failure: ReplicationFailure| {
            *bytes_sent = failure.bytes_sent;
            ChunkFailure::new(address, failure)
        })?;
        *bytes_sent = stored.bytes_sent;
        Ok((address, size, stored.receipts))
    }
}

/// A paid chunk's body, read from its sources into room in the upload's [`BodyPool`]: first
/// to send it, then again for each retry or other node.
struct Again<'a> {
    bodies: &'a Arc<BodyPool>,
    sources: Arc<Sources>,
    chunk: PlannedChunk,
    proof: Arc<PaymentProof>,
}

impl Again<'_> {
    /// Waits for room, then reads the chunk and frames it with its proof.
    async fn read(&self) -> Result<ChunkBody, ChunkError> {
        let room = self.bodies.reserve().await;
        let (sources, chunk, proof) =
            (self.sources.clone(), self.chunk.clone(), self.proof.clone());
        blocking(move || {
            room.fill(|buffer| {
                let header = encode_put_header_into(buffer, &proof, chunk.size as usize);
                read_planned_after(&sources, &chunk, header)
            })
        })
        .await
    }
}

impl Reread for Again<'_> {
    async fn body(&self) -> Result<ChunkBody, String> {
        self.read().await.map_err(|error| error.to_string())
    }
}
