//! Eligibility check queries.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{CheckId, CheckRow, CheckStatus};
use crate::coverages::model::CoverageId;
use crate::db::schema_eligibility::eligibility_checks as ec;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;

/// Inserts a new check.
pub fn insert(conn: &mut AnyConnection, r: &CheckRow) -> QueryResult<()> {
    insert_in_run(conn, r, None)
}

/// Inserts a new check queued by batch run `run` (none: a single check).
pub fn insert_in_run(
    conn: &mut AnyConnection,
    r: &CheckRow,
    run: Option<super::run_model::RunId>,
) -> QueryResult<()> {
    diesel::insert_into(ec::table)
        .values((
            ec::id.eq(r.id),
            ec::coverage_id.eq(r.coverage_id),
            ec::patient_id.eq(r.patient_id),
            ec::provider_id.eq(r.provider_id),
            ec::service_date.eq(r.service_date),
            ec::service_types.eq(&r.service_types),
            ec::status.eq(r.status),
            ec::channel.eq(&r.channel),
            ec::trace_number.eq(&r.trace_number),
            ec::request_x12.eq(&r.request_x12),
            ec::version.eq(r.version),
            ec::created_at.eq(r.created_at),
            ec::run_id.eq(run),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Finds a check by id.
pub fn find(conn: &mut AnyConnection, id: CheckId) -> QueryResult<Option<CheckRow>> {
    ec::table
        .find(id)
        .select(CheckRow::as_select())
        .first(conn)
        .optional()
}

/// Finds the check whose 270 carried `trace` (TRN02).
pub fn find_by_trace(conn: &mut AnyConnection, trace: &str) -> QueryResult<Option<CheckRow>> {
    ec::table
        .filter(ec::trace_number.eq(trace))
        .select(CheckRow::as_select())
        .first(conn)
        .optional()
}

/// The checks of a coverage, newest first (at most `limit`).
pub fn list(
    conn: &mut AnyConnection,
    coverage: CoverageId,
    limit: i64,
) -> QueryResult<Vec<CheckRow>> {
    ec::table
        .filter(ec::coverage_id.eq(coverage))
        .order((ec::created_at.desc(), ec::id.desc()))
        .limit(limit)
        .select(CheckRow::as_select())
        .load(conn)
}

/// The latest completed check of `coverage` for `date` (what the scrubber and the encounter
/// go by).
pub fn latest(
    conn: &mut AnyConnection,
    coverage: CoverageId,
    date: NaiveDate,
) -> QueryResult<Option<CheckRow>> {
    // The first of a coverage's few checks for the date, without `LIMIT ?` and on the
    // backend's own connection (`db::first_row`): the scrubber runs this on every validate.
    crate::on_backend!(conn, c => crate::db::first_row(
        ec::table
            .filter(ec::coverage_id.eq(coverage))
            .filter(ec::service_date.eq(date))
            .filter(ec::status.eq(CheckStatus::Complete))
            .order((ec::completed_at.desc(), ec::id.desc()))
            .select(CheckRow::as_select()),
        c
    ))
}

/// Writes the outcome of a check (status, 271, summary, error) and bumps its version.
pub fn finish(conn: &mut AnyConnection, r: &CheckRow) -> QueryResult<bool> {
    let n = diesel::update(ec::table.find(r.id).filter(ec::version.eq(r.version - 1)))
        .set((
            ec::status.eq(r.status),
            ec::response_x12.eq(&r.response_x12),
            ec::result.eq(&r.result),
            ec::summary.eq(&r.summary),
            ec::active.eq(r.active),
            ec::error.eq(&r.error),
            ec::correction.eq(&r.correction),
            ec::correction_applied_at.eq(r.correction_applied_at),
            ec::version.eq(r.version),
            ec::completed_at.eq(r.completed_at),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Marks the correction of check `id` applied.
pub fn mark_applied(conn: &mut AnyConnection, id: CheckId, at: Timestamp) -> QueryResult<()> {
    diesel::update(ec::table.find(id))
        .set((
            ec::correction_applied_at.eq(Some(at)),
            ec::version.eq(ec::version + 1),
        ))
        .execute(conn)
        .map(|_| ())
}
