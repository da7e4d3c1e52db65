//! Acknowledgment ingestion: 999 and 277CA files from the inbox folder are read with the x12
//! readers, kept whole in the acknowledgments table, and applied to claims (accepted, or
//! rejected with the status codes and their meaning), then moved to `processed/` (or
//! `failed/` when unreadable or about an interchange medbill never sent). Re-importing a file
//! already kept changes nothing. A rejecting 999 rejects only the claims still `submitted`;
//! the others get a history note and keep their later state. Each file's outcome is reported.

use diesel::prelude::*;
use std::path::Path;

use super::interchange::InterchangeStatus;
use super::model::{AckId, ClaimId, EventCode, InterchangeId};
use super::status::{self, Status};
use super::store;
use crate::db::schema_claims::{acknowledgments as ak, interchanges as ic, submission_jobs as sj};
use crate::db::types::Timestamp;
use crate::db::{AnyConnection, DbPool};
use crate::x12::{self, Ack277, Ack999, ReadError};

/// The actor of history events made by acknowledgments.
pub const ACKS: &str = "system:acks";

/// What became of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOutcome {
    /// The file name.
    pub file: String,
    /// `applied`, `duplicate` (imported before), `unreadable` or `unmatched` (a 999 for an
    /// interchange medbill does not know).
    pub outcome: &'static str,
    /// What it did, or why it could not be applied.
    pub reason: String,
}

