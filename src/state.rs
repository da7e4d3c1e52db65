//! Shared application state handed to every handler.

use crate::audit::AuditSink;
use crate::auth::tokens::TokenKeys;
use crate::codesets::CodeTables;
use crate::db::{Backend, DbPool};
use crate::ops::code_reload::LiveCodes;

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
    /// Group commit for keyed and unkeyed creates on SQLite (`None` on PostgreSQL).
    pub writes: Option<crate::db::CombinedWrites>,
    /// The pool's WAL sync on durable SQLite (`None` elsewhere): answers wait for it
    /// (`http::durable_answers`).
    pub wal_sync: Option<crate::db::WalSync>,
    /// The code tables (bundled, plus imported overlays), reloaded when an import lands.
    pub code_tables: LiveCodes,
    /// Failed-login counters (login throttling).
    pub login_throttle: crate::auth::throttle::LoginThrottle,
    /// Recently read user versions (ending sessions of changed or disabled users).
    pub sessions: crate::auth::sessions::SessionCache,
    /// The audit key and checkpoint file (`verify` checks keyed links and checkpoints).
    pub audit_anchor: std::sync::Arc<crate::audit::anchor::Anchor>,
    /// Whether X12 text (the 837P preview) puts a line break after each segment terminator
    /// (`--x12-line-breaks`; off by default, as some receivers refuse it).
    pub x12_line_breaks: bool,
    /// Recent code-search answers (type-ahead repeats itself).
    pub search_cache: crate::codeset_api::search_cache::SearchCache,
    /// Webhook URL rules and delivery timeout (`MEDBILL_WEBHOOKS_*`; strict by default).
    pub webhooks: crate::webhooks::WebhookSettings,
    /// Where eligibility inquiries (270) go: real time over HTTP or the file queue. `None`
    /// (the default of [`AppState::new`]): checks answer 503.
    pub eligibility: Option<crate::eligibility::transport::Channel>,
    /// The web console's settings (on, 15-minute idle timeout and a random session key by
    /// default; the server derives the key from the signing secret).
    pub console: crate::console::ConsoleSettings,
    /// What a received specimen adds to its encounter (`MEDBILL_LAB_*`; both on by default).
    pub lab_billing: crate::specimens::billing::Settings,
    /// Who medbill says it is in the X12 it writes (`MEDBILL_X12_*`; test defaults).
    pub submitter: crate::claims::settings::SubmitterSettings,
    /// CA certificates trusted by outbound clients besides the bundled roots
    /// (`MEDBILL_HTTP_CA_FILE`; none by default): the webhook deliveries beside the server.
    pub http_ca_file: Option<std::path::PathBuf>,
    /// The largest 835 `POST /v1/remittances` reads (`MEDBILL_REMIT_MAX_BYTES`; 16 MiB by
    /// default).
    pub remit_max_bytes: usize,
}

impl AppState {
    /// State over `pool` with the given keys, audit sink and code tables; login throttling and
    /// the session cache start empty, the audit chain is unkeyed (no checkpoint file) and X12
    /// text has no line breaks, webhook URLs follow the strict rules. Set the other fields with struct update syntax.
    pub fn new(
        pool: DbPool,
        backend: Backend,
        keys: TokenKeys,
        audit: AuditSink,
        code_tables: LiveCodes,
    ) -> Self {
        AppState {
            writes: crate::db::CombinedWrites::start(&pool, backend),
            // Only SQLite has one: no checkout (and no wait during an outage) on PostgreSQL.
            wal_sync: (backend == Backend::Sqlite)
                .then(|| pool.get().ok().and_then(|mut c| c.wal_sync()))
                .flatten(),
            pool,
            backend,
            keys,
            audit,
            code_tables,
            login_throttle: Default::default(),
            sessions: Default::default(),
            audit_anchor: Default::default(),
            x12_line_breaks: false,
            search_cache: Default::default(),
            webhooks: Default::default(),
            eligibility: None,
            console: Default::default(),
            lab_billing: Default::default(),
            submitter: Default::default(),
            http_ca_file: None,
            remit_max_bytes: crate::config::DEFAULT_REMIT_MAX_BYTES,
        }
    }

    /// The code tables in effect now (a request should fetch them once and keep them).
    pub fn codes(&self) -> &'static CodeTables {
        self.code_tables.get()
    }
}
