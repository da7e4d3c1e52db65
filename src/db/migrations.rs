//! Embedded migrations, one folder per backend with the same migration names.

use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::connection::AnyConnection;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

fn source(conn: &AnyConnection) -> EmbeddedMigrations {
    match conn {
        AnyConnection::Sqlite(_) => SQLITE,
        AnyConnection::Postgres(_) => POSTGRES,
    }
}

/// Applies every pending migration and returns the names of those applied.
pub fn run_migrations(conn: &mut AnyConnection) -> Result<Vec<String>, String> {
    let migrations = source(conn);
    conn.run_pending_migrations(migrations)
        .map(|versions| versions.iter().map(|v| v.to_string()).collect())
        .map_err(|e| format!("migration failed: {e}"))
}

/// Reverts every applied migration, newest first (used by the migration round-trip test).
pub fn revert_all_migrations(conn: &mut AnyConnection) -> Result<usize, String> {
    let migrations = source(conn);
    conn.revert_all_migrations(migrations)
        .map(|v| v.len())
        .map_err(|e| format!("revert failed: {e}"))
}
