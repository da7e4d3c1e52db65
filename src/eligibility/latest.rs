//! The latest check as the encounter and the scrubber see it: the one for the encounter's
//! coverage and date of service.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::store;
use super::summary::Summary;
use crate::coverages::model::CoverageId;
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

/// The scrubber's view of the latest completed check of `coverage` on `date`.
pub fn for_scrub(
    conn: &mut AnyConnection,
    coverage: CoverageId,
    date: NaiveDate,
) -> QueryResult<Option<LatestCheck>> {
    Ok(store::latest(conn, coverage, date)?.map(|row| {
        let rejections = row
            .summary
            .as_deref()
            .and_then(|s| serde_json::from_str::<Summary>(s).ok())
            .map(|s| s.rejections)
            .unwrap_or_default();
        LatestCheck {
            service_date: row.service_date,
            active: row.active,
            rejections,
        }
    }))
}