impl FileOutcome {
    /// Whether the file could not be applied (it goes to `failed/`).
    pub fn failed(&self) -> bool {
        matches!(self.outcome, "unreadable" | "unmatched")
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Files read (including unreadable ones, kept with their error).
    pub files: usize,
    /// Claims moved to accepted.
    pub accepted: usize,
    /// Claims moved to rejected.
    pub rejected: usize,
    /// Claims named that medbill does not know, or that were not waiting for an answer.
    pub ignored: usize,
    /// Claims a late rejecting 999 found past `submitted`: noted in their history, unchanged.
    pub noted: usize,
    /// One entry per file, in import order.
    pub outcomes: Vec<FileOutcome>,
}

impl ImportReport {
    /// Whether any file could not be applied.
    pub fn any_failed(&self) -> bool {
        self.outcomes.iter().any(FileOutcome::failed)
    }
}

enum Parsed {
    Ack999(Ack999),
    Ack277(Ack277),
    Unreadable(String),
}

fn parse(text: &str) -> Parsed {
    match x12::read_999(text) {
        Ok(a) => Parsed::Ack999(a),
        Err(ReadError::WrongTransaction { .. }) => match x12::read_277ca(text) {
            Ok(a) => Parsed::Ack277(a),
            Err(e) => Parsed::Unreadable(e.to_string()),
        },
        Err(e) => Parsed::Unreadable(e.to_string()),
    }
}

fn move_claim(
    conn: &mut AnyConnection,
    id: ClaimId,
    to: Status,
    payer_claim_number: Option<&str>,
    reason: String,
    codes: &[EventCode],
    report: &mut ImportReport,
) -> QueryResult<()> {
    let Some(row) = store::find(conn, id)? else {
        report.ignored += 1;
        return Ok(());
    };
    let from = row.status;
    if status::check_transition(from, to).is_err()
        || !store::set_status(conn, id, from, to, payer_claim_number)?
    {
        report.ignored += 1;
        return Ok(());
    }
    let e = store::event(id, Some(from), to, ACKS, Some(reason), codes);
    store::insert_events(conn, &[e])?;
    match to {
        Status::Accepted => report.accepted += 1,
        _ => report.rejected += 1,
    }
    Ok(())
}

/// The interchange a 999 answers (by GS06 and ST02), or a reason it matches none.
fn match_999(
    conn: &mut AnyConnection,
    a: &Ack999,
) -> QueryResult<Result<(InterchangeId, i64), String>> {
    let gs: i64 = a.group_control_number.trim().parse().unwrap_or(-1);
    let found: Option<(InterchangeId, i64)> = ic::table
        .filter(ic::gs_control.eq(gs))
        .select((ic::id, ic::st_control))
        .first(conn)
        .optional()?;
    Ok(found.ok_or_else(|| {
        format!(
            "999 for an unknown interchange (group control number {})",
            a.group_control_number.trim()
        )
    }))
}

fn codes_999(a: &Ack999, verdict: Option<&x12::SetAck>) -> Vec<EventCode> {
    let mut codes = vec![EventCode {
        code: format!("AK9:{}", a.group_status.code),
        meaning: a.group_status.meaning.to_string(),
    }];
    if let Some(s) = verdict {
        codes.push(EventCode {
            code: format!("IK5:{}", s.status.code),
            meaning: s.status.meaning.to_string(),
        });
        codes.extend(s.set_errors.iter().map(|e| EventCode {
            code: format!("IK5:{}", e.code),
            meaning: e.meaning.to_string(),
        }));
        for seg in &s.segment_errors {
            codes.push(EventCode {
                code: format!("IK3:{}:{}", seg.segment_id, seg.error.code),
                meaning: seg.error.meaning.to_string(),
            });
            codes.extend(seg.element_errors.iter().map(|el| EventCode {
                code: format!("IK4:{}:{}", el.position, el.error.code),
                meaning: el.error.meaning.to_string(),
            }));
        }
    }
    codes
}

/// Applies a 999 to interchange `id` (ST02 `st`): its status follows the 999; when rejected,
/// its claims still `submitted` become rejected and the others (already answered by a 277CA,
/// replaced, voided) keep their state with a history note.
fn apply_999(
    conn: &mut AnyConnection,
    a: &Ack999,
    (id, st): (InterchangeId, i64),
    file: &str,
    report: &mut ImportReport,
) -> QueryResult<()> {
    let verdict = a.set(u32::try_from(st).unwrap_or(0));
    let accepted = verdict.map_or(a.group_status.code != "R", |s| s.accepted());
    diesel::update(ic::table.find(id))
        .set(ic::status.eq(if accepted {
            InterchangeStatus::Accepted
        } else {
            InterchangeStatus::Rejected
        }))
        .execute(conn)?;
    if accepted {
        return Ok(());
    }
    let codes = codes_999(a, verdict);
    let claims: Vec<ClaimId> = sj::table
        .filter(sj::interchange_id.eq(id))
        .select(sj::claim_id)
        .load(conn)?;
    for c in claims {
        let Some(row) = store::find(conn, c)? else {
            report.ignored += 1;
            continue;
        };
        if row.status == Status::Submitted {
            let reason = format!("999 {file}: the transaction set was rejected");
            move_claim(conn, c, Status::Rejected, None, reason, &codes, report)?;
        } else {
            let reason = format!(
                "999 {file} (late): the transaction set was rejected; the claim stays {}",
                row.status
            );
            let e = store::event(c, Some(row.status), row.status, ACKS, Some(reason), &codes);
            store::insert_events(conn, &[e])?;
            report.noted += 1;
        }
    }
    Ok(())
}

fn apply_277(
    conn: &mut AnyConnection,
    a: &Ack277,
    file: &str,
    report: &mut ImportReport,
) -> QueryResult<()> {
    for c in &a.claims {
        let Some(row) = store::find_by_pcn(conn, &c.patient_control_number)? else {
            report.ignored += 1;
            continue;
        };
        let codes: Vec<EventCode> = c
            .statuses
            .iter()
            .map(|s| EventCode {
                code: format!("{}:{}", s.category.code, s.status.code),
                meaning: format!("{}; {}", s.category.meaning, s.status.meaning),
            })
            .collect();
        let (to, what) = match c.outcome {
            x12::Outcome::Accepted => (Status::Accepted, "accepted"),
            x12::Outcome::Rejected => (Status::Rejected, "rejected"),
            x12::Outcome::Pending => {
                report.ignored += 1;
                continue;
            }
        };
        let reason = format!("277CA {file}: {what} by the payer's front end");
        let number = c.payer_claim_number.as_deref();
        move_claim(conn, row.id, to, number, reason, &codes, report)?;
    }
    Ok(())
}

/// Keeps and applies one acknowledgment file in one transaction, adding its outcome to
/// `report`; false when the same file (name and content) was imported before.
pub fn import_text(
    conn: &mut AnyConnection,
    file_name: &str,
    text: &str,
    report: &mut ImportReport,
) -> QueryResult<bool> {
    let before = report.clone();
    let outcome = |outcome: &'static str, reason: String| FileOutcome {
        file: file_name.to_string(),
        outcome,
        reason,
    };
    let result = conn.write_transaction(|c| {
        let seen: Vec<String> = ak::table
            .filter(ak::file_name.eq(file_name))
            .select(ak::raw)
            .load(c)?;
        if seen.iter().any(|r| r == text) {
            return Ok(None);
        }
        let (kind, parsed, error, interchange) = match parse(text) {
            Parsed::Ack999(a) => match match_999(c, &a)? {
                Ok(found) => {
                    apply_999(c, &a, found, file_name, report)?;
                    ("999", serde_json::to_string(&a).ok(), None, Some(found.0))
                }
                Err(why) => ("999", serde_json::to_string(&a).ok(), Some(why), None),
            },
            Parsed::Ack277(a) => {
                apply_277(c, &a, file_name, report)?;
                ("277CA", serde_json::to_string(&a).ok(), None, None)
            }
            Parsed::Unreadable(e) => ("unknown", None, Some(e), None),
        };
        diesel::insert_into(ak::table)
            .values((
                ak::id.eq(AckId::new()),
                ak::kind.eq(kind),
                ak::file_name.eq(file_name),
                ak::raw.eq(text),
                ak::interchange_id.eq(interchange),
                ak::parsed.eq(parsed.as_ref()),
                ak::error.eq(error.as_ref()),
                ak::received_at.eq(Timestamp::now()),
            ))
            .execute(c)?;
        Ok(Some((kind, parsed.is_some(), error)))
    });
    let applied = match result {
        Ok(a) => a,
        Err(e) => {
            // The transaction rolled back: so do the counts it made.
            *report = before;
            return Err(e);
        }
    };
    let Some((kind, readable, error)) = applied else {
        report.outcomes.push(outcome(
            "duplicate",
            "imported before; not applied again".into(),
        ));
        return Ok(false);
    };
    report.files += 1;
    let entry = match error {
        Some(why) if !readable => outcome("unreadable", why),
        Some(why) => outcome("unmatched", why),
        None => outcome(
            "applied",
            format!(
                "{kind}: {} accepted, {} rejected, {} noted, {} ignored",
                report.accepted - before.accepted,
                report.rejected - before.rejected,
                report.noted - before.noted,
                report.ignored - before.ignored
            ),
        ),
    };
    report.outcomes.push(entry);
    Ok(true)
}

