//! Batch work for a day's claims: build claims for many signed-off encounters and queue many
//! claims in one request each. Items are checked and planned in memory and only the accepted
//! ones are written (`build_batch`, `queue_batch`), so one refusal (a 409, a 422 from the
//! scrubber) stops nothing else and leaves nothing of itself. The services answer one result
//! per item, in request order; the routes (`batch_routes`) turn them into the answer document
//! (each item's outcome, with the problem document of those that failed).

use serde::Deserialize;

use super::build_batch::{self, BuildItem};
use super::model::{ClaimId, ClaimRow};
use super::queue_batch::{self, QueueItem};
use super::settings::SubmitterSettings;
use crate::auth::RequestCtx;
use crate::codesets::CodeTables;
use crate::coverages::model::CoverageId;
use crate::db::AnyConnection;
use crate::encounters::model::EncounterId;
use crate::error::{DomainError, DomainResult};

/// Most items in one batch request.
pub const MAX_ITEMS: usize = 1000;

/// One encounter to bill.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchClaimItem {
    /// The signed-off encounter.
    #[schema(value_type = uuid::Uuid)]
    pub encounter_id: EncounterId,
    /// The coverage to bill (default: the encounter's).
    #[schema(value_type = Option<uuid::Uuid>)]
    pub coverage_id: Option<CoverageId>,
}

/// Body of `POST /v1/claims/batch`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchClaims {
    /// The encounters to bill (1 to 1,000).
    #[schema(min_items = 1, max_items = 1000)]
    pub items: Vec<BatchClaimItem>,
}

/// Body of `POST /v1/claims/queue`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchQueue {
    /// The validated claims to queue (1 to 1,000).
    #[schema(min_items = 1, max_items = 1000, value_type = Vec<uuid::Uuid>)]
    pub claim_ids: Vec<ClaimId>,
}

/// Refuses a batch of `n` items outside 1..=[`MAX_ITEMS`] (422 at `pointer`).
pub fn check_size(n: usize, pointer: &str) -> DomainResult<()> {
    if (1..=MAX_ITEMS).contains(&n) {
        return Ok(());
    }
    Err(DomainError::invalid_field(
        pointer,
        "batch_size",
        format!("send 1 to {MAX_ITEMS} items per request (got {n}); split larger batches"),
    ))
}

/// Items written per transaction: each chunk is planned in memory and written with a few
/// set-based statements, then committed (one disk sync per chunk on SQLite).
const GROUP: usize = 500;

/// Runs `f` on the items in chunks of [`GROUP`], one write transaction each. `f` answers each
/// item's own outcome (a refused item stages nothing); outcomes are answered only once their
/// chunk committed, and a failed write or commit fails every item of its chunk, none of which
/// was stored.
fn run_grouped<T>(
    conn: &mut AnyConnection,
    items: &[T],
    f: impl Fn(&mut AnyConnection, &[T]) -> DomainResult<Vec<DomainResult<ClaimRow>>>,
) -> Vec<DomainResult<ClaimRow>> {
    let mut results = Vec::with_capacity(items.len());
    for group in items.chunks(GROUP) {
        match conn.write_transaction(|c| f(c, group)) {
            Ok(rs) => results.extend(rs),
            Err(e) => results.extend(group.iter().map(|_| Err(e.clone()))),
        }
    }
    results
}

/// Builds a claim per item, planned in memory and written per chunk, on one connection; one
/// result per item, in order.
pub fn build_many(
    conn: &mut AnyConnection,
    codes: &CodeTables,
    submitter: &SubmitterSettings,
    ctx: &RequestCtx,
    items: &[BatchClaimItem],
) -> Vec<DomainResult<ClaimRow>> {
    let items: Vec<BuildItem> = items
        .iter()
        .map(|it| BuildItem {
            encounter_id: it.encounter_id,
            coverage_id: it.coverage_id,
        })
        .collect();
    run_grouped(conn, &items, |c, chunk| {
        build_batch::build_items(c, codes, submitter, ctx, chunk)
    })
}

/// Queues each claim with its outbox job, planned in memory and written per chunk, on one
/// connection.
pub fn queue_many(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    ids: &[ClaimId],
) -> Vec<DomainResult<ClaimRow>> {
    let items: Vec<QueueItem> = ids
        .iter()
        .map(|id| QueueItem {
            id: *id,
            expected: None,
        })
        .collect();
    run_grouped(conn, &items, |c, chunk| {
        queue_batch::queue_items(c, ctx, chunk)
    })
}
