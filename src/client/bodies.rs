//! Chunk bodies in memory, bounded: an upload holds a chunk's bytes only while it reads them,
//! hashes them for its possession challenges and writes them to a node, and at most
//! [`BodyPool::new`]'s count of bodies at once, however many chunks are in flight. A chunk
//! waiting for its nodes to forward it, answer or prove it holds no body: a retry or a send
//! to another node reads the chunk again from its sources.
//!
//! Invariants:
//! - a body's room in the pool is taken before its bytes are read and given back when the
//!   last reference to them is dropped (the bytes own it), so the bound is on memory, not on
//!   requests;
//! - a body that stops being written for [`STALL`] (a node that accepts a PUT and then reads
//!   nothing), or that has been written for [`SLOW_AFTER`] at less than [`SLOW_SHARE`] of the
//!   rate this upload's bodies usually go at (a node behind a slow link), gives its room back
//!   early, so such a node delays only its own chunk and not every send behind it: memory may
//!   then exceed the bound by those bodies, never by more than the chunks in flight;
//! - buffers of a chunk's size are recycled process-wide ([`buffer`], [`recycle`]): a body's
//!   buffer goes back when it is freed, and planning a folder's packs reads each pack into one
//!   too, so a process allocates about as many as it ever holds at once. (Freed and allocated
//!   again on whichever thread needs the next one, glibc's malloc kept freed 4 MiB buffers in
//!   per-thread arenas once its mmap threshold had risen to their size: a folder of 400,000
//!   small files peaked at twice its live heap, and 40,000 files' peak varied by one buffer
//!   from run to run.)

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Instant;

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bodies an upload holds at once by default: one, being read or written, is enough to keep
/// an uplink busy (the kernel's socket buffers carry the link while the next is read), and a
/// slow or stalled node gives its room back.
pub const BODIES_IN_MEMORY: usize = 1;
/// A transmission that takes no bytes for this long gives its room in the pool back.
pub const STALL: Duration = Duration::from_secs(1);
/// A transmission running this long at less than [`SLOW_SHARE`] of the usual rate gives its
/// room in the pool back.
pub const SLOW_AFTER: Duration = Duration::from_millis(750);
/// The share of the usual rate (1 in this many) below which a transmission is slow: low, as
/// a node's share of a link the upload shares between several is no fault of the node.
pub const SLOW_SHARE: u64 = 8;
/// How often a transmission is looked at.
const TICK: Duration = Duration::from_millis(250);
/// The most of a body handed to the HTTP connection at a time.
const PIECE: usize = 256 * 1024;

/// The most spare buffers kept.
const SPARE_KEEP: usize = 4;
/// Buffers smaller than this are not worth keeping.
const SPARE_MIN: usize = 1024 * 1024;

/// Spare buffers of a chunk's size, for whoever needs one next.
struct Spares(Mutex<Vec<Vec<u8>>>);

impl Spares {
    const fn new() -> Self {
        Self(Mutex::new(Vec::new()))
    }

    fn take(&self) -> Vec<u8> {
        let mut spare = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        spare.pop().unwrap_or_default()
    }

    fn recycle(&self, mut buffer: Vec<u8>) {
        if buffer.capacity() < SPARE_MIN {
            return;
        }
        buffer.clear();
        let mut spare = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if spare.len() < SPARE_KEEP {
            spare.push(buffer);
        }
    }
}

/// The process's spare buffers.
static SPARES: Spares = Spares::new();

/// An empty buffer, with the capacity of a spare one when there is one.
pub fn buffer() -> Vec<u8> {
    SPARES.take()
}

/// Keeps `buffer`'s allocation for the next [`buffer`] when it is big enough (1 MiB) and not
/// too many are kept already (4); frees it otherwise.
pub fn recycle(buffer: Vec<u8>) {
    SPARES.recycle(buffer);
}

/// Room for a bounded number of chunk bodies.
#[derive(Debug)]
pub struct BodyPool {
    rooms: Arc<Semaphore>,
    /// The rate this upload's bodies were written at, in bytes a second (a moving average of
    /// whole transmissions; 0 until one is known).
    usual_rate: AtomicU64,
}

impl BodyPool {
    /// A pool holding at most `bodies` bodies at once (at least one).
    pub fn new(bodies: usize) -> Arc<Self> {
        let bodies = bodies.max(1);
        Arc::new(Self {
            rooms: Arc::new(Semaphore::new(bodies)),
            usual_rate: AtomicU64::new(0),
        })
    }

    /// Waits for room for one more body.
    pub async fn reserve(self: &Arc<Self>) -> Reserved {
        let room = self
            .rooms
            .clone()
            .acquire_owned()
            .await
            .expect("the pool's semaphore is never closed");
        Reserved {
            pool: self.clone(),
            room,
        }
    }