fn move_aside(dir: &Path, name: &str, sub: &str) -> std::io::Result<()> {
    let target = dir.join(sub);
    std::fs::create_dir_all(&target)?;
    std::fs::rename(dir.join(name), target.join(name))
}

/// Imports every file in `dir` (oldest name first; hidden files and folders are skipped) and
/// moves each aside once kept.
pub fn import_dir(pool: &DbPool, dir: &Path) -> Result<ImportReport, String> {
    let mut report = ImportReport::default();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(report);
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    if names.is_empty() {
        return Ok(report);
    }
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    for name in names {
        let text = match std::fs::read(dir.join(&name)) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => return Err(format!("cannot read an acknowledgment file: {e}")),
        };
        import_text(&mut conn, &name, &text, &mut report).map_err(|e| e.to_string())?;
        let failed = report.outcomes.last().is_some_and(FileOutcome::failed);
        if failed {
            // The file name and outcome only: a reader's message may quote the file (PHI).
            let outcome = report.outcomes.last().map_or("", |o| o.outcome);
            tracing::warn!(file = %name, outcome, "acknowledgment file could not be applied");
        }
        let sub = if failed { "failed" } else { "processed" };
        move_aside(dir, &name, sub).map_err(|e| format!("cannot move {name} aside: {e}"))?;
    }
    Ok(report)
}
