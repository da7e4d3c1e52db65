//! Group commit for SQLite writes: requests hand their write to one thread, which runs every
//! write that has queued up in one transaction, each in a savepoint of its own, and answers
//! them all after the one commit.
//!
//! SQLite has one writer at a time and a durable commit waits for the disk (`synchronous =
//! FULL`), so a transaction per request made the disk's sync time the ceiling of every create.
//! Here a batch of writes shares one sync. A write that fails rolls back to its savepoint and
//! answers its own error; the others commit. A request is answered only after the commit, so a
//! 201 still means the row is durable, and if the commit fails every write of the batch
//! answers the error (none of them was stored). The commit itself does not wait for the disk
//! inside SQLite's writer lock: the answers go out once the WAL sync thread has synced it
//! (`db::WalSync`), so the next batch runs meanwhile. PostgreSQL commits from many connections at
//! once (and groups their syncs itself), so it keeps a transaction per request.

use std::panic::{catch_unwind, AssertUnwindSafe};

use diesel::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::db::{AnyConnection, Backend, DbPool};
use crate::error::{DomainError, DomainResult};

/// Answers a write's caller once the batch's commit is known (`Some`: it failed).
type Deliver = Box<dyn FnOnce(Option<&DomainError>) + Send>;
/// A write, run inside the batch's transaction; returns how to answer its caller.
type Job = Box<dyn FnOnce(&mut AnyConnection) -> Deliver + Send>;

/// Most writes in one transaction: enough to share a sync among every request of a busy
/// server, few enough that the last of a batch does not wait long for the first.
const MAX_BATCH: usize = 64;
/// Writes that may wait in the queue before callers wait to enqueue.
const QUEUE_DEPTH: usize = 4096;

/// Handle for running writes through the group-commit thread (SQLite only).
#[derive(Clone)]
pub struct CombinedWrites {
    tx: mpsc::Sender<Job>,
}

impl std::fmt::Debug for CombinedWrites {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CombinedWrites")
    }
}

impl CombinedWrites {
    /// Starts the writer thread on `pool` when it is SQLite (`None` otherwise, or when the
    /// thread cannot start: callers then write on their own connections). The thread stops
    /// when every handle is dropped.
    pub fn start(pool: &DbPool, backend: Backend) -> Option<CombinedWrites> {
        if backend != Backend::Sqlite {
            return None;
        }
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        let pool = pool.clone();
        let started = std::thread::Builder::new()
            .name("sqlite-writes".into())
            .spawn(move || writer_loop(&pool, rx));
        match started {
            Ok(_) => Some(CombinedWrites { tx }),
            Err(e) => {
                tracing::error!(error = %e, "cannot start the SQLite write thread; writing per request");
                None
            }
        }
    }

    /// Runs `write` in the next batch's transaction (in a savepoint: an `Err` undoes only
    /// its own changes) and answers once the batch is committed. `write` must not open a
    /// write transaction of its own: it already is in one.
    pub async fn run<T, F>(&self, write: F) -> DomainResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> DomainResult<T> + Send + 'static,
    {
        let (answer, wait) = oneshot::channel::<DomainResult<T>>();
        let job: Job = Box::new(move |conn| {
            let result = conn.transaction(write);
            Box::new(move |commit_failed| {
                let _ = answer.send(match (result, commit_failed) {
                    (Ok(_), Some(e)) => Err(e.clone()),
                    (result, _) => result,
                });
            })
        });
        self.tx
            .send(job)
            .await
            .map_err(|_| DomainError::unavailable("the server is shutting down; retry shortly"))?;
        // A closed channel: no connection for its batch, or a write of the batch panicked.
        wait.await.unwrap_or_else(|_| {
            Err(DomainError::unavailable(
                "the write could not be run; retry shortly",
            ))
        })
    }
}

fn writer_loop(pool: &DbPool, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        write_batch(pool, batch);
    }
}

fn write_batch(pool: &DbPool, batch: Vec<Job>) {
    let mut conn = match pool.get() {
        Ok(conn) => conn,
        Err(e) => {
            // Dropping the jobs closes their answer channels (each caller answers 503).
            tracing::warn!(error = %e, "SQLite write thread: no database connection");
            return;
        }
    };
    let mut answers: Vec<Deliver> = Vec::with_capacity(batch.len());
    let outcome = conn.write_transaction_unsynced(|c| -> DomainResult<()> {
        for job in batch {
            match catch_unwind(AssertUnwindSafe(|| job(c))) {
                Ok(deliver) => answers.push(deliver),
                // A panic may leave its savepoint open: give up the whole batch.
                Err(_) => {
                    tracing::error!(
                        "SQLite write thread: a write panicked; its batch is rolled back"
                    );
                    return Err(DomainError::internal());
                }
            }
        }
        Ok(())
    });
    let deliver_all = move |failed: Option<DomainError>| {
        for deliver in answers {
            deliver(failed.as_ref());
        }
    };
    match outcome {
        // Answered from the WAL sync thread once the batch is on disk, while this thread
        // runs the next batch (`db::WalSync`).
        Ok(((), synced)) => synced.then(Box::new(move |ok| {
            deliver_all((!ok).then(|| {
                DomainError::unavailable(
                    "the write could not be confirmed on disk; check before retrying",
                )
            }))
        })),
        Err(e) => deliver_all(Some(e)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::error::Category;
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel::sql_types::BigInt;

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    fn count(conn: &mut AnyConnection) -> i64 {
        diesel::sql_query("SELECT COUNT(*) AS n FROM t")
            .get_result::<Count>(conn)
            .unwrap()
            .n
    }

    /// Writes that run together commit together, and one that fails undoes only its own rows.
    #[actix_rt::test]
    async fn a_failed_write_undoes_only_itself() {
        let path =
            std::env::temp_dir().join(format!("medbill-combined-{}.db", uuid::Uuid::new_v4()));
        let pool = crate::db::build_pool(&path.to_string_lossy(), 4).unwrap();
        pool.get()
            .unwrap()
            .batch_execute("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)")
            .unwrap();
        let writes = CombinedWrites::start(&pool, Backend::Sqlite).unwrap();
        let insert = |x: i64, fail: bool| {
            let writes = writes.clone();
            async move {
                writes
                    .run(move |c| {
                        c.batch_execute(&format!("INSERT INTO t VALUES ({x})"))?;
                        if fail {
                            return Err(DomainError::conflict("refused after writing"));
                        }
                        Ok(x)
                    })
                    .await
            }
        };
        let (a, b, c, d) = tokio::join!(
            insert(1, false),
            insert(2, true),
            insert(3, false),
            insert(1, false)
        );
        assert_eq!(a.unwrap(), 1);
        assert_eq!(b.unwrap_err().category, Category::Conflict);
        assert_eq!(c.unwrap(), 3);
        // The same value again: the unique index refuses it, within the same batch or not.
        assert_eq!(d.unwrap_err().category, Category::Conflict);
        assert_eq!(count(&mut pool.get().unwrap()), 2);
        drop(writes);
        drop(pool);
        crate::db::remove_sqlite_files(&path);
    }

    #[test]
    fn postgres_writes_per_request() {
        let pool = crate::db::build_pool("postgres://x@127.0.0.1:1/none", 1).unwrap();
        assert!(CombinedWrites::start(&pool, Backend::Postgres).is_none());
    }
}
