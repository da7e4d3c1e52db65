//! The denials work queue: lines a payer denied whose balance is still open (not paid by a
//! correction, not written off, the denying posting not reversed), grouped by CARC and RARC
//! with their meaning and age, so a billing assistant can work them in bulk.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::claims::model::{ClaimId, ClaimRow};
use crate::db::schema_claims::claims as cl;
use crate::db::schema_ledger::{ledger_denials as dn, ledger_entries as le, ledger_postings as lp};
use crate::db::AnyConnection;
use crate::ledger::model::{DenialRow, EntryRow, PostingId};
use crate::ledger::store;

/// The meaning of a CARC code, in our words, from the bundled table (codesets/tables/carc.tsv);
/// a code the table lacks reads "no description bundled".
pub fn carc_meaning(code: &str) -> Option<String> {
    Some(crate::codesets::adjustment_codes::carc_or_unknown(code).to_string())
}

/// One open denied line.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeniedLine {
    /// The claim.
    pub claim_id: ClaimId,
    /// CLM01.
    pub patient_control_number: String,
    /// The line.
    pub line_number: i32,
    /// What the payer still owes on the line.
    pub open_cents: i64,
    /// The amount denied for this reason.
    pub denied_cents: i64,
    /// Days from the date of service to `as_of`.
    pub age_days: i64,
    /// RARC remarks on the line.
    pub remarks: Vec<String>,
}

/// Denied lines sharing a group and reason.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DenialGroup {
    /// CAS group (CO, OA, PI, CR).
    pub group_code: String,
    /// CARC.
    pub reason_code: String,
    /// What the reason means (null while no description is bundled).
    pub meaning: Option<String>,
    /// Every RARC seen on these lines.
    pub remarks: Vec<String>,
    /// How many lines.
    pub line_count: usize,
    /// What the payers still owe on them.
    pub open_cents: i64,
    /// The oldest line's age in days.
    pub oldest_days: i64,
    /// The lines, oldest first.
    pub lines: Vec<DeniedLine>,
}

/// Open denials as of `as_of`, grouped by CAS group and CARC, largest open amount first.
pub fn open_denials(conn: &mut AnyConnection, as_of: NaiveDate) -> QueryResult<Vec<DenialGroup>> {
    let denials: Vec<DenialRow> = dn::table.select(DenialRow::as_select()).load(conn)?;
    if denials.is_empty() {
        return Ok(Vec::new());
    }
    let reversed: BTreeSet<PostingId> = lp::table
        .filter(lp::reverses_posting_id.is_not_null())
        .select(lp::reverses_posting_id.assume_not_null())
        .load::<PostingId>(conn)?
        .into_iter()
        .collect();
    let denials: Vec<DenialRow> = denials
        .into_iter()
        .filter(|d| !reversed.contains(&d.posting_id))
        .collect();
    let ids: Vec<ClaimId> = denials
        .iter()
        .map(|d| d.claim_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut claims: HashMap<ClaimId, ClaimRow> = HashMap::new();
    let mut entries: HashMap<ClaimId, Vec<EntryRow>> = HashMap::new();
    // Chunks keep the IN lists under SQLite's bound-parameter limit.
    for chunk in ids.chunks(500) {
        for c in cl::table
            .filter(cl::id.eq_any(chunk))
            .select(ClaimRow::as_select())
            .load(conn)?
        {
            claims.insert(c.id, c);
        }
        for e in le::table
            .filter(le::claim_id.eq_any(chunk))
            .select(EntryRow::as_select())
            .load(conn)?
        {
            entries.entry(e.claim_id).or_default().push(e);
        }
    }
    let mut open: HashMap<(ClaimId, i32), i64> = HashMap::new();
    for (id, rows) in &entries {
        for b in store::fold(rows) {
            open.insert((*id, b.line_number), b.open.payer_cents);
        }
    }
    let mut groups: BTreeMap<(String, String), DenialGroup> = BTreeMap::new();
    for d in denials {
        let open_cents = open.get(&(d.claim_id, d.line_number)).copied().unwrap_or(0);
        let Some(claim) = claims.get(&d.claim_id) else {
            continue;
        };
        if open_cents <= 0 {
            continue;
        }
        let remarks: Vec<String> = d
            .remark_codes
            .as_deref()
            .map(|r| r.split(',').map(str::to_string).collect())
            .unwrap_or_default();
        let g = groups
            .entry((d.group_code.clone(), d.reason_code.clone()))
            .or_insert_with(|| DenialGroup {
                meaning: carc_meaning(&d.reason_code),
                group_code: d.group_code.clone(),
                reason_code: d.reason_code.clone(),
                remarks: Vec::new(),
                line_count: 0,
                open_cents: 0,
                oldest_days: 0,
                lines: Vec::new(),
            });
        let age = (as_of - claim.date_of_service).num_days();
        for r in &remarks {
            if !g.remarks.contains(r) {
                g.remarks.push(r.clone());
            }
        }
        g.line_count += 1;
        g.open_cents += open_cents;
        g.oldest_days = g.oldest_days.max(age);
        g.lines.push(DeniedLine {
            claim_id: d.claim_id,
            patient_control_number: claim.patient_control_number.clone(),
            line_number: d.line_number,
            open_cents,
            denied_cents: d.amount_cents,
            age_days: age,
            remarks,
        });
    }
    let mut out: Vec<DenialGroup> = groups.into_values().collect();
    for g in &mut out {
        g.lines.sort_by_key(|l| std::cmp::Reverse(l.age_days));
    }
    out.sort_by_key(|g| std::cmp::Reverse(g.open_cents));
    Ok(out)
}
