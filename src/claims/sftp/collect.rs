//! Collecting responses: every regular, non-hidden file of the outbound folder is downloaded,
//! written into the local inbox (atomically, under its remote name) and recorded by name and
//! SHA-256 in `sftp_downloads`, and only then deleted or moved remotely. A file already
//! recorded is not stored again, so a failed remote delete (or the `leave` setting) never
//! applies a file twice; the inbox import's own checks (acknowledgments by name and content,
//! 835 payments by trace number) cover a crash between the local write and the record.

use diesel::prelude::*;
use std::path::Path;

use super::session::Connection;
use super::settings::{AfterDownload, SftpSettings};
use super::upload::{read_all, remote_path, sha256_hex};
use super::Failure;
use crate::claims::clearinghouse::write_atomically;
use crate::db::schema_sftp::sftp_downloads as sd;
use crate::db::types::Timestamp;
use crate::db::{AnyConnection, DbPool};

/// What a collection did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Collected {
    /// Files stored in the inbox for import.
    pub stored: usize,
    /// Files seen before (recorded), not stored again.
    pub seen_before: usize,
    /// Files whose remote delete or move failed (they are recorded; retried next time).
    pub cleanup_failed: usize,
}

fn recorded(conn: &mut AnyConnection, name: &str, hash: &str) -> QueryResult<bool> {
    let n: i64 = sd::table
        .filter(sd::file_name.eq(name))
        .filter(sd::sha256.eq(hash))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

fn record(conn: &mut AnyConnection, name: &str, hash: &str, size: usize) -> QueryResult<()> {
    conn.write_transaction(|c| {
        if recorded(c, name, hash)? {
            return Ok(());
        }
        diesel::insert_into(sd::table)
            .values((
                sd::file_name.eq(name),
                sd::sha256.eq(hash),
                sd::size_bytes.eq(i64::try_from(size).unwrap_or(i64::MAX)),
                sd::downloaded_at.eq(Timestamp::now()),
            ))
            .execute(c)
            .map(|_| ())
    })
}

fn db(e: impl std::fmt::Display) -> Failure {
    Failure::Other(format!("database: {e}"))
}

/// The names of the regular, non-hidden files of `dir`, sorted.
pub fn list_files(sftp: &ssh2::Sftp, dir: &str) -> Result<Vec<String>, Failure> {
    let mut names: Vec<String> = sftp
        .readdir(Path::new(dir))?
        .into_iter()
        .filter(|(_, st)| st.is_file())
        .filter_map(|(p, _)| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    Ok(names)
}

/// Removes or moves `name` as the settings say; false when that failed (logged).
fn clean_up(sftp: &ssh2::Sftp, s: &SftpSettings, name: &str) -> bool {
    let from = remote_path(&s.outbound, name);
    let done = match &s.after_download {
        AfterDownload::Leave => return true,
        AfterDownload::Delete => sftp.unlink(&from),
        AfterDownload::Move(dir) => sftp.rename(&from, &remote_path(dir, name), None),
    };
    match done {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(file = %name, error = %e, "cannot remove a collected file remotely");
            false
        }
    }
}

/// One collection run on `c` (see the module doc).
pub fn collect(
    c: &Connection,
    s: &SftpSettings,
    pool: &DbPool,
    inbox: &Path,
) -> Result<Collected, Failure> {
    let mut out = Collected::default();
    let names = list_files(&c.sftp, &s.outbound)?;
    if names.is_empty() {
        return Ok(out);
    }
    let mut conn = pool.get().map_err(db)?;
    for name in names {
        let bytes = read_all(&c.sftp, &remote_path(&s.outbound, &name))?;
        let hash = sha256_hex(&bytes);
        if recorded(&mut conn, &name, &hash).map_err(db)? {
            out.seen_before += 1;
        } else {
            write_atomically(inbox, &name, &bytes)
                .map_err(|e| Failure::Other(format!("cannot store {name} in the inbox: {e}")))?;
            record(&mut conn, &name, &hash, bytes.len()).map_err(db)?;
            out.stored += 1;
            tracing::info!(file = %name, "collected from the SFTP outbound folder");
        }
        if !clean_up(&c.sftp, s, &name) {
            out.cleanup_failed += 1;
        }
    }
    Ok(out)
}
