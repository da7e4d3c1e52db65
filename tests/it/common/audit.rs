//! Helpers of the audit-chain tests: the server's keyed, anchored set-up in a scratch
//! directory, and tampering as a database admin could.

use diesel::connection::SimpleConnection;
use medbill::audit::anchor::Anchor;
use medbill::db::AnyConnection;

use super::AUDIT_KEY;

/// A fresh directory under the system's temporary one, named `medbill-<prefix>-<uuid>`.
pub fn scratch_dir(prefix: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("medbill-{prefix}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The server's audit anchor with its data directory at `dir`: the test audit key and the
/// checkpoint file there.
pub fn keyed_anchor(dir: &std::path::Path) -> Anchor {
    Anchor {
        key: Some(AUDIT_KEY.to_vec()),
        checkpoints: Some(dir.join(medbill::config::AUDIT_CHECKPOINT_FILE)),
    }
}

/// Runs `sql` with the audit table's guard triggers out of the way, as a database admin could.
pub fn as_admin(conn: &mut AnyConnection, sql: &str) {
    let bypass = match conn {
        AnyConnection::Sqlite(_) => {
            "DROP TRIGGER IF EXISTS audit_log_no_delete; DROP TRIGGER IF EXISTS audit_log_seal_only;"
        }
        AnyConnection::Postgres(_) => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_guard_rows;",
    };
    conn.batch_execute(&format!("{bypass} {sql}")).unwrap();
}
