//! The background sealer: chains newly committed audit rows about once a second.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::anchor::Anchor;
use super::chain::{checkpoint, seal_pending_with};
use crate::db::DbPool;

/// Stops the sealer thread when dropped.
pub struct SealerHandle {
    stop: Arc<AtomicBool>,
}

impl Drop for SealerHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// How often the sealer writes a checkpoint of the head (when rows were sealed since).
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(60);

/// Starts a thread that seals pending rows every `every` (unkeyed, no checkpoints).
pub fn spawn_sealer(pool: DbPool, every: Duration) -> std::io::Result<SealerHandle> {
    spawn_anchored_sealer(pool, every, Arc::new(Anchor::none()))
}

/// Starts a thread that seals pending rows every `every` with `anchor`'s key, and writes a
/// signed checkpoint every [`CHECKPOINT_EVERY`] when the chain grew.
pub fn spawn_anchored_sealer(
    pool: DbPool,
    every: Duration,
    anchor: Arc<Anchor>,
) -> std::io::Result<SealerHandle> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::Builder::new()
        .name("audit-sealer".into())
        .spawn(move || {
            let mut grown = false;
            let mut last_checkpoint = Instant::now();
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(every);
                let round = pool.get().map_err(|e| e.to_string()).and_then(|mut c| {
                    let n = seal_pending_with(&mut c, &anchor).map_err(|e| e.to_string())?;
                    grown |= n > 0;
                    if grown && last_checkpoint.elapsed() >= CHECKPOINT_EVERY {
                        checkpoint(&mut c, &anchor)?;
                        grown = false;
                        last_checkpoint = Instant::now();
                    }
                    Ok(())
                });
                if let Err(e) = round {
                    tracing::warn!(error = %e, "audit sealer: round failed; will retry");
                }
            }
        })?;
    Ok(SealerHandle { stop })
}
