//! Answers show only what is on disk. On SQLite the group-commit threads commit off the writer
//! lock and sync the WAL right after (`db::WalSync`), so for the length of one sync a commit is
//! visible to other connections before it is durable; any answer may have read it, so each
//! one waits (in the request middleware) until the commits made before it are synced. With
//! nothing waiting for the disk that is one comparison.

use actix_web::{web, HttpRequest};

use crate::db::WalSync;
use crate::state::AppState;

/// The sync an answer to `req` must wait for, or `None` when everything committed is on disk
/// (always on PostgreSQL, whose commits are visible only once durable).
pub fn pending(req: &HttpRequest) -> Option<WalSync> {
    let wal_sync = req.app_data::<web::Data<AppState>>()?.wal_sync.as_ref()?;
    (!wal_sync.is_synced()).then(|| wal_sync.clone())
}
