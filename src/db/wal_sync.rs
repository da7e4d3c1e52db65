//! Group sync for SQLite commits made off the writer lock (issue 17).
//!
//! With `synchronous = FULL` SQLite syncs the write-ahead log inside `COMMIT`, while it holds
//! the database's one writer lock, so every batch's disk sync and the next batch's work run one
//! after another. The group-commit threads (the audit writer, the create batches) instead commit
//! with `synchronous = NORMAL` (the frames reach the WAL file, not yet the disk), release the
//! lock, and hand their callers to this module's thread, which syncs the WAL file once for
//! every commit queued so far and only then lets them answer. The next batch runs while the
//! disk works, and one sync serves several batches.
//!
//! Durability is unchanged for every answer: nothing is answered before an `fdatasync` of the
//! WAL that began after its commit (SQLite's FULL does exactly that sync, only earlier).
//! Such a commit is visible to other connections for the length of one sync before it is on
//! disk, so every HTTP answer also waits until the commits it may have seen are synced
//! ([`WalSync::synced_past_now`], called by the request middleware); background workers commit
//! a FULL write (their lease) after reading and before acting, which syncs the same file.
//! docs/audit.md ("When a row is durable") has the argument in full.

use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use tokio::sync::watch;

/// Told whether the commit it waited for is on disk (`false`: the sync failed).
pub type OnSynced = Box<dyn FnOnce(bool) + Send>;

struct Waiting {
    generation: u64,
    then: OnSynced,
}

/// One SQLite database's sync thread and its commit counters; cheap to clone. The thread
/// stops when the last clone is dropped (with its pool).
#[derive(Clone)]
pub struct WalSync {
    /// Commits made off the lock: taken under the writer lock just before `COMMIT`, so their
    /// order is the commit order.
    committed: Arc<AtomicU64>,
    /// The highest generation known to be on disk.
    synced: watch::Receiver<u64>,
    queue: mpsc::Sender<Waiting>,
}

impl std::fmt::Debug for WalSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WalSync")
    }
}

impl WalSync {
    /// Starts the sync thread for the SQLite database at `path`.
    pub fn start(path: &str) -> std::io::Result<WalSync> {
        let (queue, rx) = mpsc::channel();
        let (publish, synced) = watch::channel(0);
        let path = PathBuf::from(path);
        std::thread::Builder::new()
            .name("sqlite-wal-sync".into())
            .spawn(move || sync_loop(&path, &rx, &publish))?;
        Ok(WalSync {
            committed: Arc::new(AtomicU64::new(0)),
            synced,
            queue,
        })
    }

    /// The generation of the commit about to be made; call under the writer lock, just before
    /// `COMMIT`, and pass it to [`WalSync::after_sync`] whatever the commit's outcome.
    pub(crate) fn next_generation(&self) -> u64 {
        self.committed.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Calls `then` once the WAL has been synced after commit `generation` (on this module's
    /// thread; keep it short). When the thread is gone `then` hears `false` at once.
    pub fn after_sync(&self, generation: u64, then: OnSynced) {
        if let Err(mpsc::SendError(w)) = self.queue.send(Waiting { generation, then }) {
            (w.then)(false);
        }
    }

    /// Whether every commit made off the lock so far is on disk.
    pub fn is_synced(&self) -> bool {
        *self.synced.borrow() >= self.committed.load(Ordering::SeqCst)
    }

    /// Blocks until every commit made off the lock before this call is on disk; `false` if
    /// the sync failed. For background threads (never an HTTP worker).
    pub fn wait_synced_past_now(&self) -> bool {
        let target = self.committed.load(Ordering::SeqCst);
        if *self.synced.borrow() >= target {
            return true;
        }
        super::Synced::After(self.clone(), target).wait()
    }

    /// Resolves once every commit made off the lock before this call is on disk: an answer
    /// that may show such a commit waits for it. Free when nothing is waiting for the disk.
    pub async fn synced_past_now(&self) {
        let target = self.committed.load(Ordering::SeqCst);
        if *self.synced.borrow() >= target {
            return;
        }
        let mut synced = self.synced.clone();
        // An error means the thread is gone (the pool is being dropped): nothing to wait for.
        let _ = synced.wait_for(|s| *s >= target).await;
    }
}

fn sync_loop(path: &std::path::Path, rx: &mpsc::Receiver<Waiting>, publish: &watch::Sender<u64>) {
    let mut files: Option<(diesel::SqliteConnection, File)> = None;
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        batch.extend(rx.try_iter());
        let ok = match &files {
            Some((_, wal)) => wal.sync_data().is_ok(),
            None => match open(path) {
                Ok(opened) => {
                    let ok = opened.1.sync_data().is_ok();
                    files = Some(opened);
                    ok
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot open the SQLite WAL to sync it");
                    false
                }
            },
        };
        if !ok {
            tracing::error!("the SQLite WAL could not be synced; its commits are answered 503");
        }
        let highest = batch.iter().map(|w| w.generation).max().unwrap_or(0);
        // Generations are given out in commit order, so every one up to `highest` has been
        // committed before this sync began (a failed commit's generation is passed on too).
        publish.send_if_modified(|s| {
            let moved = highest > *s;
            if moved {
                *s = highest;
            }
            moved
        });
        for w in batch {
            (w.then)(ok);
        }
    }
}

/// Opens a connection that keeps the WAL file in place (SQLite deletes it when the last
/// connection closes; a connection in WAL mode holds its shared lock until it closes) and
/// the WAL file itself, to sync it. Called after the first commit, so the file exists.
fn open(path: &std::path::Path) -> Result<(diesel::SqliteConnection, File), String> {
    let db = path.to_string_lossy();
    let mut keep = diesel::SqliteConnection::establish(&db).map_err(|e| e.to_string())?;
    keep.batch_execute("PRAGMA busy_timeout = 10000; SELECT count(*) FROM sqlite_master;")
        .map_err(|e| e.to_string())?;
    let wal = File::open(format!("{db}-wal")).map_err(|e| e.to_string())?;
    Ok((keep, wal))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Answers wait for the sync of every commit before them, and a waiter hears the outcome.
    #[actix_rt::test]
    async fn answers_wait_for_the_sync_of_earlier_commits() {
        let path =
            std::env::temp_dir().join(format!("medbill-walsync-{}.db", uuid::Uuid::new_v4()));
        let db = path.to_string_lossy().to_string();
        let mut conn = diesel::SqliteConnection::establish(&db).unwrap();
        conn.batch_execute("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER)")
            .unwrap();
        let sync = WalSync::start(&db).unwrap();
        // Nothing committed off the lock: free.
        sync.synced_past_now().await;
        let generation = sync.next_generation();
        conn.batch_execute("INSERT INTO t VALUES (1)").unwrap();
        assert!(*sync.synced.borrow() < generation);
        let (tx, rx) = tokio::sync::oneshot::channel();
        sync.after_sync(generation, Box::new(move |ok| tx.send(ok).unwrap()));
        sync.synced_past_now().await;
        assert!(*sync.synced.borrow() >= generation);
        assert!(rx.await.unwrap(), "the sync succeeded");
        drop(sync);
        drop(conn);
        crate::db::remove_sqlite_files(&path);
    }
}
