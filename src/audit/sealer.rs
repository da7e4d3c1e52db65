//! The background sealer: chains newly committed audit rows about once a second.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::chain::seal_pending;
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

/// Starts a thread that seals pending rows every `every`.
pub fn spawn_sealer(pool: DbPool, every: Duration) -> std::io::Result<SealerHandle> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::Builder::new()
        .name("audit-sealer".into())
        .spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(every);
                let sealed = pool
                    .get()
                    .map_err(|e| e.to_string())
                    .and_then(|mut c| seal_pending(&mut c).map_err(|e| e.to_string()));
                if let Err(e) = sealed {
                    tracing::warn!(error = %e, "audit sealer: round failed; will retry");
                }
            }
        })?;
    Ok(SealerHandle { stop })
}