    /// Counts a whole transmission of `bytes` that took `took` in the usual rate; one too
    /// short to time says nothing.
    fn written(&self, bytes: usize, took: Duration) {
        if took < Duration::from_millis(10) {
            return;
        }
        let rate = (bytes as f64 / took.as_secs_f64()) as u64;
        let usual = self.usual_rate.load(Ordering::Relaxed);
        let next = if usual == 0 {
            rate
        } else {
            (usual * 3 + rate) / 4
        };
        self.usual_rate.store(next, Ordering::Relaxed);
    }

    /// Whether `taken` bytes in `elapsed` is too slow to keep a room.
    fn is_slow(&self, taken: u64, elapsed: Duration) -> bool {
        let usual = self.usual_rate.load(Ordering::Relaxed);
        elapsed >= SLOW_AFTER
            && usual > 0
            && (taken as f64) * (SLOW_SHARE as f64) < usual as f64 * elapsed.as_secs_f64()
    }
}

/// Room for one body in a [`BodyPool`], not yet filled.
#[derive(Debug)]
pub struct Reserved {
    pool: Arc<BodyPool>,
    room: OwnedSemaphorePermit,
}

impl Reserved {
    /// Fills the room with what `read` makes of a spare buffer (empty, with capacity to
    /// reuse); the room is given back at once when `read` fails.
    pub fn fill<E>(self, read: impl FnOnce(Vec<u8>) -> Result<Vec<u8>, E>) -> Result<ChunkBody, E> {
        let bytes = read(buffer())?;
        let hold = Arc::new(Hold(Mutex::new(Some(self.room))));
        let pool = self.pool.clone();
        let owner = Owner {
            bytes,
            hold: hold.clone(),
        };
        Ok(ChunkBody {
            bytes: Bytes::from_owner(owner),
            hold,
            pool,
        })
    }
}

/// The room a body takes, given back once, by whichever comes first: its bytes dropped, or
/// its transmission stalled.
#[derive(Debug)]
struct Hold(Mutex<Option<OwnedSemaphorePermit>>);

impl Hold {
    fn release(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
    }
}

/// The allocation behind a [`ChunkBody`]'s bytes: dropping it gives the room and the buffer
/// back.
struct Owner {
    bytes: Vec<u8>,
    hold: Arc<Hold>,
}

impl AsRef<[u8]> for Owner {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        recycle(std::mem::take(&mut self.bytes));
        self.hold.release();
    }
}

/// A chunk's body (a PUT's framing: its proof, then the chunk), holding its room in a
/// [`BodyPool`] as long as any clone of it or of its bytes is alive.
#[derive(Debug, Clone)]
pub struct ChunkBody {
    bytes: Bytes,
    hold: Arc<Hold>,
    pool: Arc<BodyPool>,
}

impl ChunkBody {
    /// The body's bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Runs `send` with this body as a streaming request body, which lets go of each piece
    /// once the connection has taken it, so the body is freed once written rather than when
    /// the answer comes; while it runs, a transmission that stalls or is slow gives the body's
    /// room back (see the module's invariants).
    pub async fn transmit<T>(self, send: impl AsyncFnOnce(reqwest::Body, u64) -> T) -> T {
        let len = self.bytes.len() as u64;
        let started = Instant::now();
        let taken = Arc::new(AtomicU64::new(0));
        let transmission = Transmission {
            rest: self.bytes,
            taken: taken.clone(),
            started,
            pool: self.pool.clone(),
        };
        let (hold, pool) = (self.hold, self.pool);
        let sending = send(reqwest::Body::wrap(transmission), len);
        let watch = async {
            let (mut seen, mut progressed) = (0, started);
            loop {
                tokio::time::sleep(TICK).await;
                let now = taken.load(Ordering::Relaxed);
                if now >= len {
                    return std::future::pending().await;
                }
                if now > seen {
                    (seen, progressed) = (now, Instant::now());
                }
                let stalled = progressed.elapsed() >= STALL;
                if stalled || pool.is_slow(now, started.elapsed()) {
                    tracing::debug!(
                        written = now,
                        of = len,
                        stalled,
                        "a transmission gives its body's room back"
                    );
                    hold.release();
                    return std::future::pending().await;
                }
            }
        };
        tokio::select! {
            sent = sending => sent,
            never = watch => never,
        }
    }
}

/// A body being written: what is left of it, handed out a [`PIECE`] at a time.
struct Transmission {
    rest: Bytes,
    taken: Arc<AtomicU64>,
    started: Instant,
    pool: Arc<BodyPool>,
}

