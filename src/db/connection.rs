//! The multi-backend connection and its per-connection settings.

use std::sync::{Arc, Mutex, PoisonError};

use diesel::connection::{
    AnsiTransactionManager, Instrumentation, InstrumentationEvent, SimpleConnection,
    TransactionManager,
};
use diesel::pg::PgConnection;
use diesel::r2d2::{CustomizeConnection, Pool, PooledConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionResult};

use super::liveness::LastAnswer;
use super::wal_sync::{OnSynced, WalSync};

/// A connection to either supported database; queries written against it run on both.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    /// PostgreSQL, the production and scale-out backend.
    Postgres(PgConnection),
    /// SQLite, the embedded zero set-up default.
    Sqlite(SqliteConnection),
}

/// The pool every request draws from.
pub type DbPool = Pool<AnyManager>;
/// A connection checked out of [`DbPool`].
pub type PooledConn = PooledConnection<AnyManager>;

/// Opens pooled connections with [`AnyConnection::open`], so the pool's error (and its log)
/// names the real cause ("Connection refused") rather than diesel's derived `establish`'s
/// "Invalid connection url for multiconnection". It holds the pool's SQLite writer lock.
#[derive(Debug, Clone)]
pub struct AnyManager {
    url: String,
    writer: WriterLock,
}

/// One pool's SQLite writer lock (see [`AnyConnection::write_transaction`]) and, with durable
/// commits, its WAL sync thread ([`WalSync`]). Each SQLite connection the pool opens carries it
/// as its diesel instrumentation (a no-op on every event): that is the one per-connection slot
/// diesel offers, and it lets the transaction find its own pool's lock, so pools over
/// different databases (parallel tests) never wait on each other.
#[derive(Debug, Clone, Default)]
struct WriterLock {
    lock: Arc<Mutex<()>>,
    wal_sync: Option<WalSync>,
}

impl Instrumentation for WriterLock {
    fn on_connection_event(&mut self, _event: InstrumentationEvent<'_>) {}
}

impl AnyManager {
    /// A manager for `url`; a PostgreSQL URL gets a `connect_timeout` unless it names one, and
    /// on loopback `sslmode=disable` unless it names a mode (module `pg_url`).
    pub fn new(url: &str) -> Self {
        Self::with_wal_sync(url, None)
    }

    /// [`AnyManager::new`] whose SQLite connections commit off the writer lock through
    /// `wal_sync` in [`AnyConnection::write_transaction_unsynced`].
    pub fn with_wal_sync(url: &str, wal_sync: Option<WalSync>) -> Self {
        let url = match Backend::from_url(url) {
            Backend::Postgres => {
                super::pg_url::with_defaults(url, std::env::var("PGSSLMODE").ok().as_deref())
            }
            Backend::Sqlite => url.to_string(),
        };
        AnyManager {
            url,
            writer: WriterLock {
                lock: Arc::default(),
                wal_sync,
            },
        }
    }
}

impl diesel::r2d2::ManageConnection for AnyManager {
    type Connection = AnyConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, Self::Error> {
        let mut conn =
            AnyConnection::open(&self.url).map_err(diesel::r2d2::Error::ConnectionError)?;
        match &mut conn {
            AnyConnection::Sqlite(inner) => inner.set_instrumentation(self.writer.clone()),
            AnyConnection::Postgres(inner) => inner.set_instrumentation(LastAnswer::default()),
        }
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), Self::Error> {
        // r2d2 calls this on every checkout. An embedded SQLite file cannot drop the
        // connection, so the query would only cost time on every request (issue 17); a
        // PostgreSQL connection can die with its server, and only a query shows it, unless
        // it answered a moment ago (module `liveness`).
        match conn {
            AnyConnection::Sqlite(_) => return Ok(()),
            AnyConnection::Postgres(inner) => {
                if LastAnswer::vouches(inner.instrumentation()) {
                    return Ok(());
                }
            }
        }
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// Which database a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL (`postgres://` or `postgresql://`).
    Postgres,
    /// SQLite (any other value: a file path).
    Sqlite,
}

impl Backend {
    /// Picks the backend from the URL scheme.
    pub fn from_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

impl AnyConnection {
    /// Opens a connection, choosing the backend ourselves so the real error is reported
    /// (the derived `establish` would try each backend and hide it).
    pub fn open(url: &str) -> ConnectionResult<Self> {
        match Backend::from_url(url) {
            Backend::Postgres => PgConnection::establish(url).map(AnyConnection::Postgres),
            Backend::Sqlite => {
                let path = url.strip_prefix("sqlite://").unwrap_or(url);
                SqliteConnection::establish(path).map(AnyConnection::Sqlite)
            }
        }
    }

