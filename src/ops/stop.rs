//! Stopping on SIGTERM or Ctrl-C: `serve` stops accepting and finishes requests in flight, and
//! a submission worker finishes its hand-off and releases the leases it has not used.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// SIGTERM (Unix) and Ctrl-C, caught from the moment this is made (the default action, ending
/// the process at once, no longer applies). Make it inside a Tokio runtime.
pub struct StopSignal {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl StopSignal {
    /// Starts catching the stop signals.
    pub fn register() -> std::io::Result<StopSignal> {
        Ok(StopSignal {
            #[cfg(unix)]
            term: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?,
        })
    }

    /// Resolves on the first stop signal.
    pub async fn wait(self) {
        #[cfg(unix)]
        {
            let mut term = self.term;
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Sets `flag` on the first stop signal, from a small thread of its own (for the synchronous
/// `medbill worker` loop, which has no async runtime).
pub fn set_on_stop_signal(flag: Arc<AtomicBool>) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Registered before returning, so a signal that arrives at once is caught.
    let signal = runtime.block_on(async { StopSignal::register() })?;
    std::thread::Builder::new()
        .name("stop-signal".into())
        .spawn(move || {
            runtime.block_on(signal.wait());
            tracing::info!("stop signal: finishing the current hand-off, then stopping");
            flag.store(true, Ordering::Relaxed);
        })?;
    Ok(())
}
