//! Reopening the encounter of a rejected (or voided) claim for coding: the claims that stand
//! for an encounter (its "heads"), the rule that none may still wait on an answer, and the
//! move of rejected heads to superseded, all beside the encounter's return to open in one
//! transaction. A new original claim (frequency 1) is then built after sign-off; an accepted
//! claim stays and is corrected by a replacement rebuilt from the corrected coding. The route
//! is in `reopen_routes`.

use super::frequency::Frequency;
use super::model::{ClaimId, ClaimRow};
use super::status::{self, Status};
use super::store;
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::RequestCtx;
use crate::codesets::CodeTables;
use crate::db::{versioned, AnyConnection};
use crate::encounters::model::{EncounterDoc, EncounterId};
use crate::encounters::service as encounters;
use crate::error::{DomainError, DomainResult};

/// The claims that stand for an encounter's visit now: not superseded, and not replaced or
/// voided by a later claim that is itself still current.
pub fn heads(conn: &mut AnyConnection, encounter: EncounterId) -> DomainResult<Vec<ClaimRow>> {
    Ok(heads_of(&store::for_encounter(conn, encounter)?))
}

/// [`heads`] among `all`, the claims of one encounter.
pub fn heads_of(all: &[ClaimRow]) -> Vec<ClaimRow> {
    let live = |c: &ClaimRow| c.status != Status::Superseded;
    let replaced: Vec<ClaimId> = all
        .iter()
        .filter(|c| live(c))
        .filter_map(|c| c.replaces_claim_id)
        .collect();
    all.iter()
        .filter(|c| live(c) && !replaced.contains(&c.id))
        .cloned()
        .collect()
}

/// Fails with 409 when one of `all` (the claims of one encounter) still stands for it as an
/// original or replacement (a new original would bill the visit twice): a void, or a rejected
/// claim, does not.
pub fn check_none_standing(all: &[ClaimRow]) -> DomainResult<()> {
    for h in heads_of(all) {
        if h.frequency != Frequency::Void && h.status.stands() {
            return Err(DomainError::conflict(format!(
                "claim {} ({}) still stands for this encounter: correct it with a replacement",
                h.id, h.status
            ))
            .with_extension("claim_id", serde_json::json!(h.id))
            .with_extension("current_status", serde_json::json!(h.status)));
        }
    }
    Ok(())
}

/// Reopens billed encounter `id` for coding. Refused (409) while one of its current claims
/// waits on an answer; its rejected current claims become superseded, and every current claim
/// gets a history entry with the reason.
pub fn reopen_in(
    conn: &mut AnyConnection,
    codes: &CodeTables,
    ctx: &RequestCtx,
    id: EncounterId,
    expected: Option<i32>,
    reason: &str,
) -> DomainResult<EncounterDoc> {
    let heads = heads(conn, id)?;
    for h in &heads {
        if h.status.awaiting_answer() {
            return Err(DomainError::conflict(format!(
                "claim {} is {} and waits on an answer: reopen the encounter once it has one",
                h.id, h.status
            ))
            .with_extension("claim_id", serde_json::json!(h.id))
            .with_extension("current_status", serde_json::json!(h.status)));
        }
    }
    let doc = encounters::reopen_in(conn, codes, ctx, id, expected)?;
    let note = format!("encounter reopened for coding: {reason}");
    let mut events = Vec::with_capacity(heads.len());
    let mut audit = Vec::new();
    for h in &heads {
        let from = h.status;
        let to = if from == Status::Rejected {
            status::check_transition(from, Status::Superseded)?;
            versioned::conditional(
                conn,
                h.version,
                |c| Ok(store::set_status(c, h.id, from, Status::Superseded, None)?),
                |c| Ok(store::find(c, h.id)?.map(|r| r.version)),
            )?;
            audit.push(AuditEntry::success(
                ctx,
                Status::Superseded.as_str(),
                super::service::RESOURCE,
                Some(h.id.to_string()),
            ));
            Status::Superseded
        } else {
            from
        };
        events.push(store::event(
            h.id,
            Some(from),
            to,
            &ctx.caller.actor,
            Some(note.clone()),
            &[],
        ));
    }
    store::insert_events(conn, &events)?;
    audit_store::insert(conn, &audit)?;
    Ok(doc)
}
