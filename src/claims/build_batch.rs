//! Building claims for many signed-off encounters with few statements: the encounters of a
//! chunk, their claims and what the builds read (`build_reads`) are read once (the encounters
//! locked on PostgreSQL), each item is checked,
//! scrubbed, snapshotted and checked against the 837P writer in memory in request order, and
//! the accepted ones are written together: multi-row inserts of the claims, their service
//! lines, history events and audit rows, and one update per payer and scrub counts for the
//! encounters billed. Building one claim at a time ran about 25 statements per claim.
//!
//! A refused item stages nothing, so it needs no savepoint and does not stop its neighbours.
//! Later items see the earlier ones as the single path would see stored claims: an encounter
//! named twice answers 409 the second time, and the history checks see the service lines of
//! the claims planned before (`build_reads::ChunkReads`). The single
//! `POST /v1/claims` is a batch of one through [`build_items`].

use std::collections::HashMap;

use super::build_reads::ChunkReads;
use super::frequency::Frequency;
use super::model::{ClaimId, ClaimRow};
use super::reopen::check_none_standing;
use super::service::{self, Origin, RESOURCE};
use super::service_history::{self, ServiceLine};
use super::settings::SubmitterSettings;
use super::snapshot::Snapshot;
use super::store;
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::RequestCtx;
use crate::cob::store as cob_store;
use crate::codesets::CodeTables;
use crate::coverages::model::CoverageId;
use crate::db::AnyConnection;
use crate::encounters::model::{EncounterDoc, EncounterId};
use crate::encounters::service::{self as encounters, Scrubbed};
use crate::encounters::status::Status as EncStatus;
use crate::encounters::store as encounter_store;
use crate::error::{DomainError, DomainResult};

/// One encounter to bill.
#[derive(Debug, Clone, Copy)]
pub struct BuildItem {
    /// The signed-off encounter.
    pub encounter_id: EncounterId,
    /// The coverage to bill (default: the encounter's).
    pub coverage_id: Option<CoverageId>,
}

/// A claim planned in memory, written at the end of its chunk.
struct Planned {
    row: ClaimRow,
    snap: Snapshot,
    billed: Scrubbed,
}

/// Builds a claim per item inside the caller's write transaction and answers one result per
/// item, in order. A database failure fails the whole call (the caller's transaction rolls
/// back). Each claim must fit an 837P as `submitter` writes it.
pub fn build_items(
    conn: &mut AnyConnection,
    codes: &CodeTables,
    submitter: &SubmitterSettings,
    ctx: &RequestCtx,
    items: &[BuildItem],
) -> DomainResult<Vec<DomainResult<ClaimRow>>> {
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(cob_store::CHUNK) {
        out.extend(build_chunk(conn, codes, submitter, ctx, chunk)?);
    }
    Ok(out)
}

