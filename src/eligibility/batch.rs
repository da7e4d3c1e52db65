//! Batch eligibility runs (issue 16): queue one check per distinct active coverage with an
//! encounter on a date (tomorrow's schedule) in one transaction, and the worker's step that
//! sends the queued (`pending`) checks: a real-time exchange each over the http channel, or
//! the 270s written into the outbox for a file clearinghouse.

use std::collections::HashSet;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{CheckId, CheckRequest, CheckRow, CheckStatus};
use super::routes::RESOURCE;
use super::run_model::{NotSendable, RunId, RunRow};
use super::service::{finish, prepare};
use super::store;
use super::transport::Channel;
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::RequestCtx;
use crate::claims::clearinghouse::write_atomically;
use crate::claims::settings::SubmitterSettings;
use crate::coverages::model::CoverageId;
use crate::db::schema::coverages as cv;
use crate::db::schema_eligibility::{eligibility_checks as ec, eligibility_runs as er};
use crate::db::schema_encounters::encounters as en;
use crate::db::types::Timestamp;
use crate::db::{AnyConnection, DbPool};
use crate::encounters::status::Status as EncStatus;
use crate::error::{DomainError, DomainResult};

/// Resource name of runs in the audit log.
pub const RUN_RESOURCE: &str = "eligibility_run";

/// Most checks one run queues (a day's schedule of a large practice fits many times over).
pub const MAX_RUN_CHECKS: usize = 5000;

/// The distinct active coverages with an encounter (not void) on `date`.
fn scheduled_coverages(conn: &mut AnyConnection, date: NaiveDate) -> QueryResult<Vec<CoverageId>> {
    let on_date: Vec<Option<CoverageId>> = en::table
        .filter(en::date_of_service.eq(date))
        .filter(en::status.ne(EncStatus::Void))
        .filter(en::coverage_id.is_not_null())
        .select(en::coverage_id)
        .distinct()
        .load(conn)?;
    let on_date: Vec<CoverageId> = on_date.into_iter().flatten().collect();
    let mut ids = Vec::with_capacity(on_date.len());
    // Chunks keep the IN list under SQLite's bound-parameter limit.
    for chunk in on_date.chunks(500) {
        let active: Vec<CoverageId> = cv::table
            .filter(cv::id.eq_any(chunk))
            .filter(cv::active.eq(true))
            .select(cv::id)
            .load(conn)?;
        ids.extend(active);
    }
    ids.sort();
    Ok(ids)
}

/// Coverages among `ids` that have a check for `date` that did not fail.
fn already_checked(
    conn: &mut AnyConnection,
    ids: &[CoverageId],
    date: NaiveDate,
) -> QueryResult<HashSet<CoverageId>> {
    let mut found = HashSet::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<CoverageId> = ec::table
            .filter(ec::coverage_id.eq_any(chunk))
            .filter(ec::service_date.eq(date))
            .filter(ec::status.ne(CheckStatus::Failed))
            .select(ec::coverage_id)
            .load(conn)?;
        found.extend(rows);
    }
    Ok(found)
}

/// Queues the run for `date` inside the caller's write transaction: one `pending` check per
/// coverage to check (its 270 built now, so control numbers are taken once), the run row, and
/// the audit entries. A coverage no 270 can be built for is listed, not fatal.
pub fn queue_run(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    settings: &SubmitterSettings,
    channel: &Channel,
    date: NaiveDate,
    force: bool,
) -> DomainResult<(RunRow, Vec<CheckRow>)> {
    let coverages = scheduled_coverages(conn, date)?;
    let skip = if force {
        HashSet::new()
    } else {
        already_checked(conn, &coverages, date)?
    };
    let todo: Vec<CoverageId> = coverages
        .iter()
        .copied()
        .filter(|c| !skip.contains(c))
        .collect();
    if todo.len() > MAX_RUN_CHECKS {
        return Err(DomainError::invalid_field(
            "?date",
            "too_many",
            format!("at most {MAX_RUN_CHECKS} coverages per run"),
        ));
    }
    let run_id = RunId::new();
    let request = CheckRequest {
        date,
        service_types: Vec::new(),
        provider_id: None,
    };
    let (mut checks, mut not_sendable, mut audit) = (Vec::new(), Vec::new(), Vec::new());
    for coverage in todo {
        match prepare(
            conn,
            settings,
            coverage,
            &request,
            &[],
            channel.name(),
            CheckStatus::Pending,
        ) {
            Ok(row) => {
                audit.push(AuditEntry::success(
                    ctx,
                    "create",
                    RESOURCE,
                    Some(row.id.to_string()),
                ));
                checks.push(row);
            }
            // Data the 270 needs is missing (no billing provider, an identifier the X12
            // cannot carry, ...): list it for the front desk, queue the rest.
            Err(e) if e.category.is_client_error() => not_sendable.push(NotSendable {
                coverage_id: coverage,
                reason: e
                    .errors
                    .first()
                    .map_or(e.detail.clone(), |f| f.message.clone()),
            }),
            Err(e) => return Err(e),
        }
    }
    let run = RunRow {
        id: run_id,
        service_date: date,
        force,
        actor: ctx.caller.actor.clone(),
        coverages: coverages.len() as i32,
        queued: checks.len() as i32,
        already_checked: skip.len() as i32,
        not_sendable: serde_json::to_string(&not_sendable).map_err(|_| DomainError::internal())?,
        created_at: Timestamp::now(),
    };
    diesel::insert_into(er::table).values(&run).execute(conn)?;
    for row in &checks {
        store::insert_in_run(conn, row, Some(run_id))?;
    }
    audit.push(AuditEntry::success(
        ctx,
        "create",
        RUN_RESOURCE,
        Some(run_id.to_string()),
    ));
    audit_store::insert(conn, &audit)?;
    Ok((run, checks))
}

