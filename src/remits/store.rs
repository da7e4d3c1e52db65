//! Remittance queries: payments as received and the unmatched queue.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::status::{RemittanceStatus, UnmatchedStatus};
use crate::claims::model::ClaimId;
use crate::db::schema_remittances::{remittance_unmatched as um, remittances as rm};
use crate::db::types::Timestamp;
use crate::db::AnyConnection;

crate::typed_id!(
    /// Id of a stored remittance (one 835 payment).
    RemittanceId
);
crate::typed_id!(
    /// Id of an unmatched claim payment.
    UnmatchedId
);

/// A stored remittance row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = rm)]
pub struct RemittanceRow {
    /// Id.
    pub id: RemittanceId,
    /// The name the file came with.
    pub file_name: String,
    /// ISA06.
    pub sender_id: String,
    /// ISA13.
    pub interchange_control_number: String,
    /// ST02.
    pub transaction_control_number: String,
    /// TRN02.
    pub trace_number: String,
    /// N1*PR N102.
    pub payer_name: String,
    /// N1*PR N104 or REF*2U.
    pub payer_identifier: Option<String>,
    /// BPR02 in cents.
    pub payment_cents: i64,
    /// BPR03.
    pub credit_debit: String,
    /// BPR04.
    pub payment_method: String,
    /// BPR16.
    pub payment_date: Option<NaiveDate>,
    /// posted, out_of_balance, partially_unmatched, unmatched.
    pub status: RemittanceStatus,
    /// The balance check held.
    pub balanced: bool,
    /// CLPs in the payment.
    pub claims_total: i32,
    /// CLPs posted (or found posted before).
    pub claims_posted: i32,
    /// CLPs in the unmatched queue.
    pub claims_unmatched: i32,
    /// JSON x12::era::Payment.
    pub parsed: String,
    /// JSON BalanceCheck.
    pub balance: String,
    /// JSON list of warnings.
    pub warnings: String,
    /// JSON list of posting outcomes.
    pub postings: String,
    /// The 835 as received.
    pub raw: String,
    /// Who imported it.
    pub received_by: String,
    /// When.
    pub received_at: Timestamp,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// An unmatched queue row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = um)]
pub struct UnmatchedRow {
    /// Id.
    pub id: UnmatchedId,
    /// The payment it came in.
    pub remittance_id: RemittanceId,
    /// 0-based CLP position in the payment.
    pub claim_index: i32,
    /// CLP01.
    pub patient_control_number: String,
    /// unknown_claim, unmatched_lines or posting_refused.
    pub reason: String,
    /// The claim CLP01 named, when it exists.
    pub candidate_claim_id: Option<ClaimId>,
    /// JSON x12::era::ClaimPayment.
    pub claim_payment: String,
    /// open or matched.
    pub status: UnmatchedStatus,
    /// The claim attached by hand.
    pub matched_claim_id: Option<ClaimId>,
    /// Who attached it.
    pub matched_by: Option<String>,
    /// When.
    pub matched_at: Option<Timestamp>,
    /// When queued.
    pub created_at: Timestamp,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// The stored payment with this identity, if any.
pub fn find_payment(
    conn: &mut AnyConnection,
    sender: &str,
    interchange: &str,
    transaction: &str,
    trace: &str,
) -> QueryResult<Option<RemittanceRow>> {
    rm::table
        .filter(rm::sender_id.eq(sender))
        .filter(rm::interchange_control_number.eq(interchange))
        .filter(rm::transaction_control_number.eq(transaction))
        .filter(rm::trace_number.eq(trace))
        .select(RemittanceRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts a remittance.
pub fn insert(conn: &mut AnyConnection, row: &RemittanceRow) -> QueryResult<()> {
    diesel::insert_into(rm::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Writes the outcome columns of a remittance after posting.
pub fn finish(conn: &mut AnyConnection, row: &RemittanceRow) -> QueryResult<()> {
    diesel::update(rm::table.find(row.id))
        .set((
            rm::status.eq(row.status),
            rm::claims_posted.eq(row.claims_posted),
            rm::claims_unmatched.eq(row.claims_unmatched),
            rm::warnings.eq(&row.warnings),
            rm::postings.eq(&row.postings),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A remittance by id.
pub fn find(conn: &mut AnyConnection, id: RemittanceId) -> QueryResult<Option<RemittanceRow>> {
    rm::table
        .find(id)
        .select(RemittanceRow::as_select())
        .first(conn)
        .optional()
}

/// A page of remittances, newest first (ids are time-ordered), optionally of one status;
/// `after` is the last id of the previous page.
pub fn list(
    conn: &mut AnyConnection,
    status: Option<RemittanceStatus>,
    after: Option<RemittanceId>,
    limit: i64,
) -> QueryResult<Vec<RemittanceRow>> {
    let mut q = rm::table
        .select(RemittanceRow::as_select())
        .order(rm::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(rm::status.eq(s));
    }
    if let Some(id) = after {
        q = q.filter(rm::id.lt(id));
    }
    q.load(conn)
}

/// Queues unmatched claim payments.
pub fn insert_unmatched(conn: &mut AnyConnection, rows: &[UnmatchedRow]) -> QueryResult<()> {
    // 13 columns x 50 rows stays well under SQLite's bound-parameter limit.
    for chunk in rows.chunks(50) {
        let insert = diesel::insert_into(um::table).values(chunk);
        match conn {
            AnyConnection::Sqlite(c) => insert.execute(c)?,
            AnyConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// An unmatched item by id.
pub fn find_unmatched(
    conn: &mut AnyConnection,
    id: UnmatchedId,
) -> QueryResult<Option<UnmatchedRow>> {
    um::table
        .find(id)
        .select(UnmatchedRow::as_select())
        .first(conn)
        .optional()
}

/// The open unmatched items, oldest first (at most `limit`).
pub fn list_open_unmatched(conn: &mut AnyConnection, limit: i64) -> QueryResult<Vec<UnmatchedRow>> {
    um::table
        .filter(um::status.eq(UnmatchedStatus::Open))
        .order((um::created_at.asc(), um::id.asc()))
        .limit(limit)
        .select(UnmatchedRow::as_select())
        .load(conn)
}

/// The unmatched queue items of one remittance (open or matched), by CLP position.
pub fn unmatched_of(conn: &mut AnyConnection, id: RemittanceId) -> QueryResult<Vec<UnmatchedRow>> {
    um::table
        .filter(um::remittance_id.eq(id))
        .order(um::claim_index.asc())
        .select(UnmatchedRow::as_select())
        .load(conn)
}

/// Marks an open item matched (false when it was not open at `version` any more).
pub fn mark_matched(
    conn: &mut AnyConnection,
    id: UnmatchedId,
    version: i32,
    claim: ClaimId,
    actor: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        um::table
            .find(id)
            .filter(um::status.eq(UnmatchedStatus::Open))
            .filter(um::version.eq(version)),
    )
    .set((
        um::status.eq(UnmatchedStatus::Matched),
        um::matched_claim_id.eq(Some(claim)),
        um::matched_by.eq(Some(actor)),
        um::matched_at.eq(Some(Timestamp::now())),
        um::version.eq(version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Counts a hand match on its remittance (one fewer unmatched, one more posted; the status
/// becomes posted when nothing is left unmatched).
pub fn count_hand_match(conn: &mut AnyConnection, id: RemittanceId) -> QueryResult<()> {
    let Some(row) = find(conn, id)? else {
        return Ok(());
    };
    let unmatched = (row.claims_unmatched - 1).max(0);
    let status = if unmatched == 0 && row.balanced {
        RemittanceStatus::Posted
    } else {
        row.status
    };
    diesel::update(rm::table.find(id))
        .set((
            rm::claims_unmatched.eq(unmatched),
            rm::claims_posted.eq(row.claims_posted + 1),
            rm::status.eq(status),
            rm::version.eq(row.version + 1),
        ))
        .execute(conn)
        .map(|_| ())
}