fn build_chunk(
    conn: &mut AnyConnection,
    codes: &CodeTables,
    submitter: &SubmitterSettings,
    ctx: &RequestCtx,
    items: &[BuildItem],
) -> DomainResult<Vec<DomainResult<ClaimRow>>> {
    let mut ids: Vec<EncounterId> = items.iter().map(|i| i.encounter_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut encs = encounter_store::load_many_locked(conn, &ids)?;
    let mut claims_of: HashMap<EncounterId, Vec<ClaimRow>> = HashMap::new();
    for c in store::for_encounters(conn, &ids)? {
        claims_of.entry(c.encounter_id).or_default().push(c);
    }
    let docs: Vec<&EncounterDoc> = encs.values().collect();
    let chosen: Vec<CoverageId> = items.iter().filter_map(|i| i.coverage_id).collect();
    let mut reads = ChunkReads::load(conn, &docs, &chosen)?;
    let mut planned: Vec<Planned> = Vec::new();
    let mut results = Vec::with_capacity(items.len());
    for it in items {
        let claims = claims_of
            .get(&it.encounter_id)
            .map_or(&[][..], Vec::as_slice);
        match plan(conn, codes, submitter, &encs, claims, &mut reads, it) {
            Ok(p) => {
                reads.pending.extend(service_history::pending(
                    p.row.patient_id,
                    p.row.encounter_id,
                    &p.row.patient_control_number,
                    &lines(&p.snap),
                ));
                // Billed now as far as the rest of the batch is concerned.
                if let Some(e) = encs.get_mut(&it.encounter_id) {
                    e.header.status = EncStatus::Billed;
                }
                results.push(Ok(p.row.clone()));
                planned.push(p);
            }
            Err(e) => results.push(Err(e)),
        }
    }
    write(conn, ctx, &planned)?;
    Ok(results)
}

/// Checks, scrubs and snapshots one item as the single call would, storing nothing.
fn plan(
    conn: &mut AnyConnection,
    codes: &CodeTables,
    submitter: &SubmitterSettings,
    encs: &HashMap<EncounterId, EncounterDoc>,
    claims: &[ClaimRow],
    reads: &mut ChunkReads,
    it: &BuildItem,
) -> DomainResult<Planned> {
    let id = it.encounter_id;
    let enc = encs
        .get(&id)
        .ok_or_else(|| DomainError::not_found(encounters::RESOURCE))?;
    if enc.header.status != EncStatus::Coded {
        return Err(DomainError::conflict(format!(
            "only a coded (signed-off) encounter can be billed; this one is {}",
            enc.header.status
        ))
        .with_extension("current_status", serde_json::json!(enc.header.status)));
    }
    check_none_standing(claims)?;
    let built = service::assemble(conn, codes, enc, it.coverage_id, reads)?;
    let mut header = enc.header.clone();
    if it.coverage_id.is_some() {
        // The reference check has read the chosen coverage and set its payer.
        header.coverage_id = built.header.coverage_id;
        header.payer_id = built.header.payer_id;
    }
    let origin = Origin {
        frequency: Frequency::Original,
        payer_claim_number: None,
        replaces: None,
    };
    let row = service::plan_row(submitter, &header, &built.snap, origin)?;
    // The encounter keeps its own coverage; with another one chosen for this claim, its payer
    // stays the stored one (the build's check read the chosen coverage's).
    let payer = if it.coverage_id.is_some() {
        enc.header.payer_id
    } else {
        built.header.payer_id
    };
    let counts = (built.report.errors, built.report.warnings);
    Ok(Planned {
        row,
        snap: built.snap,
        billed: (id, payer, counts),
    })
}

fn lines(snap: &Snapshot) -> Vec<ServiceLine<'_>> {
    snap.lines
        .iter()
        .map(|l| ServiceLine {
            date_of_service: l.date_of_service,
            code: &l.code,
            modifiers: &l.modifiers,
            units: l.units,
        })
        .collect()
}

/// Writes the planned claims with their service lines, charges, first history events and
/// audit rows, and marks their encounters billed.
fn write(conn: &mut AnyConnection, ctx: &RequestCtx, planned: &[Planned]) -> DomainResult<()> {
    if planned.is_empty() {
        return Ok(());
    }
    let rows: Vec<ClaimRow> = planned.iter().map(|p| p.row.clone()).collect();
    cob_store::insert_claims(conn, &rows)?;
    let services: Vec<_> = planned
        .iter()
        .map(|p| (p.row.id, p.row.patient_id, lines(&p.snap)))
        .collect();
    service_history::record_many(conn, &services)?;
    let charged = planned.iter().map(|p| (&p.row, &p.snap));
    crate::ledger::charges::write_many(conn, charged, &ctx.caller.actor)?;
    let actor = &ctx.caller.actor;
    let events: Vec<_> = planned
        .iter()
        .map(|p| {
            let reason = format!("built from encounter {}", p.row.encounter_id);
            store::event(p.row.id, None, p.row.status, actor, Some(reason), &[])
        })
        .collect();
    store::insert_events(conn, &events)?;
    let audit: Vec<AuditEntry> = planned.iter().map(|p| claim_audit(ctx, p.row.id)).collect();
    audit_store::insert(conn, &audit)?;
    let billed: Vec<Scrubbed> = planned.iter().map(|p| p.billed).collect();
    encounters::mark_billed_scrubbed(conn, ctx, &billed)?;
    Ok(())
}

fn claim_audit(ctx: &RequestCtx, id: ClaimId) -> AuditEntry {
    AuditEntry::success(ctx, "create", RESOURCE, Some(id.to_string()))
}
