//! Shared application state handed to every handler.

use crate::audit::AuditSink;
use crate::auth::tokens::TokenKeys;
use crate::codesets::CodeTables;
use crate::db::{Backend, DbPool};

/// Everything handlers share: the pool, token keys and the audit sink.
pub struct AppState {
    /// Database connection pool.
    pub pool: DbPool,
    /// Which database the pool talks to.
    pub backend: Backend,
    /// Token signing and verification keys.
    pub keys: TokenKeys,
    /// Group-committing writer for read-audit rows.
    pub audit: AuditSink,
    /// The code tables (bundled, plus imported overlays), loaded once at start.
    pub codes: &'static CodeTables,
    /// Whether X12 text (the 837P preview) puts a line break after each segment terminator
    /// (`--x12-line-breaks`; off by default, as some receivers refuse it).
    pub x12_line_breaks: bool,
}
