//! Uploading one interchange: `.<name>.<random>.tmp` written and flushed, then renamed to the
//! final name. A final name already there with the same size and SHA-256 counts as sent (a
//! crash between the upload and the database update re-sends the same bytes); with other
//! content it is refused, never overwritten.

use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::Failure;
use crate::claims::clearinghouse::Outgoing;

/// The largest remote file read back (a sanity bound; interchanges are far smaller).
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// What the upload did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    /// The file was written.
    Uploaded,
    /// The same file was there already.
    AlreadyThere,
}

/// `dir/name` on the server (always `/`-separated).
pub fn remote_path(dir: &str, name: &str) -> PathBuf {
    let dir = dir.trim_end_matches('/');
    if dir.is_empty() {
        PathBuf::from(name)
    } else {
        PathBuf::from(format!("{dir}/{name}"))
    }
}

/// Whether `e` says the file does not exist (SSH_FX_NO_SUCH_FILE).
pub fn is_missing(e: &ssh2::Error) -> bool {
    e.code() == ssh2::ErrorCode::SFTP(2)
}

/// Reads a whole remote file.
pub fn read_all(sftp: &ssh2::Sftp, path: &Path) -> Result<Vec<u8>, Failure> {
    let f = sftp.open(path)?;
    let mut buf = Vec::new();
    f.take(MAX_FILE_BYTES).read_to_end(&mut buf)?;
    Ok(buf)
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Some(true) when `path` holds exactly `content`, Some(false) when it holds something else,
/// None when it does not exist.
fn holds(sftp: &ssh2::Sftp, path: &Path, content: &[u8]) -> Result<Option<bool>, Failure> {
    let stat = match sftp.stat(path) {
        Ok(s) => s,
        Err(e) if is_missing(&e) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if stat.size != Some(content.len() as u64) {
        return Ok(Some(false));
    }
    let there = read_all(sftp, path)?;
    Ok(Some(sha256_hex(&there) == sha256_hex(content)))
}

fn conflict(name: &str) -> Failure {
    Failure::Other(format!(
        "a different file named {name} is already in the SFTP inbound folder; not overwritten"
    ))
}

/// Uploads `out` into `dir`.
pub fn put(sftp: &ssh2::Sftp, dir: &str, out: &Outgoing<'_>) -> Result<Put, Failure> {
    let target = remote_path(dir, out.file_name);
    let content = out.content.as_bytes();
    match holds(sftp, &target, content)? {
        Some(true) => return Ok(Put::AlreadyThere),
        Some(false) => return Err(conflict(out.file_name)),
        None => {}
    }
    let tmp = remote_path(
        dir,
        &format!(".{}.{}.tmp", out.file_name, uuid::Uuid::new_v4().simple()),
    );
    let written = (|| {
        let mut f = sftp.create(&tmp)?;
        f.write_all(content)?;
        f.flush()?;
        // Not every server offers fsync@openssh.com; the close that follows still reports
        // write errors, so a refusal here is not a failure.
        let _ = f.fsync();
        drop(f);
        Ok::<_, Failure>(())
    })();
    if let Err(e) = written {
        let _ = sftp.unlink(&tmp);
        return Err(e);
    }
    // SFTP v3 servers (OpenSSH) refuse to rename over an existing file: a file that appeared
    // meanwhile is compared, never replaced.
    if let Err(e) = sftp.rename(&tmp, &target, None) {
        let _ = sftp.unlink(&tmp);
        return match holds(sftp, &target, content)? {
            Some(true) => Ok(Put::AlreadyThere),
            Some(false) => Err(conflict(out.file_name)),
            None => Err(e.into()),
        };
    }
    Ok(Put::Uploaded)
}
