//! Billing the next payer of many claims with few statements: the claims, their postings,
//! entries, denials, links, the patients' later coverages and those payers are read once per
//! chunk (the claim rows locked on PostgreSQL), each claim is checked and planned in memory,
//! and what it writes is collected and stored at [`CobBatch::flush`] as multi-row inserts plus
//! one status update per (from, to) pair. Building claims one at a time ran about 18
//! statements per claim, which made 1,000 secondary claims take seconds (more on PostgreSQL).
//!
//! A refused claim stages nothing, so no savepoint per claim is needed: the claims before and
//! after it still go. A single `POST /v1/claims/{id}/next-payer` is a batch of one.

use std::collections::{BTreeMap, HashMap};

use super::decision::{crossed_over, decision};
use super::model::CobLink;
use super::remit_facts::{facts, RemitFacts, StoredRemit};
use super::service::{crossover, next_priority, subscriber, ADJUDICATED};
use super::store as cob_store;
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::RequestCtx;
use crate::claims::frequency::Frequency;
use crate::claims::model::{ClaimEvent, ClaimId, ClaimRow};
use crate::claims::service::{new_pcn, RESOURCE};
use crate::claims::settings::SubmitterSettings;
use crate::claims::snapshot::{SnapPayer, Snapshot};
use crate::claims::status::{self, Status};
use crate::claims::{store as claim_store, to_x12};
use crate::coverages::model::Coverage;
use crate::db::types::Timestamp;
use crate::db::versioned::expect_version;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::ledger::model::{DenialRow, EntryRow, PostingId, PostingRow, RemittanceRef};
use crate::ledger::store as ledger_store;
use crate::ledger::transfer;
use crate::patients::model::PatientId;
use crate::payers::model::{Payer, PayerId};
use crate::remits::posting_service::next_status;
use crate::x12;

/// One adjudicated claim as the batch knows it, with what this batch staged on it.
struct Prior {
    claim: ClaimRow,
    postings: Vec<PostingRow>,
    entries: Vec<EntryRow>,
    denials: Vec<DenialRow>,
    /// Its own link when it was itself a next payer's claim.
    link: Option<CobLink>,
    /// The claim that already bills its next payer (stored, or staged by this batch).
    followed_by: Option<ClaimId>,
}

/// Next payer claims of many adjudicated claims, planned in memory and written together.
#[derive(Default)]
pub struct CobBatch {
    claims: HashMap<ClaimId, Prior>,
    /// Active coverages after primary, per patient, in creation order.
    coverages: HashMap<PatientId, Vec<Coverage>>,
    payers: HashMap<PayerId, Payer>,
    /// The stored 835s the claims' postings came from.
    remits: HashMap<RemittanceRef, StoredRemit>,
    rows: Vec<ClaimRow>,
    links: Vec<CobLink>,
    entries: Vec<EntryRow>,
    /// Earlier claims whose status the transfer moves, with (from, to).
    moves: Vec<(ClaimId, Status, Status)>,
    events: Vec<ClaimEvent>,
    audit: Vec<AuditEntry>,
}

/// The latest posting of the claim's own payer still in force (not a reversal, not reversed).
pub fn in_force<'a>(claim: &ClaimRow, postings: &'a [PostingRow]) -> Option<&'a PostingRow> {
    let reversed: Vec<PostingId> = postings
        .iter()
        .filter_map(|p| p.reverses_posting_id)
        .collect();
    postings
        .iter()
        .rev()
        .find(|p| p.payer_id == claim.payer_id && p.reverses_posting_id.is_none())
        .filter(|p| !reversed.contains(&p.id))
}

