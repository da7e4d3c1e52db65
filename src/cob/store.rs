//! COB queries: the links between claims, and the batch loaders and multi-row writers of
//! [`super::batch`].

use diesel::prelude::*;

use super::model::CobLink;
use crate::claims::frequency::Frequency;
use crate::claims::model::{ClaimId, ClaimRow};
use crate::claims::status::Status as ClaimStatus;
use crate::coverages::model::Coverage;
use crate::db::schema::{coverages as cv, payers as py};
use crate::db::schema_claims::claims as cl;
use crate::db::schema_cob::claim_cob as cc;
use crate::db::schema_ledger::{ledger_denials as dn, ledger_entries as le, ledger_postings as lp};
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::ledger::model::{DenialRow, EntryRow, PostingRow, RemittanceRef};
use crate::patients::model::PatientId;
use crate::payers::model::{Payer, PayerId};

/// Inserts a link.
pub fn insert(conn: &mut AnyConnection, link: &CobLink) -> QueryResult<()> {
    diesel::insert_into(cc::table)
        .values(link)
        .execute(conn)
        .map(|_| ())
}

/// The link of a claim billed to a next payer (none for a first claim).
pub fn of_claim(conn: &mut AnyConnection, claim: ClaimId) -> QueryResult<Option<CobLink>> {
    cc::table
        .find(claim)
        .select(CobLink::as_select())
        .first(conn)
        .optional()
}

/// The claim that followed `prior` to the next payer, if any.
pub fn next_of(conn: &mut AnyConnection, prior: ClaimId) -> QueryResult<Option<CobLink>> {
    cc::table
        .filter(cc::prior_claim_id.eq(prior))
        .select(CobLink::as_select())
        .first(conn)
        .optional()
}

/// Ids read per statement by the batch loaders (bound parameters stay far under both
/// backends' limits).
pub const CHUNK: usize = 500;

/// The claims `ids` (one chunk), locked in id order on PostgreSQL for the rest of the
/// transaction (SQLite's BEGIN IMMEDIATE already holds the only write lock).
pub fn claims_locked(conn: &mut AnyConnection, ids: &[ClaimId]) -> QueryResult<Vec<ClaimRow>> {
    match conn {
        AnyConnection::Postgres(c) => cl::table
            .filter(cl::id.eq_any(ids))
            .order(cl::id.asc())
            .select(ClaimRow::as_select())
            .for_update()
            .load(c),
        AnyConnection::Sqlite(c) => cl::table
            .filter(cl::id.eq_any(ids))
            .order(cl::id.asc())
            .select(ClaimRow::as_select())
            .load(c),
    }
}

/// The links of `ids` as claims billed to a next payer, and the links of the claims that
/// followed any of `ids` (one statement).
pub fn links_around(conn: &mut AnyConnection, ids: &[ClaimId]) -> QueryResult<Vec<CobLink>> {
    cc::table
        .filter(cc::claim_id.eq_any(ids).or(cc::prior_claim_id.eq_any(ids)))
        .select(CobLink::as_select())
        .load(conn)
}

/// The postings of `ids`, oldest first.
pub fn postings_of(conn: &mut AnyConnection, ids: &[ClaimId]) -> QueryResult<Vec<PostingRow>> {
    lp::table
        .filter(lp::claim_id.eq_any(ids))
        .order(lp::id.asc())
        .select(PostingRow::as_select())
        .load(conn)
}

/// The ledger entries of `ids`, oldest first.
pub fn entries_of(conn: &mut AnyConnection, ids: &[ClaimId]) -> QueryResult<Vec<EntryRow>> {
    le::table
        .filter(le::claim_id.eq_any(ids))
        .order(le::id.asc())
        .select(EntryRow::as_select())
        .load(conn)
}

/// The denial reasons of `ids`.
pub fn denials_of(conn: &mut AnyConnection, ids: &[ClaimId]) -> QueryResult<Vec<DenialRow>> {
    dn::table
        .filter(dn::claim_id.eq_any(ids))
        .select(DenialRow::as_select())
        .load(conn)
}

/// The active coverages of `patients` at a priority after primary, in id (creation) order;
/// dates are checked by the caller per claim.
pub fn next_coverages(
    conn: &mut AnyConnection,
    patients: &[PatientId],
) -> QueryResult<Vec<Coverage>> {
    cv::table
        .filter(cv::patient_id.eq_any(patients))
        .filter(cv::active.eq(true))
        .filter(cv::priority.ne("primary"))
        .order(cv::id.asc())
        .select(Coverage::as_select())
        .load(conn)
}

