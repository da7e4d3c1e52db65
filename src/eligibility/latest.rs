//! The latest check as the encounter and the scrubber see it: the one for the encounter's
//! coverage and date of service.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::CheckStatus;
use super::store;
use super::summary::Summary;
use crate::coverages::model::CoverageId;
use crate::db::schema_eligibility::eligibility_checks as ec;
use crate::db::schema_encounters::encounters as en;
use crate::db::AnyConnection;
use crate::encounters::model::EncounterId;
use crate::scrub::eligibility::LatestCheck;

/// The coverage (if any) and date of service of an encounter; `None` when no such encounter.
pub fn encounter_coverage(
    conn: &mut AnyConnection,
    id: EncounterId,
) -> QueryResult<Option<(Option<CoverageId>, NaiveDate)>> {
    en::table
        .find(id)
        .select((en::coverage_id, en::date_of_service))
        .first(conn)
        .optional()
}

/// [`for_scrub`] for each of `coverages` on each of `dates` at once (a claim batch's chunk,
/// at most 500 of each): one statement, reading only what the scrubber uses (not the 270/271
/// texts).
pub fn for_scrub_many(
    conn: &mut AnyConnection,
    coverages: &[CoverageId],
    dates: &[NaiveDate],
) -> QueryResult<HashMap<(CoverageId, NaiveDate), LatestCheck>> {
    let mut found = HashMap::new();
    for chunk in coverages.chunks(500) {
        let rows: Vec<(CoverageId, NaiveDate, Option<bool>, Option<String>)> = ec::table
            .filter(ec::coverage_id.eq_any(chunk))
            .filter(ec::service_date.eq_any(dates))
            .filter(ec::status.eq(CheckStatus::Complete))
            .order((ec::completed_at.desc(), ec::id.desc()))
            .select((ec::coverage_id, ec::service_date, ec::active, ec::summary))
            .load(conn)?;
        // Newest first, as `store::latest` orders: the first row of a (coverage, date) wins.
        for (coverage, date, active, summary) in rows {
            found
                .entry((coverage, date))
                .or_insert_with(|| latest_check(date, active, summary.as_deref()));
        }
    }
    Ok(found)
}

fn latest_check(
    service_date: NaiveDate,
    active: Option<bool>,
    summary: Option<&str>,
) -> LatestCheck {
    let rejections = summary
        .and_then(|s| serde_json::from_str::<Summary>(s).ok())
        .map(|s| s.rejections)
        .unwrap_or_default();
    LatestCheck {
        service_date,
        active,
        rejections,
    }
}

/// The scrubber's view of the latest completed check of `coverage` on `date`.
pub fn for_scrub(
    conn: &mut AnyConnection,
    coverage: CoverageId,
    date: NaiveDate,
) -> QueryResult<Option<LatestCheck>> {
    Ok(store::latest(conn, coverage, date)?
        .map(|row| latest_check(row.service_date, row.active, row.summary.as_deref())))
}
