//! Storage: one connection type over SQLite (embedded default) and PostgreSQL (production),
//! the connection pool, and the embedded migrations.

mod connection;
mod migrations;
pub mod schema;
pub mod schema_claims;
pub mod schema_encounters;
pub mod schema_scrub;
pub mod schema_specimens;
pub mod types;

pub use connection::{AnyConnection, Backend, ConnectionOptions, DbPool, PooledConn};
pub use migrations::{revert_all_migrations, run_migrations};

use diesel::r2d2::{ConnectionManager, Pool};

/// Builds a pool for `url`: a `postgres://` or `postgresql://` URL selects PostgreSQL, anything
/// else is taken as an SQLite file path.
pub fn build_pool(url: &str, max_size: u32) -> Result<DbPool, String> {
    let backend = Backend::from_url(url);
    let manager = ConnectionManager::<AnyConnection>::new(url);
    let size = match backend {
        // An in-memory SQLite database exists once per connection, so it cannot be shared.
        Backend::Sqlite if url.contains(":memory:") => 1,
        _ => max_size.max(1),
    };
    Pool::builder()
        .max_size(size)
        .connection_timeout(std::time::Duration::from_secs(10))
        .connection_customizer(Box::new(ConnectionOptions))
        .build(manager)
        .map_err(|e| format!("cannot open the database: {e}"))
}
