//! `medbill restore SRC`: a backup into an empty database, checked before it is called done:
//! integrity (SQLite), pending migrations applied, and the audit hash chain verified.

use std::path::Path;
use std::process::Command;

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::backup::{sqlite_integrity, sqlite_path, sync_path};
use crate::audit::{chain, store as audit_store, AuditEntry};
use crate::db::{run_migrations, AnyConnection, Backend};

/// Restores the backup `src` into the (empty) database at `url`; returns a summary line.
pub fn restore(url: &str, src: &Path) -> Result<String, String> {
    if !src.is_file() {
        return Err(format!("there is no backup file at {}", src.display()));
    }
    match Backend::from_url(url) {
        Backend::Sqlite => restore_sqlite(url, src),
        Backend::Postgres => restore_postgres(url, src),
    }
}

fn restore_sqlite(url: &str, src: &Path) -> Result<String, String> {
    let target = sqlite_path(url);
    for suffix in ["", "-wal"] {
        let p = format!("{}{suffix}", target.display());
        if Path::new(&p).exists() {
            return Err(format!(
                "{p} exists: restore only into an empty data directory (move the old one aside)"
            ));
        }
    }
    // Work on a copy beside the target and rename it into place only once every check passed,
    // so a failed restore never leaves a database the server would start on.
    let staging = target.with_extension("restoring");
    let _ = std::fs::remove_file(&staging);
    std::fs::copy(src, &staging).map_err(|e| format!("cannot copy {}: {e}", src.display()))?;
    let checked = staging
        .to_str()
        .ok_or("the data directory path must be valid UTF-8")
        .map_err(str::to_string)
        .and_then(|s| {
            let mut conn = AnyConnection::open(s)
                .map_err(|e| format!("cannot open the copied backup: {e}"))?;
            sqlite_integrity(&mut conn)?;
            verify_and_migrate(&mut conn)
        });
    let summary = match checked {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&staging);
            return Err(e);
        }
    };
    sync_path(&staging)?;
    std::fs::rename(&staging, target)
        .map_err(|e| format!("cannot move the restored database into place: {e}"))?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        sync_path(dir)?;
    }
    Ok(format!(
        "restored {} into {}: integrity ok, {summary}",
        src.display(),
        target.display()
    ))
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn restore_postgres(url: &str, src: &Path) -> Result<String, String> {
    let mut conn =
        AnyConnection::open(url).map_err(|e| format!("cannot connect to the database: {e}"))?;
    let tables = diesel::sql_query(
        "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .get_result::<Count>(&mut conn)
    .map_err(|e| e.to_string())?
    .n;
    if tables > 0 {
        return Err(
            "the target database is not empty: create a new database, point DATABASE_URL at \
             it and restore again"
                .into(),
        );
    }
    let shown = format!(
        "pg_restore --no-owner --exit-on-error --dbname \"$DATABASE_URL\" {}",
        src.display()
    );
    let status = Command::new("pg_restore")
        .args([
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
        ])
        .arg(url)
        .arg(src)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => return Err(format!("pg_restore failed ({s}); the command was: {shown}")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "pg_restore is not on the PATH: install the PostgreSQL client tools and run \
                 {shown}, then `medbill migrate`, then check GET /v1/audit/verify"
            ))
        }
        Err(e) => return Err(format!("cannot run pg_restore: {e}")),
    }
    let summary = verify_and_migrate(&mut conn)?;
    Ok(format!(
        "restored {} with pg_restore (one transaction): {summary}",
        src.display()
    ))
}

/// Applies pending migrations, then verifies the audit chain; fails if it is broken.
fn verify_and_migrate(conn: &mut AnyConnection) -> Result<String, String> {
    let applied = run_migrations(conn)?;
    // Keyed links are checked with the process's audit key (a keyed chain cannot be verified
    // without it). Checkpoints are not: a backup is older than the newest of them by design.
    let anchor = crate::audit::anchor::Anchor {
        key: crate::audit::row_mac::key().map(<[u8]>::to_vec),
        checkpoints: None,
    };
    let report = chain::verify_with(conn, &anchor)
        .map_err(|e| format!("cannot verify the audit chain: {e}"))?;
    if !report.ok {
        let at = report
            .first_broken
            .map_or("an unknown row".to_string(), |b| {
                format!("position {} (row {}): {}", b.seq, b.id, b.reason)
            });
        return Err(format!("the audit chain of the backup is broken at {at}"));
    }
    // The restore itself is a change to the whole database: record it after the check, so
    // the next seal chains it after the restored rows.
    let entry = AuditEntry::system("restore", "database", None);
    audit_store::insert(conn, &[entry]).map_err(|e| format!("cannot audit the restore: {e}"))?;
    Ok(format!(
        "{} migrations applied, audit chain verified ({} sealed rows, {} not yet sealed)",
        applied.len(),
        report.checked,
        report.unsealed
    ))
}