/// What a planned claim is: one we send, or one the prior payer crossed over itself.
#[derive(Clone, Copy)]
enum Kind<'a> {
    /// Billed by us: it must fit an 837P as this submitter writes it.
    Billed(&'a SubmitterSettings),
    /// Sent on by the prior payer to the payer `named` accepts.
    CrossedOver(&'a dyn Fn(&Payer) -> bool),
}

impl CobBatch {
    /// Reads `ids` (unknown ids are left out: billing them answers 404) with everything
    /// planning needs, in seven statements per chunk of [`cob_store::CHUNK`] claims.
    pub fn load(conn: &mut AnyConnection, ids: &[ClaimId]) -> DomainResult<Self> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut b = CobBatch::default();
        for chunk in ids.chunks(cob_store::CHUNK) {
            for claim in cob_store::claims_locked(conn, chunk)? {
                b.claims.insert(
                    claim.id,
                    Prior {
                        claim,
                        postings: Vec::new(),
                        entries: Vec::new(),
                        denials: Vec::new(),
                        link: None,
                        followed_by: None,
                    },
                );
            }
            for l in cob_store::links_around(conn, chunk)? {
                if let Some(p) = b.claims.get_mut(&l.prior_claim_id) {
                    p.followed_by = Some(l.claim_id);
                }
                if let Some(p) = b.claims.get_mut(&l.claim_id) {
                    p.link = Some(l);
                }
            }
            for p in cob_store::postings_of(conn, chunk)? {
                if let Some(s) = b.claims.get_mut(&p.claim_id) {
                    s.postings.push(p);
                }
            }
            for e in cob_store::entries_of(conn, chunk)? {
                if let Some(s) = b.claims.get_mut(&e.claim_id) {
                    s.entries.push(e);
                }
            }
            for d in cob_store::denials_of(conn, chunk)? {
                if let Some(s) = b.claims.get_mut(&d.claim_id) {
                    s.denials.push(d);
                }
            }
            b.load_remits(conn, chunk)?;
            let mut patients: Vec<PatientId> = chunk
                .iter()
                .filter_map(|id| b.claims.get(id).map(|p| p.claim.patient_id))
                .filter(|p| !b.coverages.contains_key(p))
                .collect();
            patients.sort_unstable();
            patients.dedup();
            if patients.is_empty() {
                continue;
            }
            let mut payers: Vec<PayerId> = Vec::new();
            for c in cob_store::next_coverages(conn, &patients)? {
                if !b.payers.contains_key(&c.payer_id) {
                    payers.push(c.payer_id);
                }
                b.coverages.entry(c.patient_id).or_default().push(c);
            }
            payers.sort_unstable();
            payers.dedup();
            if !payers.is_empty() {
                for p in cob_store::payers(conn, &payers)? {
                    b.payers.insert(p.id, p);
                }
            }
        }
        Ok(b)
    }

    /// Reads the stored remittances of the postings in force of the claims `chunk` (none for
    /// paper EOBs: then no statement).
    fn load_remits(&mut self, conn: &mut AnyConnection, chunk: &[ClaimId]) -> DomainResult<()> {
        let mut refs: Vec<RemittanceRef> = chunk
            .iter()
            .filter_map(|id| self.claims.get(id))
            .filter_map(|p| in_force(&p.claim, &p.postings)?.remittance_id)
            .filter(|r| !self.remits.contains_key(r))
            .collect();
        refs.sort_unstable();
        refs.dedup();
        if refs.is_empty() {
            return Ok(());
        }
        for (id, parsed, postings) in cob_store::remittances(conn, &refs)? {
            if let Some(r) = StoredRemit::parse(&parsed, &postings) {
                self.remits.insert(id, r);
            }
        }
        Ok(())
    }

    /// What the 835 behind `posting` adds about `claim` (nothing for a paper EOB).
    fn facts_of(&self, claim: &ClaimRow, posting: &PostingRow, snap: &Snapshot) -> RemitFacts {
        let Some(remit) = posting.remittance_id.and_then(|r| self.remits.get(&r)) else {
            return RemitFacts::default();
        };
        let ours = crate::remits::import::our_lines(snap);
        facts(remit, claim.id, &claim.patient_control_number, &ours)
    }

    /// The patient's active coverage of `priority` on `claim`'s date of service (first made).
    fn coverage_on(&self, claim: &ClaimRow, priority: &str) -> Option<&Coverage> {
        let d = claim.date_of_service;
        self.coverages.get(&claim.patient_id)?.iter().find(|c| {
            c.active
                && c.priority == priority
                && c.effective_from <= d
                && c.effective_to.is_none_or(|t| t >= d)
        })
    }

    /// Checks and plans the next payer's claim of claim `id` and stages what it writes;
    /// answers the new claim (`validated`). `expected` is the version the caller saw
    /// (If-Match). An error (the 409/422 a single call answers) stages nothing.
    /// The claim must fit an 837P as `submitter` writes it.
    pub fn bill(
        &mut self,
        ctx: &RequestCtx,
        submitter: &SubmitterSettings,
        id: ClaimId,
        expected: Option<i32>,
    ) -> DomainResult<ClaimRow> {
        self.plan(ctx, id, expected, Kind::Billed(submitter))
    }

    /// Records the claim the payer of claim `id` crossed over to the next payer itself (CLP02
    /// 19-21, MA18/N89), now that the next payer's remittance names it: the same claim as
    /// [`bill`](Self::bill) builds and the same balance transfer, but `submitted` (the payer
    /// sent it; no 837P goes out). `named` says whether the remittance's payer is the next
    /// coverage's payer; refused (staging nothing) when it is not or the claim was not
    /// crossed over.
    pub fn crossed_over(
        &mut self,
        ctx: &RequestCtx,
        id: ClaimId,
        named: &dyn Fn(&Payer) -> bool,
    ) -> DomainResult<ClaimRow> {
        self.plan(ctx, id, None, Kind::CrossedOver(named))
    }

    fn plan(
        &mut self,
        ctx: &RequestCtx,
        id: ClaimId,
        expected: Option<i32>,
        kind: Kind<'_>,
    ) -> DomainResult<ClaimRow> {
        let crossover_by = match kind {
            Kind::CrossedOver(named) => Some(named),
            Kind::Billed(_) => None,
        };
        let p = self
            .claims
            .get(&id)
            .ok_or_else(|| DomainError::not_found(RESOURCE))?;
        let claim = &p.claim;
        expect_version(claim.version, expected)?;
        if let Some(next) = p.followed_by {
            return Err(DomainError::conflict(format!(
                "claim {next} already bills the next payer for this claim"
            ))
            .with_extension("claim_id", serde_json::json!(next)));
        }
        let from = claim.status;
        if from == Status::Forwarded && crossover_by.is_none() {
            return Err(crossover());
        }
        if !(ADJUDICATED.contains(&from) || from == Status::Forwarded)
            || claim.frequency == Frequency::Void
        {
            return Err(status::conflict(
                from,
                "go to the next payer before its payer adjudicated it",
            ));
        }
        let posting = in_force(claim, &p.postings).ok_or_else(|| {
            status::conflict(
                from,
                "go to the next payer: no posting of its payer is in force",
            )
        })?;
        let of_posting: Vec<EntryRow> = p
            .entries
            .iter()
            .filter(|e| e.posting_id == Some(posting.id))
            .cloned()
            .collect();
        let snapshot: Snapshot =
            serde_json::from_str(&claim.snapshot).map_err(|_| DomainError::internal())?;
        let facts = self.facts_of(claim, posting, &snapshot);
        match (
            crossed_over(posting, &of_posting, &facts),
            crossover_by.is_some(),
        ) {
            (true, false) => return Err(crossover()),
            (false, true) => {
                return Err(DomainError::conflict(
                    "the claim's payer did not cross it over to the next payer",
                ))
            }
            _ => {}
        }
        let next = next_priority(&snapshot.subscriber.priority).ok_or_else(|| {
            DomainError::conflict("the claim was billed to the last payer there can be (tertiary)")
        })?;
        let coverage = self.coverage_on(claim, next).ok_or_else(|| {
            DomainError::conflict(format!(
                "the patient has no active {next} coverage on the date of service"
            ))
            .with_extension("priority", serde_json::json!(next))
        })?;
        let payer = self
            .payers
            .get(&coverage.payer_id)
            .filter(|p| p.active)
            .ok_or_else(|| DomainError::conflict("the next coverage's payer is deactivated"))?;
        if crossover_by.is_some_and(|named| !named(payer)) {
            return Err(DomainError::conflict(
                "the remittance's payer is not the patient's next payer",
            ));
        }
        let denials: Vec<DenialRow> = p
            .denials
            .iter()
            .filter(|d| d.posting_id == posting.id)
            .cloned()
            .collect();
        let other = decision(claim, &snapshot, posting, &of_posting, &denials, &facts)
            .map_err(DomainError::conflict)?;
        let mut snap = snapshot.clone();
        snap.other_payers.push(other);
        snap.subscriber = subscriber(coverage, &snapshot.patient);
        snap.payer = SnapPayer {
            name: payer.name.clone(),
            edi_payer_id: payer.edi_payer_id.clone(),
            claim_filing_indicator: payer.claim_filing_indicator.clone(),
        };
        let now = Timestamp::now();
        let pcn = new_pcn();
        // A crossed-over claim is never sent by us: only a claim we send must fit the 837P.
        let sent = crossover_by.is_none();
        let checked = if let Kind::Billed(submitter) = kind {
            let x = to_x12::claim(&snap, &pcn, x12::Frequency::Original);
            to_x12::preview(submitter, x, now.0.naive_utc(), false).map(|_| ())
        } else {
            Ok(())
        };
        if let Err(e) = checked {
            return Err(DomainError::validation(vec![FieldError::new(
                format!("/snapshot/{}", e.field.replace('.', "/")),
                "x12",
                format!("the 837P cannot carry this claim: {e}"),
            )]));
        }
        let row = ClaimRow {
            id: ClaimId::new(),
            encounter_id: claim.encounter_id,
            patient_id: claim.patient_id,
            coverage_id: coverage.id,
            payer_id: payer.id,
            date_of_service: claim.date_of_service,
            status: if sent {
                Status::Validated
            } else {
                Status::Submitted
            },
            frequency: Frequency::Original,
            patient_control_number: pcn,
            payer_claim_number: None,
            replaces_claim_id: None,
            total_charge_cents: snap.total_charge_cents,
            snapshot: serde_json::to_string(&snap).map_err(|_| DomainError::internal())?,
            submitted_at: (!sent).then_some(now),
            interchange_id: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let link = CobLink {
            claim_id: row.id,
            prior_claim_id: id,
            root_claim_id: p.link.as_ref().map_or(id, |l| l.root_claim_id),
            sequence: p.link.as_ref().map_or(2, |l| l.sequence + 1),
            created_at: now,
            created_by: ctx.caller.actor.clone(),
        };
        let actor = &ctx.caller.actor;
        let balances = ledger_store::fold(&p.entries);
        let (moved_rows, moved) = transfer::rows(claim, &row, &balances, now, actor);
        // The earlier claim's status as the ledger gives it once the balance moved (its
        // version is bumped either way: money on it changed).
        let mut entries_after = p.entries.clone();
        entries_after.extend(moved_rows.iter().cloned());
        let to = next_status(&p.postings, &entries_after)?.unwrap_or(from);
        if to != from {
            status::check_transition(from, to)?;
        }
        // Every check passed: stage the writes.
        let priority = coverage.priority.clone();
        if to != from {
            self.events.push(claim_store::event(
                id,
                Some(from),
                to,
                actor,
                Some(format!(
                    "{moved} cents moved to claim {} ({priority})",
                    row.id
                )),
                &[],
            ));
        }
        self.events.push(claim_store::event(
            row.id,
            None,
            row.status,
            actor,
            Some(if sent {
                format!("{priority} claim after claim {id}: {moved} cents transferred")
            } else {
                format!(
                    "{priority} claim crossed over by the payer of claim {id} (not sent by us; \
                     its remittance arrived): {moved} cents transferred"
                )
            }),
            &[],
        ));
        self.events.push(claim_store::event(
            id,
            Some(to),
            to,
            actor,
            Some(format!(
                "billed to the {priority} payer as claim {}; {moved} cents transferred",
                row.id
            )),
            &[],
        ));
        self.audit.extend([
            AuditEntry::success(ctx, "create", RESOURCE, Some(row.id.to_string())),
            AuditEntry::success(ctx, "transfer", "claim_posting", Some(id.to_string())),
        ]);
        self.moves.push((id, from, to));
        self.entries.extend(moved_rows.iter().cloned());
        self.links.push(link);
        self.rows.push(row.clone());
        if let Some(p) = self.claims.get_mut(&id) {
            p.entries = entries_after;
            p.followed_by = Some(row.id);
            p.claim.status = to;
            p.claim.version += 1;
        }
        Ok(row)
    }

    /// Writes everything staged: the new claims, links, transfer entries, history and audit
    /// as multi-row inserts, and the earlier claims' statuses (one update per (from, to)
    /// pair). Call inside the transaction `load` ran in.
    pub fn flush(self, conn: &mut AnyConnection) -> DomainResult<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        cob_store::insert_claims(conn, &self.rows)?;
        cob_store::insert_links(conn, &self.links)?;
        ledger_store::insert_entries(conn, &self.entries)?;
        let mut pairs: BTreeMap<(Status, Status), Vec<ClaimId>> = BTreeMap::new();
        for (id, from, to) in &self.moves {
            pairs.entry((*from, *to)).or_default().push(*id);
        }
        for ((from, to), ids) in pairs {
            if cob_store::set_statuses(conn, &ids, from, to)? != ids.len() {
                // Not possible under the row locks or SQLite's write transaction, but never
                // overwrite a status another writer set.
                return Err(DomainError::conflict(
                    "a claim changed while its next payer was billed; try again",
                ));
            }
        }
        // After the status updates: the claim events carry the versions they produced.
        claim_store::insert_events(conn, &self.events)?;
        audit_store::insert(conn, &self.audit)?;
        Ok(())
    }
}

/// Bills the next payer of each claim in groups of `group` claims per write transaction,
/// each group loaded once and written together; answers one result per item, in order. A
/// refused item stages nothing; a group whose write fails fails each of its items (none of
/// which was stored).
pub fn bill_many(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    submitter: &SubmitterSettings,
    items: &[(ClaimId, Option<i32>)],
    group: usize,
) -> Vec<DomainResult<ClaimRow>> {
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(group.max(1)) {
        let done = conn.write_transaction(|c| -> DomainResult<Vec<DomainResult<ClaimRow>>> {
            let ids: Vec<ClaimId> = chunk.iter().map(|(id, _)| *id).collect();
            let mut b = CobBatch::load(c, &ids)?;
            let rs = chunk
                .iter()
                .map(|(id, expected)| b.bill(ctx, submitter, *id, *expected))
                .collect();
            b.flush(c)?;
            Ok(rs)
        });
        match done {
            Ok(rs) => out.extend(rs),
            Err(e) => out.extend(chunk.iter().map(|_| Err(e.clone()))),
        }
    }
    out
}
