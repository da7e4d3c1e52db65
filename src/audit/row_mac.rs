//! The service's mark on each audit row it writes: a keyed MAC over the row's content, computed
//! at insert with the audit key (held outside the database). The sealer chains only rows whose
//! MAC verifies; a row inserted behind the service's back (a plain SQL `INSERT`) cannot carry a
//! valid MAC without the key, so it is sealed as flagged and `verify` names it.
//!
//! The key is process-wide because rows are written from many places (every mutation's
//! transaction, the read-audit writer, command-line administration) that all share one
//! `store::insert`; it is installed once at start-up, before the first row is written.

use std::sync::OnceLock;

use super::anchor::mac;
use super::store::AuditRecord;
use super::AuditEntry;
use crate::db::types::{sqlite_timestamp_text, Timestamp};

static KEY: OnceLock<Vec<u8>> = OnceLock::new();

/// Installs the audit key that marks rows from now on. Installing the same key again is fine;
/// a different key is refused (one process writes with one key).
pub fn install(key: &[u8]) -> Result<(), String> {
    let current = KEY.get_or_init(|| key.to_vec());
    if current.as_slice() == key {
        Ok(())
    } else {
        Err("a different audit key is already in use by this process".into())
    }
}

/// The installed key, if any (none: rows are written unmarked and the sealer checks nothing,
/// as before the key existed).
pub fn key() -> Option<&'static [u8]> {
    KEY.get().map(Vec::as_slice)
}

/// The columns a row's MAC covers, in one unambiguous rendering. The id and chain columns are
/// not covered: the database assigns the id, and the chain has its own keyed links.
#[allow(clippy::too_many_arguments)]
fn content(
    event_id: &str,
    occurred_at: &Timestamp,
    actor: &str,
    role: &str,
    action: &str,
    resource_type: &str,
    resource_id: Option<&str>,
    request_id: Option<&str>,
    outcome: &str,
) -> String {
    // Serialised straight from a tuple: the same bytes as `json!([..]).to_string()` (a test
    // says so) without building a `Value` tree per row, which the sealer does for every row.
    let fields = (
        event_id,
        sqlite_timestamp_text(&occurred_at.0),
        actor,
        role,
        action,
        resource_type,
        resource_id,
        request_id,
        outcome,
    );
    serde_json::to_string(&fields).unwrap_or_default()
}

fn mac_with(key: &[u8], content: &str) -> String {
    mac(key, &[b"audit-row", content.as_bytes()])
}

/// The MAC to store with `e`, when a key is installed.
pub fn for_entry(e: &AuditEntry) -> Option<String> {
    let key = key()?;
    Some(mac_with(
        key,
        &content(
            &e.event_id.to_string(),
            &e.occurred_at,
            &e.actor,
            &e.actor_role,
            &e.action,
            &e.resource_type,
            e.resource_id.as_deref(),
            e.request_id.as_deref(),
            &e.outcome,
        ),
    ))
}

/// Whether stored row `r` carries a MAC made with the installed key (true when no key is
/// installed: there is nothing to check against).
pub fn verifies(r: &AuditRecord, stored: Option<&str>) -> bool {
    let Some(key) = key() else {
        return true;
    };
    let expected = mac_with(
        key,
        &content(
            &r.event_id.to_string(),
            &r.occurred_at,
            &r.actor,
            &r.actor_role,
            &r.action,
            &r.resource_type,
            r.resource_id.as_deref(),
            r.request_id.as_deref(),
            &r.outcome,
        ),
    );
    // Both are hex of a fixed length; the comparison need not be constant-time because the
    // sealer, not an attacker-facing endpoint, compares.
    stored == Some(expected.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stored MACs must still verify: the rendering is byte for byte the `json!` form.
    #[test]
    fn content_is_the_json_array_rendering() {
        let at = Timestamp::now();
        for (rid, req) in [(Some("p-\"1\""), Some("req é")), (None, None)] {
            let before = serde_json::json!([
                "e-1",
                sqlite_timestamp_text(&at.0),
                "ann \\ 😀",
                "billing",
                "read",
                "patient",
                rid,
                req,
                "success\t"
            ])
            .to_string();
            let now = content(
                "e-1",
                &at,
                "ann \\ 😀",
                "billing",
                "read",
                "patient",
                rid,
                req,
                "success\t",
            );
            assert_eq!(now, before);
        }
    }
}
