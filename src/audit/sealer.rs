//! The background sealer: chains newly committed audit rows about twice a second, and anchors
//! the head with signed checkpoints (on a timer, after a number of rows, and on a graceful stop).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::anchor::Anchor;
use super::chain::{checkpoint, head, seal_pending_with};
use crate::db::DbPool;

/// When the sealer writes a checkpoint of the head (only when rows were sealed since the last).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointPolicy {
    /// At most this long between checkpoints while the chain grows.
    pub every: Duration,
    /// Or sooner, once this many rows were sealed since the last checkpoint.
    pub rows: usize,
}

impl Default for CheckpointPolicy {
    fn default() -> Self {
        CheckpointPolicy {
            every: CHECKPOINT_EVERY,
            rows: CHECKPOINT_ROWS,
        }
    }
}

/// Default longest time between checkpoints (`MEDBILL_AUDIT_CHECKPOINT_SECS`).
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(30);
/// Default rows sealed before an early checkpoint (`MEDBILL_AUDIT_CHECKPOINT_ROWS`).
pub const CHECKPOINT_ROWS: usize = 1000;

/// Stops the sealer thread when dropped; [`SealerHandle::finish`] also waits for its last
/// round (seal what is pending, then a final checkpoint).
pub struct SealerHandle {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SealerHandle {
    /// Stops the sealer and waits until it has sealed what was pending and written a final
    /// checkpoint, so a graceful stop leaves no unanchored tail.
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            if t.join().is_err() {
                tracing::error!("audit sealer: the thread panicked");
            }
        }
    }
}

impl Drop for SealerHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts a thread that seals pending rows every `every` (unkeyed, no checkpoints).
pub fn spawn_sealer(pool: DbPool, every: Duration) -> std::io::Result<SealerHandle> {
    spawn_anchored_sealer(
        pool,
        every,
        Arc::new(Anchor::none()),
        CheckpointPolicy::default(),
    )
}

/// Starts a thread that seals pending rows every `every` with `anchor`'s key, and writes a
/// signed checkpoint as `policy` says when the chain grew, and once more when stopped.
pub fn spawn_anchored_sealer(
    pool: DbPool,
    every: Duration,
    anchor: Arc<Anchor>,
    policy: CheckpointPolicy,
) -> std::io::Result<SealerHandle> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    // Growth is measured on the chain's head, not on the rows this thread seals: on SQLite the
    // read-audit writer seals its rows as it writes them (`seal_on_write`). Read before the
    // thread starts, so rows written from the first request on count.
    let mut anchored = pool
        .get()
        .ok()
        .and_then(|mut c| head(&mut c).ok().flatten())
        .map_or(0, |(seq, _)| seq);
    let thread = std::thread::Builder::new()
        .name("audit-sealer".into())
        .spawn(move || {
            let mut last_checkpoint = Instant::now();
            loop {
                let stopping = flag.load(Ordering::Relaxed);
                let round = pool.get().map_err(|e| e.to_string()).and_then(|mut c| {
                    seal_pending_with(&mut c, &anchor).map_err(|e| e.to_string())?;
                    let top = head(&mut c)
                        .map_err(|e| e.to_string())?
                        .map_or(0, |(seq, _)| seq);
                    let grown = usize::try_from(top - anchored).unwrap_or(0);
                    let due = last_checkpoint.elapsed() >= policy.every || grown >= policy.rows;
                    if grown > 0 && (due || stopping) {
                        anchored = checkpoint(&mut c, &anchor)?.unwrap_or(top);
                        last_checkpoint = Instant::now();
                    }
                    Ok(())
                });
                if let Err(e) = round {
                    tracing::warn!(error = %e, "audit sealer: round failed; will retry");
                }
                if stopping {
                    return;
                }
                std::thread::sleep(every);
            }
        })?;
    Ok(SealerHandle {
        stop,
        thread: Some(thread),
    })
}
