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
    /// Failed-login counters (login throttling).
    pub login_throttle: crate::auth::throttle::LoginThrottle,
    /// Recently read user versions (ending sessions of changed or disabled users).
    pub sessions: crate::auth::sessions::SessionCache,
    /// The audit key and checkpoint file (`verify` checks keyed links and checkpoints).
    pub audit_anchor: std::sync::Arc<crate::audit::anchor::Anchor>,
}
