//! Batch work for a day's claims: build claims for many signed-off encounters and queue many
//! claims in one request each. Items are checked and planned in memory and only the accepted
//! ones are written (`build_batch`, `queue_batch`), so one refusal (a 409, a 422 from the
//! scrubber) stops nothing else and leaves nothing of itself; the answer lists each item's
//! outcome, with the problem document of those that failed. The routes are in
//! `batch_routes`.

use serde::{Deserialize, Serialize};

use super::build_batch::{self, BuildItem};
use super::model::{ClaimId, ClaimRow, ClaimSummary};
use super::queue_batch::{self, QueueItem};
use super::settings::SubmitterSettings;
use crate::auth::RequestCtx;
use crate::codesets::CodeTables;
use crate::coverages::model::CoverageId;
use crate::db::AnyConnection;
use crate::encounters::model::EncounterId;
use crate::error::{ApiError, ApiResult, Problem};

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

/// What became of one item.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchOutcome {
    /// The item's position in the request (from 0).
    pub index: usize,
    /// `created` or `queued`, or `failed`.
    pub outcome: &'static str,
    /// The claim built or queued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim: Option<ClaimSummary>,
    /// Why the item failed (the problem document a single call would have answered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

/// The answer of a batch call.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchResult {
    /// Items that succeeded.
    pub succeeded: usize,
    /// Items that failed.
    pub failed: usize,
    /// One outcome per item, in request order.
    pub results: Vec<BatchOutcome>,
}

impl BatchResult {
    fn of(results: Vec<BatchOutcome>) -> Self {
        let failed = results.iter().filter(|r| r.problem.is_some()).count();
        BatchResult {
            succeeded: results.len() - failed,
            failed,
            results,
        }
    }
}

fn outcome(index: usize, done: &'static str, r: ApiResult<ClaimRow>) -> BatchOutcome {
    match r {
        Ok(row) => BatchOutcome {
            index,
            outcome: done,
            claim: Some(ClaimSummary::from(row)),
            problem: None,
        },
        Err(e) => BatchOutcome {
            index,
            outcome: "failed",
            claim: None,
            problem: Some(e.problem()),
        },
    }
}

/// Refuses a batch of `n` items outside 1..=[`MAX_ITEMS`] (422 at `pointer`).
pub fn check_size(n: usize, pointer: &str) -> ApiResult<()> {
    if (1..=MAX_ITEMS).contains(&n) {
        return Ok(());
    }
    Err(ApiError::invalid_field(
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
    done: &'static str,
    f: impl Fn(&mut AnyConnection, &[T]) -> ApiResult<Vec<ApiResult<ClaimRow>>>,
) -> Vec<BatchOutcome> {
    let mut results = Vec::with_capacity(items.len());
    for (g, group) in items.chunks(GROUP).enumerate() {
        let base = g * GROUP;
        match conn.write_transaction(|c| f(c, group)) {
            Ok(rs) => results.extend(
                rs.into_iter()
                    .enumerate()
                    .map(|(i, r)| outcome(base + i, done, r)),
            ),
            Err(e) => {
                results.extend((0..group.len()).map(|i| outcome(base + i, done, Err(e.clone()))))
            }
        }
    }
    results
}

/// Builds a claim per item, planned in memory and written per chunk, on one connection.
pub fn build_many(
    conn: &mut AnyConnection,
    codes: &CodeTables,
    submitter: &SubmitterSettings,
    ctx: &RequestCtx,
    items: &[BatchClaimItem],
) -> BatchResult {
    let items: Vec<BuildItem> = items
        .iter()
        .map(|it| BuildItem {
            encounter_id: it.encounter_id,
            coverage_id: it.coverage_id,
        })
        .collect();
    let results = run_grouped(conn, &items, "created", |c, chunk| {
        build_batch::build_items(c, codes, submitter, ctx, chunk)
    });
    BatchResult::of(results)
}

/// Queues each claim with its outbox job, planned in memory and written per chunk, on one
/// connection.
pub fn queue_many(conn: &mut AnyConnection, ctx: &RequestCtx, ids: &[ClaimId]) -> BatchResult {
    let items: Vec<QueueItem> = ids
        .iter()
        .map(|id| QueueItem {
            id: *id,
            expected: None,
        })
        .collect();
    let results = run_grouped(conn, &items, "queued", |c, chunk| {
        queue_batch::queue_items(c, ctx, chunk)
    });
    BatchResult::of(results)
}
