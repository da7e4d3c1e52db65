//! 271s arriving as files in the clearinghouse inbox (issue 16): the worker reads them before
//! the acknowledgments (which would take any X12 file as a 999/277CA and fail it) and applies
//! each as `POST /v1/eligibility/responses` does: matched to its queued check by TRN02, read,
//! stored with the summary, audited and announced (`eligibility.checked`). Each file then
//! moves to `processed/`, or to `failed/` when it cannot be applied (unreadable, no check with
//! that trace, or a check not waiting), with a warning naming the file and the outcome only
//! (the file holds PHI).

use std::path::Path;

use super::model::CheckStatus;
use super::routes::RESOURCE;
use super::service::finish;
use super::store;
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::RequestCtx;
use crate::db::{AnyConnection, DbPool};
use crate::error::{DomainError, DomainResult};

/// The actor of 271s read from the inbox.
pub const INBOX: &str = "system:eligibility";

/// What happened to one 271 file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOutcome {
    /// The file name.
    pub file: String,
    /// `applied`, `unreadable` (not a 271 we can read), `unmatched` (no check has its trace
    /// number) or `not_waiting` (its check is already answered).
    pub outcome: &'static str,
    /// The check answered, when applied.
    pub check_id: Option<String>,
}

impl FileOutcome {
    /// Whether the file went to `failed/`.
    pub fn failed(&self) -> bool {
        self.outcome != "applied"
    }
}

/// True for a file the eligibility import owns: named `*.271`, or an interchange whose first
/// transaction set is a 271 (read with the separator its ISA declares).
pub fn is_271(name: &str, text: &str) -> bool {
    if name.to_ascii_lowercase().ends_with(".271") {
        return true;
    }
    crate::x12::first_transaction_set_is(text, "271")
}

/// Applies one 271 text; `Err` only for database failures (the file then stays in place and is
/// tried again on the next scan).
pub fn apply_text(
    conn: &mut AnyConnection,
    text: &str,
) -> DomainResult<(&'static str, Option<String>)> {
    let Ok(parsed) = crate::x12::elig::read_271(text) else {
        return Ok(("unreadable", None));
    };
    let Some(trace) = parsed.trace_number else {
        return Ok(("unreadable", None));
    };
    let ctx = RequestCtx::system(INBOX);
    conn.write_transaction(|c| -> DomainResult<(&'static str, Option<String>)> {
        let Some(row) = store::find_by_trace(c, &trace)? else {
            return Ok(("unmatched", None));
        };
        if row.status != CheckStatus::Queued {
            return Ok(("not_waiting", Some(row.id.to_string())));
        }
        let id = row.id.to_string();
        finish(c, row, Ok(text.to_string()))?;
        let entry = AuditEntry::success(&ctx, "update", RESOURCE, Some(id.clone()));
        audit_store::insert(c, &[entry])?;
        Ok(("applied", Some(id)))
    })
}

fn move_aside(dir: &Path, name: &str, sub: &str) -> Result<(), String> {
    let target = dir.join(sub);
    std::fs::create_dir_all(&target).map_err(|e| format!("cannot create {sub}/: {e}"))?;
    std::fs::rename(dir.join(name), target.join(name))
        .map_err(|e| format!("cannot move {name} aside: {e}"))
}

/// Applies every 271 in `dir` (oldest name first; hidden files, folders and other files are
/// left alone) and moves each aside. A database error stops the run with the file in place.
pub fn import_dir(pool: &DbPool, dir: &Path) -> Result<Vec<FileOutcome>, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let bytes =
            std::fs::read(dir.join(&name)).map_err(|e| format!("cannot read {name}: {e}"))?;
        let text = String::from_utf8_lossy(&bytes);
        if !is_271(&name, &text) {
            continue;
        }
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        let (outcome, check_id) = apply_text(&mut conn, &text)
            .map_err(|e: DomainError| format!("{name}: {}", e.detail))?;
        let result = FileOutcome {
            file: name.clone(),
            outcome,
            check_id,
        };
        if result.failed() {
            tracing::warn!(file = %name, outcome, "eligibility response file could not be applied");
        }
        move_aside(
            dir,
            &name,
            if result.failed() {
                "failed"
            } else {
                "processed"
            },
        )?;
        out.push(result);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::is_271;

    #[test]
    fn owns_271_by_name_or_content() {
        let isa = "ISA|00|          |00|          |ZZ|A              |ZZ|B              |250101|1200|^|00501|000000007|0|T|:~";
        assert!(is_271("x.271", "garbage"));
        assert!(is_271("X.271", ""));
        assert!(is_271("in.x12", &format!("{isa}GS|HB|A|B~ST|271|0001~")));
        assert!(!is_271("in.x12", &format!("{isa}GS|FA|A|B~ST|999|0001~")));
        assert!(!is_271("in.x12", "ST*271*0001~"));
    }
}