    /// The backend this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            AnyConnection::Postgres(_) => Backend::Postgres,
            AnyConnection::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Runs `f` in a transaction that takes the write lock up front on SQLite (so two writers
    /// never deadlock upgrading a read lock) and a normal transaction on PostgreSQL.
    pub fn write_transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        self.sqlite_write(false, f).map(|(value, _)| value)
    }

    /// [`AnyConnection::write_transaction`] for the group-commit threads: on an SQLite pool
    /// with durable commits the commit does not wait for the disk inside the writer lock
    /// (module `wal_sync`); the answer says when it is on disk. Elsewhere the commit is
    /// durable when this returns, as in `write_transaction`.
    pub fn write_transaction_unsynced<T, E, F>(&mut self, f: F) -> Result<(T, Synced), E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        self.sqlite_write(true, f)
    }

    /// The pool's WAL sync, when its commits can be made off the lock (SQLite, FULL).
    pub fn wal_sync(&mut self) -> Option<WalSync> {
        match self {
            AnyConnection::Sqlite(inner) => inner
                .instrumentation()
                .downcast_ref::<WriterLock>()
                .and_then(|w| w.wal_sync.clone()),
            AnyConnection::Postgres(_) => None,
        }
    }

    fn sqlite_write<T, E, F>(&mut self, unsynced: bool, f: F) -> Result<(T, Synced), E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        let AnyConnection::Sqlite(inner) = self else {
            return self.transaction(f).map(|value| (value, Synced::Now));
        };
        // SQLite has one writer at a time. Queue the pool's writers on its mutex: waiting on
        // SQLite's busy handler instead means sleeping in growing steps (up to 100 ms), which
        // shows as a long latency tail under load. Connections of other pools or processes
        // (and ones opened outside a pool) still queue on busy_timeout.
        let (lock, wal_sync) = match inner.instrumentation().downcast_ref::<WriterLock>() {
            Some(w) => (Some(Arc::clone(&w.lock)), w.wal_sync.clone()),
            None => (None, None),
        };
        let wal_sync = wal_sync.filter(|_| unsynced);
        let _writer = lock
            .as_ref()
            .map(|m| m.lock().unwrap_or_else(PoisonError::into_inner));
        if wal_sync.is_some() {
            // Only a flag on the connection (no I/O, no lock); restored below.
            inner.batch_execute(SqliteSync::Normal.pragma())?;
        }
        // Begin on the inner connection so diesel's depth tracking stays right and nested
        // `transaction` calls inside `f` become savepoints.
        let outcome = AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")
            .map_err(E::from)
            .and_then(|()| f(self));
        let AnyConnection::Sqlite(inner) = self else {
            return outcome.map(|value| (value, Synced::Now));
        };
        let outcome = match outcome {
            Ok(value) => {
                // Taken under the lock, so generations follow the commit order.
                let synced = match &wal_sync {
                    Some(w) => Synced::After(w.clone(), w.next_generation()),
                    None => Synced::Now,
                };
                match AnsiTransactionManager::commit_transaction(inner) {
                    Ok(()) => Ok((value, synced)),
                    Err(e) => {
                        // Its generation still passes through the sync thread, so answers
                        // waiting for it are not held up.
                        synced.then(Box::new(|_| {}));
                        Err(E::from(e))
                    }
                }
            }
            Err(e) => match AnsiTransactionManager::rollback_transaction(inner) {
                Ok(()) => Err(e),
                Err(rollback) => Err(E::from(rollback)),
            },
        };
        if wal_sync.is_some() {
            // Setting the flag does no I/O and takes no lock: it fails only when memory does.
            if let Err(e) = inner.batch_execute(SqliteSync::Full.pragma()) {
                tracing::error!(error = %e, "cannot restore synchronous = FULL");
            }
        }
        outcome
    }
}

/// When a commit is on disk. Pass it on with [`Synced::then`]: answers of other requests
/// wait until its generation has been through the sync thread.
#[derive(Debug)]
#[must_use]
pub enum Synced {
    /// Already (PostgreSQL, SQLite without the sync thread).
    Now,
    /// Once the pool's WAL sync has synced past this generation.
    After(WalSync, u64),
}

impl Synced {
    /// Calls `then` (with `false` when the sync failed) once the commit is on disk: at once,
    /// or on the sync thread.
    pub fn then(self, then: OnSynced) {
        match self {
            Synced::Now => then(true),
            Synced::After(wal_sync, generation) => wal_sync.after_sync(generation, then),
        }
    }