/// A run and its checks (oldest first).
pub fn load_run(
    conn: &mut AnyConnection,
    id: RunId,
) -> QueryResult<Option<(RunRow, Vec<CheckRow>)>> {
    let Some(run) = er::table
        .find(id)
        .select(RunRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let checks = ec::table
        .filter(ec::run_id.eq(id))
        .order((ec::created_at.asc(), ec::id.asc()))
        .select(CheckRow::as_select())
        .load(conn)?;
    Ok(Some((run, checks)))
}

/// What one sending step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendReport {
    /// Checks answered in real time (complete or failed).
    pub exchanged: usize,
    /// 270s written into the outbox.
    pub written: usize,
}

/// Moves `row` from `pending` to `status` if no other worker took it first.
fn take(conn: &mut AnyConnection, row: &mut CheckRow, status: CheckStatus) -> QueryResult<bool> {
    let n = diesel::update(
        ec::table
            .find(row.id)
            .filter(ec::status.eq(CheckStatus::Pending))
            .filter(ec::version.eq(row.version)),
    )
    .set((ec::status.eq(status), ec::version.eq(row.version + 1)))
    .execute(conn)?;
    if n == 1 {
        row.status = status;
        row.version += 1;
    }
    Ok(n == 1)
}

/// Sends up to `limit` pending checks, oldest first. Over http each is claimed, exchanged
/// (outside any transaction) and finished like a single check (event, audit); a failed
/// exchange is a failed check, not an error of the step. For the file queue the 270s go into
/// the outbox, one file per check (`<check id>.270`: our 271 reading matches one inquiry per
/// interchange), in the transaction that marks them `queued`.
pub fn send_pending(pool: &DbPool, channel: &Channel, limit: i64) -> Result<SendReport, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let rows: Vec<CheckRow> = ec::table
        .filter(ec::status.eq(CheckStatus::Pending))
        .order((ec::created_at.asc(), ec::id.asc()))
        .limit(limit)
        .select(CheckRow::as_select())
        .load(&mut conn)
        .map_err(|e| e.to_string())?;
    let mut report = SendReport::default();
    if rows.is_empty() {
        return Ok(report);
    }
    let ctx = RequestCtx::system(super::inbox::INBOX);
    match channel {
        Channel::FileQueue(dir) => {
            report.written = conn
                .write_transaction(|c| -> DomainResult<usize> {
                    let mut n = 0;
                    let mut audit = Vec::new();
                    for mut row in rows {
                        if !take(c, &mut row, CheckStatus::Queued)? {
                            continue;
                        }
                        // In the transaction: a 270 that cannot be written stays pending.
                        let name = format!("{}.270", row.id);
                        write_atomically(dir, &name, row.request_x12.as_bytes()).map_err(|e| {
                            DomainError::unavailable(format!(
                                "cannot write the eligibility outbox: {e}"
                            ))
                        })?;
                        let id = Some(row.id.to_string());
                        audit.push(AuditEntry::success(&ctx, "update", RESOURCE, id));
                        n += 1;
                    }
                    audit_store::insert(c, &audit)?;
                    Ok(n)
                })
                .map_err(|e| e.detail)?;
        }
        Channel::Http(transport) => {
            for mut row in rows {
                let taken = conn
                    .write_transaction(|c| take(c, &mut row, CheckStatus::Sent))
                    .map_err(|e| e.to_string())?;
                if !taken {
                    continue;
                }
                let outcome = transport.exchange(&row.id.to_string(), &row.request_x12);
                let id: CheckId = row.id;
                conn.write_transaction(|c| -> DomainResult<()> {
                    finish(c, row, outcome.map_err(|e| e.to_string()))?;
                    let entry = AuditEntry::success(&ctx, "update", RESOURCE, Some(id.to_string()));
                    audit_store::insert(c, &[entry])?;
                    Ok(())
                })
                .map_err(|e| e.detail)?;
                report.exchanged += 1;
            }
        }
    }
    Ok(report)
}
