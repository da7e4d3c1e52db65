//! Group commit for read-audit rows: requests hand their rows to one writer thread, which
//! stores everything that has queued up in one transaction and then releases every waiting
//! request. Each request still waits until its own row is durable.

use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{mpsc, oneshot};

use super::{store, AuditEntry};
use crate::db::{Backend, DbPool};
use crate::error::{ApiError, ApiResult};

/// Most entries written in one transaction.
const MAX_BATCH_ENTRIES: usize = 5000;
/// Requests that may wait in the queue before callers back off.
const QUEUE_DEPTH: usize = 10_000;
/// Writer threads on PostgreSQL: while one commits a batch, the next collects the following
/// one, so commit latency (an fsync) overlaps instead of adding up. SQLite has one writer at a
/// time anyway, so there one thread makes the largest batches.
const PG_WRITERS: usize = 4;

struct Pending {
    entries: Vec<AuditEntry>,
    done: oneshot::Sender<bool>,
}

/// Handle for recording audit rows outside a write transaction.
#[derive(Clone)]
pub struct AuditSink {
    tx: mpsc::Sender<Pending>,
}

impl AuditSink {
    /// Starts the writer threads on `pool`; they stop when every handle is dropped.
    pub fn start(pool: DbPool) -> std::io::Result<AuditSink> {
        let writers = match pool.get().map(|c| c.backend()) {
            Ok(Backend::Postgres) => PG_WRITERS,
            _ => 1,
        };
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..writers {
            let (pool, rx) = (pool.clone(), rx.clone());
            std::thread::Builder::new()
                .name(format!("audit-writer-{i}"))
                .spawn(move || writer_loop(pool, rx))?;
        }
        Ok(AuditSink { tx })
    }

    /// Stores `entries` durably, batched with other requests' entries.
    pub async fn record(&self, entries: Vec<AuditEntry>) -> ApiResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Pending { entries, done })
            .await
            .map_err(|_| ApiError::unavailable("the audit log is not accepting records"))?;
        match wait.await {
            Ok(true) => Ok(()),
            _ => Err(ApiError::unavailable(
                "the audit record could not be written, so the data is withheld; retry shortly",
            )),
        }
    }
}

/// Takes the next batch: waits for one request, then everything already queued behind it.
fn next_batch(rx: &Mutex<mpsc::Receiver<Pending>>) -> Option<Vec<Pending>> {
    let mut rx = rx.lock().unwrap_or_else(PoisonError::into_inner);
    let first = rx.blocking_recv()?;
    let mut count = first.entries.len();
    let mut batch = vec![first];
    while count < MAX_BATCH_ENTRIES {
        match rx.try_recv() {
            Ok(p) => {
                count += p.entries.len();
                batch.push(p);
            }
            Err(_) => break,
        }
    }
    Some(batch)
}

fn writer_loop(pool: DbPool, rx: Arc<Mutex<mpsc::Receiver<Pending>>>) {
    while let Some(batch) = next_batch(&rx) {
        let ok = write_batch(&pool, &batch);
        for p in batch {
            let _ = p.done.send(ok);
        }
    }
}

fn write_batch(pool: &DbPool, batch: &[Pending]) -> bool {
    let Ok(mut conn) = pool.get() else {
        tracing::error!("audit writer: no database connection");
        return false;
    };
    let result = conn.write_transaction(|c| {
        for p in batch {
            store::insert(c, &p.entries)?;
        }
        Ok::<_, diesel::result::Error>(())
    });
    if let Err(e) = &result {
        tracing::error!(error = %e, "audit writer: batch failed");
    }
    result.is_ok()
}
