//! Crossover: when a payer forwards a claim to the patient's next payer itself (CLP02 19-21,
//! or remark MA18/N89), we send no claim; the next payer's 835 then arrives naming our
//! original claim (CLP01 is the CLM01 the first payer received). Before such a payment is
//! posted, each of its claim payments that comes from another payer than the claim's is
//! moved to the claim's next-payer claim: the one already recorded, or one recorded now from
//! the first payer's decision (as `POST /v1/claims/{id}/next-payer` builds it, with the same
//! balance transfer, but `submitted` and never sent). It then posts against that claim like
//! any next payer's remittance, so the ledger balances over the chain of claims.

use std::collections::HashMap;

use super::batch::CobBatch;
use super::store as cob_store;
use crate::auth::RequestCtx;
use crate::claims::model::ClaimId;
use crate::db::AnyConnection;
use crate::error::DomainResult;
use crate::remits::import::{candidate, Candidate};
use crate::remits::matching::{from_next_payer, payer_agrees, payer_named};
use crate::x12::era::Party;

/// Moves the candidates of `claims` (by CLP01) whose claim was billed to another payer than
/// `payer` to their next-payer claim when `payer` is that claim's payer (see the module docs).
/// Costs no statement when every claim's payer agrees with the 835.
pub fn redirect(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    payer: &Party,
    claims: &mut HashMap<String, Candidate>,
) -> DomainResult<()> {
    let suspects: Vec<(String, ClaimId)> = claims
        .iter()
        .filter(|(_, c)| !payer_agrees(payer, &c.edi_payer_id))
        .map(|(pcn, c)| (pcn.clone(), c.id))
        .collect();
    if suspects.is_empty() {
        return Ok(());
    }
    let ids: Vec<ClaimId> = suspects.iter().map(|(_, id)| *id).collect();
    // Claims already followed by a next payer's claim: the remittance is that claim's when
    // its payer is the 835's.
    let links = cob_store::links_around(conn, &ids)?;
    let followers: Vec<ClaimId> = links
        .iter()
        .filter(|l| ids.contains(&l.prior_claim_id))
        .map(|l| l.claim_id)
        .collect();
    let mut next_of: HashMap<ClaimId, Candidate> = HashMap::new();
    if !followers.is_empty() {
        for row in cob_store::claims_locked(conn, &followers)? {
            let Some(link) = links.iter().find(|l| l.claim_id == row.id) else {
                continue;
            };
            next_of.insert(link.prior_claim_id, candidate(&row)?);
        }
    }
    let mut fresh: Vec<(String, ClaimId)> = Vec::new();
    for (pcn, id) in suspects {
        let followed = links.iter().any(|l| l.prior_claim_id == id);
        match next_of.remove(&id) {
            Some(next) => {
                let ours = claims.get(&pcn).map(|c| c.edi_payer_id.clone());
                if ours.is_some_and(|edi| from_next_payer(payer, &edi, &next.edi_payer_id)) {
                    claims.insert(pcn, next);
                }
            }
            None if !followed => fresh.push((pcn, id)),
            None => {}
        }
    }
    if fresh.is_empty() {
        return Ok(());
    }
    // Crossed-over claims whose next payer's claim is not recorded yet: record it now. A claim
    // that was not crossed over, or whose next payer is not the 835's, stages nothing and its
    // claim payment goes the usual way (posting refused: the unmatched queue).
    let ids: Vec<ClaimId> = fresh.iter().map(|(_, id)| *id).collect();
    let mut batch = CobBatch::load(conn, &ids)?;
    let named = |p: &crate::payers::model::Payer| payer_named(payer, &p.edi_payer_id);
    let mut built = Vec::new();
    for (pcn, id) in fresh {
        if let Ok(row) = batch.crossed_over(ctx, id, &named) {
            built.push((pcn, candidate(&row)?));
        }
    }
    batch.flush(conn)?;
    claims.extend(built);
    Ok(())
}
