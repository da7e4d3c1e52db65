//! Posting many claims in one transaction with few statements: the claims, their postings and
//! their ledger entries are read once (in chunks, the claim rows locked on PostgreSQL), each
//! adjudication is checked and planned in memory against that state, and what it writes is
//! collected and stored at [`PostingBatch::flush`] as multi-row inserts plus one claim update
//! statement per 500 claims touched (`claim_updates`). One claim posted per statement round trip was what made a 10,000-claim
//! payment slow, above all on PostgreSQL (docs/performance.md).
//!
//! A refused posting stages nothing, so callers need no savepoint per claim: the claims before
//! and after it still post. A claim posted twice in one batch (a reversal followed by its
//! correction) sees its own earlier posting, as it would one statement at a time.

use std::collections::HashMap;

use diesel::prelude::*;

use super::adjudication::{ClaimAdjudication, REVERSAL};
use super::claim_updates::{self, ClaimUpdate};
use super::post;
use super::posting_service::{invalid, next_status, PostingOutcome, RESOURCE};
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::RequestCtx;
use crate::claims::frequency::Frequency;
use crate::claims::model::{ClaimEvent, ClaimId, ClaimRow};
use crate::claims::status;
use crate::claims::store as claim_store;
use crate::db::schema_claims::claims as cl;
use crate::db::schema_ledger::{ledger_entries as le, ledger_postings as lp};
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};
use crate::ledger::model::{DenialRow, EntryId, EntryRow, PlannedEntry, PostingId, PostingRow};
use crate::ledger::{replacement, store};

/// Claims read per statement (bound parameters stay far under both backends' limits).
const CHUNK: usize = 500;