/// The payers `ids`.
pub fn payers(conn: &mut AnyConnection, ids: &[PayerId]) -> QueryResult<Vec<Payer>> {
    py::table
        .filter(py::id.eq_any(ids))
        .select(Payer::as_select())
        .load(conn)
}

/// A claim row as a multi-row insert writes it: `None` is NULL (no column has a default), so
/// SQLite takes many rows in one statement (with defaultable values diesel writes one row per
/// statement there).
#[derive(Insertable)]
#[diesel(table_name = crate::db::schema_claims::claims)]
#[diesel(treat_none_as_default_value = false)]
struct NewClaim<'a> {
    id: ClaimId,
    encounter_id: crate::encounters::model::EncounterId,
    patient_id: PatientId,
    coverage_id: crate::coverages::model::CoverageId,
    payer_id: PayerId,
    date_of_service: chrono::NaiveDate,
    status: ClaimStatus,
    frequency: Frequency,
    patient_control_number: &'a str,
    payer_claim_number: Option<&'a str>,
    replaces_claim_id: Option<ClaimId>,
    total_charge_cents: i64,
    snapshot: &'a str,
    submitted_at: Option<Timestamp>,
    interchange_id: Option<crate::claims::model::InterchangeId>,
    version: i32,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl<'a> From<&'a ClaimRow> for NewClaim<'a> {
    fn from(r: &'a ClaimRow) -> Self {
        NewClaim {
            id: r.id,
            encounter_id: r.encounter_id,
            patient_id: r.patient_id,
            coverage_id: r.coverage_id,
            payer_id: r.payer_id,
            date_of_service: r.date_of_service,
            status: r.status,
            frequency: r.frequency,
            patient_control_number: &r.patient_control_number,
            payer_claim_number: r.payer_claim_number.as_deref(),
            replaces_claim_id: r.replaces_claim_id,
            total_charge_cents: r.total_charge_cents,
            snapshot: &r.snapshot,
            submitted_at: r.submitted_at,
            interchange_id: r.interchange_id,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Inserts claim rows, many per statement.
pub fn insert_claims(conn: &mut AnyConnection, rows: &[ClaimRow]) -> QueryResult<()> {
    // 18 columns x 200 rows: 3,600 parameters.
    for chunk in rows.chunks(200) {
        let values: Vec<NewClaim<'_>> = chunk.iter().map(NewClaim::from).collect();
        let insert = diesel::insert_into(cl::table).values(values);
        match conn {
            AnyConnection::Sqlite(c) => insert.execute(c)?,
            AnyConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// Inserts links, many per statement.
pub fn insert_links(conn: &mut AnyConnection, links: &[CobLink]) -> QueryResult<()> {
    for chunk in links.chunks(500) {
        let insert = diesel::insert_into(cc::table).values(chunk);
        match conn {
            AnyConnection::Sqlite(c) => insert.execute(c)?,
            AnyConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// Moves the claims `ids` from status `from` to `to`, bumping each version; answers how many
/// were still in `from`.
pub fn set_statuses(
    conn: &mut AnyConnection,
    ids: &[ClaimId],
    from: ClaimStatus,
    to: ClaimStatus,
) -> QueryResult<usize> {
    let now = Timestamp::now();
    let mut n = 0;
    for chunk in ids.chunks(CHUNK) {
        n += diesel::update(
            cl::table
                .filter(cl::id.eq_any(chunk))
                .filter(cl::status.eq(from)),
        )
        .set((
            cl::status.eq(to),
            cl::version.eq(cl::version + 1),
            cl::updated_at.eq(now),
        ))
        .execute(conn)?;
    }
    Ok(n)
}

/// The stored remittances `ids`: (id, parsed payment JSON, postings JSON).
pub fn remittances(
    conn: &mut AnyConnection,
    ids: &[RemittanceRef],
) -> QueryResult<Vec<(RemittanceRef, String, String)>> {
    use crate::db::schema_remittances::remittances as rm;
    rm::table
        .filter(rm::id.eq_any(ids))
        .select((rm::id, rm::parsed, rm::postings))
        .load(conn)
}