    /// Blocks this thread until the commit is on disk; `false` if the sync failed. For
    /// background threads (never an HTTP worker).
    pub fn wait(self) -> bool {
        let (tx, rx) = std::sync::mpsc::channel();
        self.then(Box::new(move |ok| {
            let _ = tx.send(ok);
        }));
        rx.recv().unwrap_or(false)
    }
}

/// How long an SQLite commit waits for the disk (`PRAGMA synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSync {
    /// Every commit is on disk before it is acknowledged, also across a power loss or OS crash.
    #[default]
    Full,
    /// Commits survive a process crash, but a power loss or OS crash may roll back the last
    /// transactions acknowledged before it (WAL mode never corrupts the file either way).
    Normal,
}

impl SqliteSync {
    /// The statement that sets this level on a connection (no I/O, no lock: only a flag).
    fn pragma(self) -> &'static str {
        match self {
            SqliteSync::Full => "PRAGMA synchronous = FULL",
            SqliteSync::Normal => "PRAGMA synchronous = NORMAL",
        }
    }

    /// Parses `full` or `normal`.
    pub fn parse(name: &str) -> Option<SqliteSync> {
        match name.to_ascii_lowercase().as_str() {
            "full" => Some(SqliteSync::Full),
            "normal" => Some(SqliteSync::Normal),
            _ => None,
        }
    }
}

/// Applies per-connection settings when the pool opens a connection.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConnectionOptions {
    /// The SQLite `synchronous` level (ignored on PostgreSQL, whose durability is
    /// `synchronous_commit`, checked at start-up).
    pub sqlite_sync: SqliteSync,
}

impl CustomizeConnection<AnyConnection, diesel::r2d2::Error> for ConnectionOptions {
    fn on_acquire(&self, conn: &mut AnyConnection) -> Result<(), diesel::r2d2::Error> {
        let settings = match &*conn {
            // busy_timeout first, so connections opened together wait for each other while
            // switching to WAL; WAL lets readers run beside the writer. FULL syncs the WAL on
            // every commit, so a 201 survives a power cut; NORMAL only survives process crashes.
            // Temporary files in memory: a multi-row insert inside a transaction keeps a
            // statement journal, which otherwise went to a file created and unlinked in
            // /var/tmp for every audit batch (issue 17, docs/performance.md).
            AnyConnection::Sqlite(_) => {
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                 PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;"
            }
            AnyConnection::Postgres(_) => "SET TIME ZONE 'UTC'",
        };
        conn.batch_execute(settings)
            .map_err(diesel::r2d2::Error::QueryError)?;
        if let AnyConnection::Sqlite(_) = conn {
            conn.batch_execute(self.sqlite_sync.pragma())
                .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    fn temp_pool(tag: &str) -> (crate::db::DbPool, std::path::PathBuf) {
        let path = std::env::temp_dir().join(format!(
            "medbill-writer-{tag}-{}.sqlite3",
            uuid::Uuid::new_v4()
        ));
        let pool = crate::db::build_pool(&path.to_string_lossy(), 2).unwrap();
        (pool, path)
    }

    fn remove(path: &std::path::Path) {
        crate::db::remove_sqlite_files(path);
    }

    /// A write transaction held open on one database does not hold up a write on another
    /// (with one process-wide lock, the second waited for the first).
    #[test]
    fn pools_have_their_own_writer_lock() {
        let (a, path_a) = temp_pool("a");
        let (b, path_b) = temp_pool("b");
        let (inside, entered) = mpsc::channel();
        let (release, wait) = mpsc::channel::<()>();
        let holder = std::thread::spawn(move || {
            let mut conn = a.get().unwrap();
            conn.write_transaction(|c| {
                c.batch_execute("CREATE TABLE t (x INTEGER)")?;
                inside.send(()).unwrap();
                wait.recv().unwrap();
                Ok::<_, diesel::result::Error>(())
            })
            .unwrap();
        });
        entered.recv().unwrap();
        let (done, finished) = mpsc::channel();
        let writer = std::thread::spawn(move || {
            let mut conn = b.get().unwrap();
            conn.write_transaction(|c| c.batch_execute("CREATE TABLE t (x INTEGER)"))
                .unwrap();
            done.send(()).unwrap();
        });
        let other_db_wrote = finished.recv_timeout(Duration::from_secs(20)).is_ok();
        release.send(()).unwrap();
        holder.join().unwrap();
        writer.join().unwrap();
        remove(&path_a);
        remove(&path_b);
        assert!(
            other_db_wrote,
            "a write on another database waited for this one"
        );
    }
}
