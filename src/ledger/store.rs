//! Ledger queries: append postings, entries and denials; sum balances per line. Nothing here
//! updates or deletes (the tables refuse it).

use diesel::prelude::*;

use super::model::{
    DenialRow, EntryId, EntryRow, Kind, LineBalance, PlannedEntry, PostingId, PostingRow,
};
use crate::claims::model::ClaimId;
use crate::db::schema_ledger::{ledger_denials as dn, ledger_entries as le, ledger_postings as lp};
use crate::db::AnyConnection;

/// Inserts postings (in chunks, as one statement each: a payment posts many claims).
pub fn insert_postings(conn: &mut AnyConnection, rows: &[PostingRow]) -> QueryResult<()> {
    // 13 columns x 500 rows: 6,500 parameters, under SQLite's 32,766 and PostgreSQL's 65,535.
    for chunk in rows.chunks(500) {
        let insert = diesel::insert_into(lp::table).values(chunk);
        match conn {
            AnyConnection::Sqlite(c) => insert.execute(c)?,
            AnyConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// Inserts entries (in chunks, as one statement each: posting writes many).
pub fn insert_entries(conn: &mut AnyConnection, rows: &[EntryRow]) -> QueryResult<()> {
    // 18 columns x 500 rows: 9,000 parameters, under SQLite's 32,766 (the bundled SQLite's
    // limit) and PostgreSQL's 65,535. Fewer, larger statements: a payment writes tens of
    // thousands of entries.
    for chunk in rows.chunks(500) {
        let insert = diesel::insert_into(le::table).values(chunk);
        match conn {
            AnyConnection::Sqlite(c) => insert.execute(c)?,
            AnyConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// Inserts denial reasons.
pub fn insert_denials(conn: &mut AnyConnection, rows: &[DenialRow]) -> QueryResult<()> {
    for chunk in rows.chunks(100) {
        let insert = diesel::insert_into(dn::table).values(chunk);
        match conn {
            AnyConnection::Sqlite(c) => insert.execute(c)?,
            AnyConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// Every entry of a claim, oldest first.
pub fn entries(conn: &mut AnyConnection, claim: ClaimId) -> QueryResult<Vec<EntryRow>> {
    le::table
        .filter(le::claim_id.eq(claim))
        .order(le::id.asc())
        .select(EntryRow::as_select())
        .load(conn)
}

/// The entries of a posting.
pub fn posting_entries(conn: &mut AnyConnection, posting: PostingId) -> QueryResult<Vec<EntryRow>> {
    le::table
        .filter(le::posting_id.eq(posting))
        .order(le::id.asc())
        .select(EntryRow::as_select())
        .load(conn)
}

/// A claim's postings, oldest first.
pub fn postings(conn: &mut AnyConnection, claim: ClaimId) -> QueryResult<Vec<PostingRow>> {
    lp::table
        .filter(lp::claim_id.eq(claim))
        .order(lp::id.asc())
        .select(PostingRow::as_select())
        .load(conn)
}

/// The denial reasons recorded on a claim.
pub fn denials(conn: &mut AnyConnection, claim: ClaimId) -> QueryResult<Vec<DenialRow>> {
    dn::table
        .filter(dn::claim_id.eq(claim))
        .select(DenialRow::as_select())
        .load(conn)
}

/// Sums entries into per-line balances, in line order.
pub fn fold(rows: &[EntryRow]) -> Vec<LineBalance> {
    let mut lines: std::collections::BTreeMap<i32, LineBalance> = Default::default();
    for r in rows {
        let b = lines.entry(r.line_number).or_insert_with(|| LineBalance {
            line_number: r.line_number,
            ..LineBalance::default()
        });
        // The stored bucket effects are the balance; the kind only says how the line's total
        // splits into charged and settled (an unknown kind would break the invariant check).
        if let Some(kind) = Kind::parse(&r.kind) {
            b.charge_cents += kind.charged(r.amount_cents);
            b.settled_cents += kind.settled(r.amount_cents);
        }
        b.open.add(&r.effect());
    }
    lines.into_values().collect()
}

/// A claim's line balances summed from the ledger.
pub fn line_balances(conn: &mut AnyConnection, claim: ClaimId) -> QueryResult<Vec<LineBalance>> {
    Ok(fold(&entries(conn, claim)?))
}

/// Locks a claim's row for the rest of the transaction, so postings to one claim run one at
/// a time (PostgreSQL; SQLite write transactions are already serialised by BEGIN IMMEDIATE).
pub fn lock_claim(conn: &mut AnyConnection, claim: ClaimId) -> QueryResult<()> {
    if let AnyConnection::Postgres(c) = conn {
        diesel::sql_query("SELECT id FROM claims WHERE id = $1 FOR UPDATE")
            .bind::<crate::db::types::PortableUuid, _>(claim)
            .execute(c)?;
    }
    Ok(())
}

/// A stored entry row for `e` on `claim`.
pub fn row_of(
    claim: ClaimId,
    posting: Option<PostingId>,
    payer: Option<crate::payers::model::PayerId>,
    e: &PlannedEntry,
    note: Option<String>,
    at: crate::db::types::Timestamp,
    by: &str,
) -> EntryRow {
    EntryRow {
        id: EntryId::new(),
        claim_id: claim,
        line_number: e.line_number,
        posting_id: posting,
        kind: e.kind.as_str().to_string(),
        amount_cents: e.amount_cents,
        payer_cents: e.effect.payer_cents,
        patient_cents: e.effect.patient_cents,
        next_payer_cents: e.effect.next_payer_cents,
        payer_id: payer,
        group_code: e.group_code.clone(),
        reason_code: e.reason_code.clone(),
        remark_codes: Some(e.remarks.join(",")).filter(|r| !r.is_empty()),
        matched_by: e.matched_by.map(|m| m.as_str().to_string()),
        note,
        reverses_entry_id: e.reverses,
        created_at: at,
        created_by: by.to_string(),
    }
}

/// The planned form of a stored entry (to reverse it).
pub fn planned_of(r: &EntryRow) -> PlannedEntry {
    let mut e = PlannedEntry::new(
        r.line_number,
        Kind::parse(&r.kind).unwrap_or(Kind::Charge),
        r.amount_cents,
        r.effect(),
    );
    e.group_code = r.group_code.clone();
    e.reason_code = r.reason_code.clone();
    e.remarks = r
        .remark_codes
        .as_deref()
        .map(|s| s.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    e
}