/// One claim as the batch knows it: the stored row with the status and version it will have,
/// and every posting and entry, the staged ones included.
struct ClaimState {
    claim: ClaimRow,
    /// The version read; the final update checks it is still the stored one.
    loaded_version: i32,
    postings: Vec<PostingRow>,
    entries: Vec<EntryRow>,
    /// A next payer's claim (secondary, tertiary): the earlier payers' share is on the earlier
    /// claim, so its remittance is prepared by `cob::posting` first.
    next_payer: bool,
    /// The claim that replaces or voids this one, with the closure reason: what a posting
    /// reopens here is closed again (ledger::replacement).
    superseded_by: Option<(ClaimId, &'static str)>,
}

/// Postings of many claims, checked in memory and written together at [`flush`](Self::flush).
#[derive(Default)]
pub struct PostingBatch {
    claims: HashMap<ClaimId, ClaimState>,
    /// Claims whose row must be updated, in the order they were first posted.
    touched: Vec<ClaimId>,
    postings: Vec<PostingRow>,
    entries: Vec<EntryRow>,
    denials: Vec<DenialRow>,
    events: Vec<ClaimEvent>,
    audit: Vec<AuditEntry>,
}

impl PostingBatch {
    /// Reads `ids` (unknown ids are left out: posting to them answers 404) with their postings
    /// and entries. On PostgreSQL the claim rows are locked in id order for the rest of the
    /// transaction, so a concurrent manual posting waits and then sees this batch's money.
    pub fn load(conn: &mut AnyConnection, ids: &[ClaimId]) -> QueryResult<Self> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut claims: HashMap<ClaimId, ClaimState> = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let rows: Vec<ClaimRow> = match conn {
                AnyConnection::Postgres(c) => cl::table
                    .filter(cl::id.eq_any(chunk))
                    .order(cl::id.asc())
                    .select(ClaimRow::as_select())
                    .for_update()
                    .load(c)?,
                // BEGIN IMMEDIATE already holds the only write lock.
                AnyConnection::Sqlite(c) => cl::table
                    .filter(cl::id.eq_any(chunk))
                    .order(cl::id.asc())
                    .select(ClaimRow::as_select())
                    .load(c)?,
            };
            for claim in rows {
                let state = ClaimState {
                    loaded_version: claim.version,
                    claim,
                    postings: Vec::new(),
                    entries: Vec::new(),
                    next_payer: false,
                    superseded_by: None,
                };
                claims.insert(state.claim.id, state);
            }
            let followers: Vec<ClaimId> = crate::db::schema_cob::claim_cob::table
                .filter(crate::db::schema_cob::claim_cob::claim_id.eq_any(chunk))
                .select(crate::db::schema_cob::claim_cob::claim_id)
                .load(conn)?;
            for id in followers {
                if let Some(s) = claims.get_mut(&id) {
                    s.next_payer = true;
                }
            }
            let superseding: Vec<(Option<ClaimId>, ClaimId, Frequency)> = cl::table
                .filter(cl::replaces_claim_id.eq_any(chunk))
                .filter(cl::status.ne(status::Status::Superseded))
                .select((cl::replaces_claim_id, cl::id, cl::frequency))
                .load(conn)?;
            for (orig, by, frequency) in superseding {
                if let Some(s) = orig.and_then(|o| claims.get_mut(&o)) {
                    s.superseded_by = Some((by, replacement::reason_for(frequency)));
                }
            }
            let postings: Vec<PostingRow> = lp::table
                .filter(lp::claim_id.eq_any(chunk))
                .order(lp::id.asc())
                .select(PostingRow::as_select())
                .load(conn)?;
            for p in postings {
                if let Some(s) = claims.get_mut(&p.claim_id) {
                    s.postings.push(p);
                }
            }
            let entries: Vec<EntryRow> = le::table
                .filter(le::claim_id.eq_any(chunk))
                .order(le::id.asc())
                .select(EntryRow::as_select())
                .load(conn)?;
            for e in entries {
                if let Some(s) = claims.get_mut(&e.claim_id) {
                    s.entries.push(e);
                }
            }
        }
        Ok(PostingBatch {
            claims,
            ..PostingBatch::default()
        })
    }

    /// Checks and plans `adj` for `claim_id` and stages what it writes. `expected` is the
    /// claim version the caller saw (manual posting's If-Match). An error stages nothing.
    pub fn post(
        &mut self,
        ctx: &RequestCtx,
        claim_id: ClaimId,
        expected: Option<i32>,
        adj: &ClaimAdjudication,
    ) -> DomainResult<PostingOutcome> {
        let state = self
            .claims
            .get(&claim_id)
            .ok_or_else(|| DomainError::not_found(crate::claims::service::RESOURCE))?;
        let claim = &state.claim;
        let payment_ref = adj.payment_ref.clone().unwrap_or_default();
        // A repeat of a posted payment answers as the first did even with the version read
        // before it (a retry), but an If-Match no version can match (empty, weak) is refused
        // first: it was never a read of this claim.
        if expected == Some(crate::http::versioning::NEVER_MATCHES) {
            crate::http::versioning::expect_version(claim.version, expected)?;
        }
        if let Some(p) = state.postings.iter().find(|p| {
            p.payer_id == adj.payer_id
                && p.payment_ref == payment_ref
                && p.status_code == adj.status_code
        }) {
            return Ok(PostingOutcome {
                claim_id,
                posting_id: p.id,
                status: claim.status,
                entries_written: 0,
                duplicate: true,
                warnings: Vec::new(),
                next_payer_claim_id: None,
            });
        }
        crate::db::versioned::expect_version(claim.version, expected)?;
        let from = claim.status;
        if !from.accepts_remittance() {
            return Err(status::conflict(
                from,
                "take a payment before it is submitted",
            ));
        }
        if adj.payer_id != claim.payer_id {
            return Err(DomainError::invalid_field(
                "/payer_id",
                "not_claim_payer",
                "the claim was billed to another payer",
            ));
        }
        let mut posting = PostingRow {
            id: PostingId::new(),
            claim_id,
            payer_id: adj.payer_id,
            status_code: adj.status_code.clone(),
            payment_ref,
            remittance_id: adj.remittance_id.map(crate::ledger::model::RemittanceRef),
            payer_claim_number: adj.payer_claim_number.clone(),
            paid_cents: adj.paid_cents,
            patient_responsibility_cents: adj.patient_responsibility_cents,
            paid_on: adj.paid_on,
            reverses_posting_id: None,
            created_at: Timestamp::now(),
            created_by: ctx.caller.actor.clone(),
        };
        let (planned, denials, warnings) = if adj.status_code == REVERSAL {
            let (reversed, planned) = plan_reversal(state, adj)?;
            posting.reverses_posting_id = Some(reversed);
            (planned, Vec::new(), Vec::new())
        } else {
            let balances = store::fold(&state.entries);
            let plan = if state.next_payer {
                let (adj, balances) = crate::cob::posting::prepare(adj, &balances, &state.entries);
                post::post(&adj, &balances)
            } else {
                post::post(adj, &balances)
            }
            .map_err(invalid)?;
            (plan.entries, plan.denials, plan.warnings)
        };
        let mut rows: Vec<EntryRow> = planned
            .iter()
            .map(|e| {
                store::row_of(
                    claim_id,
                    Some(posting.id),
                    Some(adj.payer_id),
                    e,
                    None,
                    posting.created_at,
                    &ctx.caller.actor,
                )
            })
            .collect();
        if let Some((by, reason)) = state.superseded_by {
            // A replaced or voided claim stays closed: what this posting reopens (a reversal)
            // is closed again, what it settles gives back the closure.
            let mut after = state.entries.clone();
            after.extend(rows.iter().cloned());
            rows.extend(replacement::closing_rows(
                claim,
                &after,
                by,
                reason,
                posting.created_at,
                &ctx.caller.actor,
            ));
        }
        // The status the claim moves to, decided over its postings and entries with these in.
        let mut postings_after = state.postings.clone();
        postings_after.push(posting.clone());
        let mut entries_after = state.entries.clone();
        entries_after.extend(rows.iter().cloned());
        let to = next_status(&postings_after, &entries_after)?.unwrap_or(from);
        if to != from {
            status::check_transition(from, to)?;
        }
        // Every check passed: stage the writes.
        let action = if adj.status_code == REVERSAL {
            "reverse"
        } else {
            "post"
        };
        if to != from {
            let reason = format!(
                "{action}: payer status {} ({}), paid {} cents",
                adj.status_code,
                if posting.payment_ref.is_empty() {
                    "no reference"
                } else {
                    posting.payment_ref.as_str()
                },
                adj.paid_cents
            );
            self.events.push(claim_store::event(
                claim_id,
                Some(from),
                to,
                &ctx.caller.actor,
                Some(reason),
                &[],
            ));
        }
        self.audit.push(AuditEntry::success(
            ctx,
            action,
            RESOURCE,
            Some(claim_id.to_string()),
        ));
        self.denials.extend(denials.into_iter().map(|d| DenialRow {
            id: EntryId::new(),
            posting_id: posting.id,
            claim_id,
            line_number: d.line_number,
            group_code: d.group_code,
            reason_code: d.reason_code,
            amount_cents: d.amount_cents,
            remark_codes: Some(d.remarks.join(",")).filter(|r| !r.is_empty()),
        }));
        self.postings.push(posting.clone());
        self.entries.extend(rows.iter().cloned());
        let entries_written = rows.len();
        let posting_id = posting.id;
        if let Some(s) = self.claims.get_mut(&claim_id) {
            s.postings = postings_after;
            s.entries = entries_after;
            // The version is bumped even when the status stays: money on the claim changed
            // (If-Match on manual posting must see it).
            s.claim.version += 1;
            s.claim.status = to;
            if s.loaded_version + 1 == s.claim.version {
                self.touched.push(claim_id);
            }
        }
        Ok(PostingOutcome {
            claim_id,
            posting_id,
            status: to,
            entries_written,
            duplicate: false,
            warnings,
            next_payer_claim_id: None,
        })
    }

    /// Writes everything staged: postings, entries, denials, history events and audit rows as
    /// multi-row inserts, then the touched claims' statuses and versions (one statement per 500
    /// claims). Call inside the transaction `load` ran in.
    pub fn flush(self, conn: &mut AnyConnection) -> DomainResult<()> {
        store::insert_postings(conn, &self.postings)?;
        store::insert_entries(conn, &self.entries)?;
        store::insert_denials(conn, &self.denials)?;
        claim_store::insert_events(conn, &self.events)?;
        audit_store::insert(conn, &self.audit)?;
        let updates: Vec<ClaimUpdate> = self
            .touched
            .iter()
            .filter_map(|id| self.claims.get(id))
            .map(|s| ClaimUpdate {
                id: s.claim.id,
                loaded_version: s.loaded_version,
                version: s.claim.version,
                status: s.claim.status,
            })
            .collect();
        claim_updates::write(conn, &updates)?;
        Ok(())
    }
}

/// The entries that undo the latest posting of `adj`'s payer still in force on the claim.
fn plan_reversal(
    state: &ClaimState,
    adj: &ClaimAdjudication,
) -> DomainResult<(PostingId, Vec<PlannedEntry>)> {
    let reversed: Vec<PostingId> = state
        .postings
        .iter()
        .filter_map(|p| p.reverses_posting_id)
        .collect();
    let target = state
        .postings
        .iter()
        .rev()
        .find(|p| {
            p.payer_id == adj.payer_id && p.status_code != REVERSAL && !reversed.contains(&p.id)
        })
        .ok_or_else(|| {
            DomainError::conflict(format!(
                "claim {} has no payment from this payer to reverse",
                state.claim.id
            ))
        })?;
    let prior: Vec<(EntryId, PlannedEntry)> = state
        .entries
        .iter()
        .filter(|r| r.posting_id == Some(target.id))
        .map(|r| (r.id, store::planned_of(r)))
        .collect();
    Ok((target.id, post::reverse(&prior)))
}