impl http_body::Body for Transmission {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.rest.is_empty() {
            return Poll::Ready(None);
        }
        let piece = if self.rest.len() <= PIECE {
            std::mem::take(&mut self.rest)
        } else {
            self.rest.split_to(PIECE)
        };
        let taken = self.taken.fetch_add(piece.len() as u64, Ordering::Relaxed) as usize;
        if self.rest.is_empty() {
            self.pool
                .written(taken + piece.len(), self.started.elapsed());
        }
        Poll::Ready(Some(Ok(Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.rest.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body::Body as _;
    use http_body_util::BodyExt;

    fn body(pool: &Arc<BodyPool>, room: Reserved, len: usize) -> ChunkBody {
        let _ = pool;
        room.fill(|mut buffer| {
            buffer.resize(len, 7);
            Ok::<_, Infallible>(buffer)
        })
        .unwrap()
    }

    #[tokio::test]
    async fn a_room_comes_back_when_the_last_reference_to_the_bytes_is_dropped() {
        let pool = BodyPool::new(1);
        let first = body(&pool, pool.reserve().await, 1000);
        let slice = first.bytes().slice(10..20);
        drop(first);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), pool.reserve())
                .await
                .is_err(),
            "a slice of the body still holds its room"
        );
        drop(slice);
        let again = tokio::time::timeout(Duration::from_millis(50), pool.reserve())
            .await
            .expect("the room came back with the last slice");
        let second = body(&pool, again, 10);
        assert_eq!(second.len(), 10);
    }

    #[test]
    fn big_buffers_are_kept_for_reuse_up_to_a_bound_and_small_ones_are_not() {
        let spares = Spares::new();
        spares.recycle(Vec::with_capacity(SPARE_MIN - 1));
        assert_eq!(spares.take().capacity(), 0, "a small buffer is not kept");
        for _ in 0..SPARE_KEEP + 2 {
            let mut big = Vec::with_capacity(SPARE_MIN);
            big.push(1);
            spares.recycle(big);
        }
        let kept: Vec<Vec<u8>> = (0..SPARE_KEEP + 2).map(|_| spares.take()).collect();
        let reused = kept.iter().filter(|b| b.capacity() >= SPARE_MIN).count();
        assert_eq!(reused, SPARE_KEEP, "at most SPARE_KEEP kept");
        assert!(kept.iter().all(Vec::is_empty), "handed out empty");
    }

    #[tokio::test]
    async fn a_failed_read_gives_its_room_back_at_once() {
        let pool = BodyPool::new(1);
        let failed = pool.reserve().await.fill(|_| Err("no such file"));
        assert_eq!(failed.unwrap_err(), "no such file");
        tokio::time::timeout(Duration::from_millis(50), pool.reserve())
            .await
            .expect("the room is free again");
    }

    #[tokio::test]
    async fn a_transmission_streams_the_whole_body_with_its_length_and_frees_it_once_written() {
        let pool = BodyPool::new(1);
        let len = 3 * PIECE + 5;
        let chunk = body(&pool, pool.reserve().await, len);
        let expected = chunk.bytes().clone();
        let received = chunk
            .transmit(async |body: reqwest::Body, declared| {
                assert_eq!(declared, len as u64);
                assert_eq!(body.size_hint().exact(), Some(len as u64));
                body.collect().await.unwrap().to_bytes()
            })
            .await;
        assert_eq!(received, expected);
        drop((expected, received));
        tokio::time::timeout(Duration::from_millis(50), pool.reserve())
            .await
            .expect("the body's room is free once it was written");
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_transmission_gives_its_room_back_and_one_at_the_usual_rate_keeps_it() {
        let pool = BodyPool::new(1);
        pool.written(4 * PIECE, Duration::from_secs(1));
        let reader = |pause: Duration| {
            let pool = pool.clone();
            async move |mut body: reqwest::Body, _| {
                // Takes a piece every `pause`, and meanwhile looks whether another body gets
                // room.
                let mut got_room = false;
                while let Some(frame) = body.frame().await {
                    frame.unwrap();
                    if body.is_end_stream() {
                        // Written whole: its room is free anyway.
                        break;
                    }
                    let room = tokio::time::timeout(pause, pool.reserve()).await;
                    got_room |= room.is_ok();
                }
                got_room
            }
        };
        let usual = body(&pool, pool.reserve().await, 8 * PIECE);
        assert!(
            !usual.transmit(reader(Duration::from_millis(250))).await,
            "a body written at the usual rate keeps its room to the end"
        );
        let slow = body(&pool, pool.reserve().await, 8 * PIECE);
        assert!(
            slow.transmit(reader(Duration::from_millis(2 * SLOW_SHARE * 250)))
                .await,
            "a body written at a sixteenth of the usual rate gives its room back"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_transmission_gives_its_room_back_and_keeps_its_body() {
        let pool = BodyPool::new(1);
        let chunk = body(&pool, pool.reserve().await, 2 * PIECE);
        let pool_in = pool.clone();
        let reserved_while_stalled = chunk
            .transmit(async move |mut body: reqwest::Body, _| {
                // Takes one piece, then reads nothing more, as a frozen node does.
                let first = body.frame().await.unwrap().unwrap();
                assert_eq!(first.data_ref().unwrap().len(), PIECE);
                let room = tokio::time::timeout(3 * STALL, pool_in.reserve()).await;
                (room.is_ok(), body)
            })
            .await;
        assert!(
            reserved_while_stalled.0,
            "another body got room while this one stalled"
        );
    }
}
