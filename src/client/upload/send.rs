//! The send stage: PUT every chunk of every paid wave to its nodes, a bounded number at a
//! time, and record each in the receipt once the nodes hold it.

use std::sync::Arc;

use bytes::Bytes;
use futures::{StreamExt, stream};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::chunks::{ChunkFailure, PaidChunk};
use super::{PaidWave, SendTotals, Stages};
use crate::client::replication::{Placement, ReplicationFailure, replicate};
use crate::client::reporter::{Event, Phase};
use crate::client::sources::{Sources, read_planned_after};
use crate::wire::http::encode_put_header;
use crate::wire::types::ChunkAddress;

/// Why one chunk did not end recorded as stored.
enum SendFailure {
    /// The chunk could not be re-derived or stored: that chunk fails, the rest go on.
    Chunk(ChunkFailure),
    /// The receipt could not be written: the upload stops (local I/O).
    Receipt(crate::client::receipt::cache::CacheError),
}

impl Stages<'_> {
    /// Send stage: PUTs every chunk of every paid wave, a bounded number at a time, and
    /// records each in the receipt once the nodes hold it.
    pub(super) async fn send_waves(
        &self,
        sources: Arc<Sources>,
        receiver: mpsc::Receiver<PaidWave>,
        (stored_before_bytes, bytes_total): (u64, u64),
        totals: &mut SendTotals,
    ) {
        let context = self.context;
        let mut bytes_done = stored_before_bytes;
        let jobs = ReceiverStream::new(receiver)
            .flat_map(|wave| stream::iter(wave.chunks))
            .take_while(|_| std::future::ready(!context.cancel.is_cancelled()));
        let mut results = jobs
            .map(|paid| self.send_one(sources.clone(), paid))
            .buffer_unordered(self.options.chunks_in_flight.max(1));
        while let Some((bytes_sent, result)) = results.next().await {
            totals.bytes_sent += bytes_sent;
            match result {
                Ok((chunk, size, nodes)) => {
                    totals.stored_chunks += 1;
                    bytes_done += size as u64;
                    context.reporter.event(&Event::ChunkStored {
                        chunk,
                        bytes: size,
                        nodes,
                    });
                    context
                        .reporter
                        .progress(Phase::Store, bytes_done, bytes_total);
                }
                Err(SendFailure::Chunk(failure)) => totals.failures.push(failure),
                Err(SendFailure::Receipt(error)) => {
                    totals.receipt_error.get_or_insert(error);
                }
            }
        }
    }

    /// Sends one chunk and records it stored; returns the PUT body bytes sent for it, and
    /// the chunk, its size and how many nodes hold it.
    async fn send_one(
        &self,
        sources: Arc<Sources>,
        paid: PaidChunk,
    ) -> (u64, Result<(ChunkAddress, u32, usize), SendFailure>) {
        let mut bytes_sent = 0;
        let result = self.send_counted(sources, paid, &mut bytes_sent).await;
        (bytes_sent, result)
    }

    async fn send_counted(
        &self,
        sources: Arc<Sources>,
        PaidChunk { chunk, proof }: PaidChunk,
        bytes_sent: &mut u64,
    ) -> Result<(ChunkAddress, u32, usize), SendFailure> {
        let (context, options) = (self.context, self.options);
        let planned = chunk.clone();
        let body = tokio::task::spawn_blocking(move || {
            let header = encode_put_header(&proof, planned.size as usize);
            read_planned_after(&sources, &planned, header).map(Bytes::from)
        })
        .await
        .expect("re-deriving a chunk does not panic")
        .map_err(|e| SendFailure::Chunk(ChunkFailure::new(chunk.address, e)))?;
        let stored = replicate(
            &context.client,
            &context.swarm,
            chunk.address,
            body,
            Placement {
                replicas: options.replicas,
                close_group: options.close_group,
            },
            options.retry,
            context.reporter.as_ref(),
        )
        .await
        .map_err(|failure: ReplicationFailure| {
            *bytes_sent = failure.bytes_sent;
            SendFailure::Chunk(ChunkFailure::new(chunk.address, failure))
        })?;
        *bytes_sent = stored.bytes_sent;
        let nodes = stored.receipts.len();
        self.session
            .commit(|receipt| {
                receipt.proofs.remove(&chunk.address);
                receipt.stored.insert(chunk.address, stored.receipts);
            })
            .await
            .map_err(SendFailure::Receipt)?;
        Ok((chunk.address, chunk.size, nodes))
    }
}
