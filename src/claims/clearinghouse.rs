//! Clearinghouse adapters behind one trait. An interchange is handed over under its id (the
//! idempotency key): handing the same interchange over twice must not submit it twice.
//! `filedrop` (the default) writes `<interchange id>.837` into an outbox folder atomically;
//! `http` (src/claims/http_adapter.rs) POSTs it to a URL through the shared ureq client; `sftp`
//! (src/claims/sftp/) uploads it to the clearinghouse's SFTP server.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::model::InterchangeId;

/// An interchange ready to hand over.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// Its id: the idempotency key of the hand-off.
    pub id: InterchangeId,
    /// The file name (`<id>.837`).
    pub file_name: &'a str,
    /// The X12 text.
    pub content: &'a str,
}

/// Somewhere interchanges go.
pub trait Clearinghouse: Send + Sync {
    /// The adapter's name, for logs.
    fn name(&self) -> &'static str;
    /// Hands `out` over; Ok only once the receiver has it durably. Must be idempotent per
    /// `out.id`.
    fn send(&self, out: &Outgoing<'_>) -> Result<(), String>;
    /// Called after each batch: an adapter holding a connection for the batch closes it.
    fn end_batch(&self) {}
}

/// Writes each interchange to a folder: a temporary file, flushed to disk, then renamed to
/// `<interchange id>.837`. A second hand-off of the same interchange replaces the file with
/// the same bytes, so a crash between the write and the database update cannot make a second
/// file.
#[derive(Debug, Clone)]
pub struct FileDrop {
    /// The outbox folder.
    pub outbox: PathBuf,
}

impl FileDrop {
    /// An adapter writing into `outbox` (created when missing).
    pub fn new(outbox: impl Into<PathBuf>) -> Self {
        FileDrop {
            outbox: outbox.into(),
        }
    }
}

/// Writes `content` to `dir/name` atomically (temp file, fsync, rename, fsync of the folder).
pub fn write_atomically(dir: &Path, name: &str, content: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(content)?;
        f.sync_all()?;
        std::fs::rename(&tmp, dir.join(name))?;
        // Make the rename itself durable.
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

impl Clearinghouse for FileDrop {
    fn name(&self) -> &'static str {
        "filedrop"
    }

    fn send(&self, out: &Outgoing<'_>) -> Result<(), String> {
        write_atomically(&self.outbox, out.file_name, out.content.as_bytes())
            .map_err(|e| format!("cannot write to {}: {e}", self.outbox.display()))
    }
}
