//! Group commit for read-audit rows: requests hand their rows to one writer thread, which
//! stores everything that has queued up in one transaction and then releases every waiting
//! request. Each request still waits until its own row is durable.
//!
//! A point read can also hand over the read itself ([`AuditSink::read_then_record`]): the
//! writer runs it on its own connection just before the batch's transaction, so the request
//! crosses threads twice (to the writer and back) instead of four times (to the blocking pool
//! and back, then to the writer and back), and checks out no connection of its own.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{mpsc, oneshot};

use super::anchor::Anchor;
use super::{seal_on_write, store, AuditEntry};
use crate::db::{AnyConnection, Backend, DbPool, Synced};
use crate::error::{DomainError, DomainResult};

/// A read run by the audit writer: it answers its caller itself (through a channel it holds)
/// and returns the audit rows of what it read (none when it found nothing or failed).
pub type ReadJob = Box<dyn FnOnce(&mut AnyConnection) -> Vec<AuditEntry> + Send>;

/// Most entries written in one transaction.
const MAX_BATCH_ENTRIES: usize = 5000;
/// Requests that may wait in the queue before callers back off.
const QUEUE_DEPTH: usize = 10_000;
/// Writer threads on PostgreSQL: while one commits a batch, the next collects the following
/// one, so commit latency (an fsync) overlaps instead of adding up. Two, not four: with four,
/// each batch was smaller and four backends shared two cores with the server, and audited reads
/// ran 9–18 % slower (docs/performance.md, "Session 8"). SQLite has one writer at a time
/// anyway, so there one thread makes the largest batches.
pub const PG_WRITERS: usize = 2;

enum Work {
    Entries(Vec<AuditEntry>),
    Read(ReadJob),
}

struct Pending {
    work: Work,
    done: oneshot::Sender<bool>,
}

/// Handle for recording audit rows outside a write transaction.
#[derive(Clone)]
pub struct AuditSink {
    tx: mpsc::Sender<Pending>,
}

impl AuditSink {
    /// Starts the writer threads on `pool`; they stop when every handle is dropped. Rows are
    /// written unsealed (the sealer chains them).
    pub fn start(pool: DbPool) -> std::io::Result<AuditSink> {
        Self::spawn(pool, None, PG_WRITERS)
    }

    /// Like [`AuditSink::start`], but on SQLite the rows are chained with `anchor` as they
    /// are written ([`seal_on_write`]), so the sealer has nothing of them left to do. The
    /// server's sink; `anchor` must be the sealer's.
    pub fn start_sealing(pool: DbPool, anchor: Arc<Anchor>) -> std::io::Result<AuditSink> {
        Self::spawn(pool, Some(anchor), PG_WRITERS)
    }

    /// Like [`AuditSink::start_sealing`], with `pg_writers` writer threads on PostgreSQL
    /// (`MEDBILL_AUDIT_PG_WRITERS`); SQLite always has one.
    pub fn start_sealing_with(
        pool: DbPool,
        anchor: Arc<Anchor>,
        pg_writers: usize,
    ) -> std::io::Result<AuditSink> {
        Self::spawn(pool, Some(anchor), pg_writers.max(1))
    }

    fn spawn(
        pool: DbPool,
        seal: Option<Arc<Anchor>>,
        pg_writers: usize,
    ) -> std::io::Result<AuditSink> {
        let writers = match pool.get().map(|c| c.backend()) {
            Ok(Backend::Postgres) => pg_writers,
            _ => 1,
        };
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..writers {
            let (pool, rx, seal) = (pool.clone(), rx.clone(), seal.clone());
            std::thread::Builder::new()
                .name(format!("audit-writer-{i}"))
                .spawn(move || writer_loop(pool, rx, seal))?;
        }
        Ok(AuditSink { tx })
    }

