//! Storage: one connection type over SQLite (embedded default) and PostgreSQL (production),
//! the connection pool, and the embedded migrations.

pub mod chained;
mod combined_writes;
mod connection;
mod first_row;
mod liveness;
mod migrations;
mod pg_url;
pub mod schema;
pub mod schema_claims;
pub mod schema_cob;
pub mod schema_eligibility;
pub mod schema_encounters;
pub mod schema_events;
pub mod schema_frequency;
pub mod schema_ledger;
pub mod schema_operations;
pub mod schema_remittances;
pub mod schema_scrub;
pub mod schema_sftp;
pub mod schema_specimens;
pub mod schema_statements;
pub mod text;
pub mod text_enum;
pub mod types;
pub mod versioned;
mod wal_sync;

pub use combined_writes::CombinedWrites;
pub use connection::{
    AnyConnection, AnyManager, Backend, ConnectionOptions, DbPool, PooledConn, SqliteSync, Synced,
};
pub use first_row::first_row;
pub use liveness::checkout_checked;
pub use migrations::{revert_all_migrations, run_migrations};
pub use wal_sync::WalSync;

use diesel::r2d2::Pool;
use std::time::Duration;

/// How long a request waits for a pooled connection. Short, so that during a database outage
/// requests fail fast with 503 + Retry-After instead of hanging (it was 10 s).
pub const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(2);

/// Builds a pool for `url`: a `postgres://` or `postgresql://` URL selects PostgreSQL, anything
/// else is taken as an SQLite file path. Connections use the default (durable) options.
pub fn build_pool(url: &str, max_size: u32) -> Result<DbPool, String> {
    build_pool_with(url, max_size, ConnectionOptions::default())
}

/// [`build_pool`] with explicit per-connection options (e.g. SQLite `synchronous = NORMAL`).
pub fn build_pool_with(
    url: &str,
    max_size: u32,
    options: ConnectionOptions,
) -> Result<DbPool, String> {
    let backend = Backend::from_url(url);
    let memory = url.contains(":memory:");
    // Durable SQLite commits made by the group-commit threads are synced off the writer lock
    // (module `wal_sync`); an in-memory database has nothing to sync, and a `file:` URI has
    // no plain WAL path beside it (its commits stay synced inside the lock).
    let wal_sync = match (backend, options.sqlite_sync) {
        (Backend::Sqlite, SqliteSync::Full) if !memory && !url.starts_with("file:") => Some(
            WalSync::start(url.strip_prefix("sqlite://").unwrap_or(url))
                .map_err(|e| format!("cannot start the SQLite sync thread: {e}"))?,
        ),
        _ => None,
    };
    let manager = AnyManager::with_wal_sync(url, wal_sync);
    let size = match backend {
        // An in-memory SQLite database exists once per connection, so it cannot be shared.
        Backend::Sqlite if memory => 1,
        _ => max_size.max(1),
    };
    let pool = Pool::builder()
        .max_size(size)
        .connection_timeout(CHECKOUT_TIMEOUT)
        .connection_customizer(Box::new(options))
        // Unchecked: the first checkout reports an unreachable database with its real cause,
        // and a pool made during an outage recovers when the database comes back.
        .build_unchecked(manager);
    Ok(pool)
}

/// Removes a test's SQLite database and its WAL and shared-memory files.
#[cfg(test)]
pub(crate) fn remove_sqlite_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
