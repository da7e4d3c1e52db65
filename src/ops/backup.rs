//! `medbill backup DEST`: an online, consistent copy of the database, taken while the server
//! keeps running (SQLite `VACUUM INTO`; PostgreSQL `pg_dump`).

use std::path::Path;
use std::process::Command;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::db::{AnyConnection, Backend};

/// Copies the database at `url` to `dest`, which must not exist yet; returns a summary line.
pub fn backup(url: &str, dest: &Path) -> Result<String, String> {
    if dest.exists() {
        return Err(format!(
            "{} exists already: back up to a new file",
            dest.display()
        ));
    }
    match Backend::from_url(url) {
        Backend::Sqlite => backup_sqlite(url, dest),
        Backend::Postgres => backup_postgres(url, dest),
    }
}

/// The file path of an SQLite URL.
pub(crate) fn sqlite_path(url: &str) -> &Path {
    Path::new(url.strip_prefix("sqlite://").unwrap_or(url))
}

fn backup_sqlite(url: &str, dest: &Path) -> Result<String, String> {
    let source = sqlite_path(url);
    // Opening a missing file would create an empty database and "back up" nothing.
    if !source.exists() {
        return Err(format!("there is no database at {}", source.display()));
    }
    let target = dest.to_str().ok_or("the backup path must be valid UTF-8")?;
    let mut conn =
        AnyConnection::open(url).map_err(|e| format!("cannot open the database: {e}"))?;
    // VACUUM INTO reads one snapshot inside a read transaction: in WAL mode writers carry on,
    // and the copy holds exactly the commits made before it began.
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = 10000; VACUUM INTO {}",
        sql_string(target)
    ))
    .map_err(|e| format!("the backup failed: {e}"))?;
    sync_path(dest)?;
    let mut copy =
        AnyConnection::open(target).map_err(|e| format!("cannot open the backup {target}: {e}"))?;
    sqlite_integrity(&mut copy)?;
    Ok(format!(
        "backed up to {} (SQLite, one consistent snapshot, integrity checked)",
        dest.display()
    ))
}

fn backup_postgres(url: &str, dest: &Path) -> Result<String, String> {
    let shown = format!(
        "pg_dump --format=custom --no-owner --file {} --dbname \"$DATABASE_URL\"",
        dest.display()
    );
    // pg_dump reads one snapshot (a repeatable-read transaction), so the dump is consistent
    // while the servers keep writing.
    let status = Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(dest)
        .arg("--dbname")
        .arg(url)
        .status();
    match status {
        Ok(s) if s.success() => {
            sync_path(dest)?;
            Ok(format!(
                "backed up to {} (pg_dump custom format, one consistent snapshot)",
                dest.display()
            ))
        }
        Ok(s) => Err(format!("pg_dump failed ({s}); the command was: {shown}")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
            "pg_dump is not on the PATH: install the PostgreSQL client tools (the server's major \
             version or newer) and run: {shown}"
        )),
        Err(e) => Err(format!("cannot run pg_dump: {e}; run instead: {shown}")),
    }
}

/// An SQL string literal.
fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Flushes a written file to disk, so a backup reported done survives a power cut.
pub(crate) fn sync_path(path: &Path) -> Result<(), String> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("cannot flush {}: {e}", path.display()))
}

#[derive(QueryableByName)]
struct IntegrityRow {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// Runs `PRAGMA integrity_check` and fails with its first findings unless it says `ok`.
pub fn sqlite_integrity(conn: &mut AnyConnection) -> Result<(), String> {
    let rows: Vec<IntegrityRow> = diesel::sql_query("PRAGMA integrity_check")
        .load(conn)
        .map_err(|e| format!("the integrity check could not run: {e}"))?;
    if rows.len() == 1 && rows[0].integrity_check == "ok" {
        return Ok(());
    }
    let found: Vec<&str> = rows
        .iter()
        .take(5)
        .map(|r| r.integrity_check.as_str())
        .collect();
    Err(format!("the integrity check failed: {}", found.join("; ")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_doubled_in_sql_strings() {
        assert_eq!(sql_string("/tmp/o'brien.db"), "'/tmp/o''brien.db'");
    }

    #[test]
    fn refuses_an_existing_destination_and_a_missing_source() {
        let dir = std::env::temp_dir().join(format!("medbill-bk-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("none.sqlite3");
        let err = backup(missing.to_str().unwrap(), &dir.join("b.sqlite3")).unwrap_err();
        assert!(err.contains("there is no database"), "{err}");
        assert!(!missing.exists(), "no empty database was created");
        let err = backup(missing.to_str().unwrap(), &dir).unwrap_err();
        assert!(err.contains("exists already"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