    /// Stores `entries` durably, batched with other requests' entries.
    pub async fn record(&self, entries: Vec<AuditEntry>) -> DomainResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        self.submit(Work::Entries(entries)).await
    }

    /// Runs `read` on the writer's connection (outside the batch's transaction, before it),
    /// then stores the rows it returns with the batch; resolves once they are durable. A read
    /// that is never run (no connection) is dropped, which its caller sees as a closed channel.
    /// Only for short point reads: the writer runs the reads of a batch one after another.
    pub async fn read_then_record(&self, read: ReadJob) -> DomainResult<()> {
        self.submit(Work::Read(read)).await
    }

    async fn submit(&self, work: Work) -> DomainResult<()> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Pending { work, done })
            .await
            .map_err(|_| DomainError::unavailable("the audit log is not accepting records"))?;
        match wait.await {
            Ok(true) => Ok(()),
            _ => Err(DomainError::unavailable(
                "the audit record could not be written, so the data is withheld; retry shortly",
            )),
        }
    }
}

/// Takes the next batch: waits for one request, then everything already queued behind it.
fn next_batch(rx: &Mutex<mpsc::Receiver<Pending>>) -> Option<Vec<Pending>> {
    let mut rx = rx.lock().unwrap_or_else(PoisonError::into_inner);
    let first = rx.blocking_recv()?;
    let mut count = first.size();
    let mut batch = vec![first];
    while count < MAX_BATCH_ENTRIES {
        match rx.try_recv() {
            Ok(p) => {
                count += p.size();
                batch.push(p);
            }
            Err(_) => break,
        }
    }
    Some(batch)
}

impl Pending {
    /// Rows this request adds to a batch (a read adds about one).
    fn size(&self) -> usize {
        match &self.work {
            Work::Entries(e) => e.len(),
            Work::Read(_) => 1,
        }
    }
}

fn writer_loop(pool: DbPool, rx: Arc<Mutex<mpsc::Receiver<Pending>>>, seal: Option<Arc<Anchor>>) {
    while let Some(batch) = next_batch(&rx) {
        let (done, work): (Vec<_>, Vec<_>) = batch.into_iter().map(|p| (p.done, p.work)).unzip();
        let answer = move |ok: bool| {
            for d in done {
                let _ = d.send(ok);
            }
        };
        // On SQLite the requests are answered from the WAL sync thread once the batch is on
        // disk, while this thread goes on with the next batch (`db::WalSync`).
        match write_batch(&pool, work, seal.as_deref()) {
            Some(synced) => synced.then(Box::new(answer)),
            None => answer(false),
        }
    }
}

/// Writes a batch; `None` when it failed (nothing of it was stored).
fn write_batch(pool: &DbPool, work: Vec<Work>, seal: Option<&Anchor>) -> Option<Synced> {
    let Ok(mut conn) = pool.get() else {
        tracing::error!("audit writer: no database connection");
        return None;
    };
    // One multi-row INSERT for the whole batch (per 500 rows): on PostgreSQL a statement per
    // request was a round trip per request.
    let entries: Vec<AuditEntry> =
        work.into_iter()
            .flat_map(|w| match w {
                Work::Entries(e) => e,
                // A panicking read must not take the writer thread down; its caller sees its
                // answer channel closed.
                Work::Read(read) => catch_unwind(AssertUnwindSafe(|| read(&mut conn)))
                    .unwrap_or_else(|_| {
                        tracing::error!("audit writer: a read panicked");
                        Vec::new()
                    }),
            })
            .collect();
    if entries.is_empty() {
        return Some(Synced::Now);
    }
    // On PostgreSQL a batch that fits one INSERT is atomic and durable on its own: a
    // transaction around it only added the BEGIN and COMMIT round trips.
    let one_statement =
        conn.backend() == Backend::Postgres && entries.len() <= store::PG_ROWS_PER_INSERT;
    let written = if one_statement {
        store::insert(&mut conn, &entries).map(|_| ((), Synced::Now))
    } else {
        conn.write_transaction_unsynced(|c| {
            match seal {
                Some(anchor) => seal_on_write::insert_sealed(c, anchor, &entries),
                None => store::insert(c, &entries),
            }
            .map(|_| ())
        })
    };
    match written {
        Ok((_, synced)) => Some(synced),
        Err(e) => {
            tracing::error!(error = %e, "audit writer: batch failed");
            None
        }
    }
}
