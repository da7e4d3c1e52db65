//! 835 files from a folder: the clearinghouse inbox (read by the worker before the
//! acknowledgments, which leave 835s alone once they are moved) and `medbill remits import DIR`.
//! Each 835 is imported ([`import_835`]), then moved to `processed/` (or `failed/` when it cannot
//! be read). A process stopped mid-file leaves the file in place: payments already committed are
//! found again and not posted twice, the others are imported.

use std::path::Path;

use super::import::{import_835, ImportOutcome};
use crate::auth::RequestCtx;
use crate::claims::settings::SubmitterSettings;
use crate::db::DbPool;
use crate::error::Category;

/// The actor of imports from a folder.
pub const REMITS: &str = "system:remits";

/// What happened to one file.
#[derive(Debug, Clone, PartialEq)]
pub enum FileOutcome {
    /// Imported (payments posted, duplicates, out of balance, unmatched: see the outcome).
    Imported(ImportOutcome),
    /// The file is not a readable 835: why (it was moved to `failed/`).
    Unreadable(String),
}

/// True when `text` is an X12 interchange whose first transaction set is an 835 (ST01), read
/// with the element separator its ISA declares.
pub fn is_835(text: &str) -> bool {
    crate::x12::first_transaction_set_is(text, "835")
}

fn move_aside(dir: &Path, name: &str, sub: &str) -> Result<(), String> {
    let target = dir.join(sub);
    std::fs::create_dir_all(&target).map_err(|e| format!("cannot create {sub}/: {e}"))?;
    std::fs::rename(dir.join(name), target.join(name))
        .map_err(|e| format!("cannot move {name} aside: {e}"))
}

/// Imports every 835 in `dir` (oldest name first; hidden files, folders and other X12 files are
/// left alone) and moves each aside. A database error stops the run with the file left in place.
/// `submitter` is who the next payer's claims billed automatically are written as.
pub fn import_dir(
    pool: &DbPool,
    dir: &Path,
    submitter: &SubmitterSettings,
) -> Result<Vec<(String, FileOutcome)>, String> {
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
    let ctx = RequestCtx::system(REMITS);
    for name in names {
        let bytes =
            std::fs::read(dir.join(&name)).map_err(|e| format!("cannot read {name}: {e}"))?;
        let text = String::from_utf8_lossy(&bytes);
        if !is_835(&text) {
            continue;
        }
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        match import_835(&mut conn, &ctx, submitter, &name, &text) {
            Ok(outcome) => {
                move_aside(dir, &name, "processed")?;
                out.push((name, FileOutcome::Imported(outcome)));
            }
            Err(e) if e.category == Category::Invalid => {
                let why = e
                    .errors
                    .first()
                    .map_or(e.detail.clone(), |f| f.message.clone());
                move_aside(dir, &name, "failed")?;
                out.push((name, FileOutcome::Unreadable(why)));
            }
            Err(e) => return Err(format!("{name}: {}", e.detail)),
        }
    }
    Ok(out)
}

/// One line per file for the command line: the file and what happened.
pub fn describe(name: &str, outcome: &FileOutcome) -> String {
    match outcome {
        FileOutcome::Unreadable(why) => format!("{name}: failed: {why}"),
        FileOutcome::Imported(o) => {
            let parts: Vec<String> = o
                .payments
                .iter()
                .map(|p| {
                    let state = if p.duplicate {
                        "already imported".to_string()
                    } else {
                        p.status.to_string()
                    };
                    format!(
                        "payment {} {} cents: {state} ({} of {} claims posted, {} unmatched)",
                        p.trace_number,
                        p.payment_cents,
                        p.claims_posted,
                        p.claims_total,
                        p.claims_unmatched
                    )
                })
                .collect();
            format!("{name}: {}", parts.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_835;

    #[test]
    fn sniffs_835_with_the_declared_separator() {
        let isa = "ISA|00|          |00|          |ZZ|A              |ZZ|B              |250101|1200|^|00501|000000007|0|T|:~";
        assert!(is_835(&format!("{isa}GS|HP|A|B~ST|835|0001~")));
        assert!(!is_835(&format!("{isa}GS|FA|A|B~ST|999|0001~")));
        assert!(!is_835("ST*835*0001~"));
    }
}
