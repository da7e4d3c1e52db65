//! The posting service: stores what a payer decided about one claim as ledger entries, inside
//! the caller's transaction (the 835 import posts many claims in one transaction per payment).

use serde::Serialize;

use super::adjudication::ClaimAdjudication;
use crate::claims::model::ClaimId;
use crate::db::AnyConnection;
use crate::error::{ApiError, ApiResult};
use crate::http::RequestCtx;

/// What posting one adjudication did.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PostingOutcome {
    /// The claim posted to.
    pub claim_id: ClaimId,
    /// The claim's status after posting.
    pub status: String,
    /// Ledger entries written (0 when `duplicate`).
    pub entries_written: usize,
    /// True when this payment had been posted before (same payer, payment_ref, claim and
    /// status code): nothing was written.
    pub duplicate: bool,
}

/// Posts `adj` to claim `claim_id` as `ctx`'s caller. Runs in the caller's transaction and
/// opens none (callers use `AnyConnection::write_transaction`). System callers (the 835 import)
/// build a `RequestCtx` with actor `system:remits`.
pub fn post_adjudication(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    claim_id: ClaimId,
    adj: &ClaimAdjudication,
) -> ApiResult<PostingOutcome> {
    let _ = (conn, ctx, claim_id, adj);
    Err(ApiError::unavailable("posting is being built"))
}
