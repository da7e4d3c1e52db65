//! Putting a dead submission job back in the queue, shared by `POST
//! /v1/submission-jobs/{id}/retry` and the console's claim page.

use super::model::{ClaimId, JobId};
use super::queue::{self, Job};
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::RequestCtx;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};

/// Retries dead job `id` in one write transaction, audited; with `of_claim`, a job of another
/// claim is not found (the console shows one claim's jobs). Any other state answers 409 with
/// the job's `current_status`.
pub fn retry_dead_job(
    c: &mut AnyConnection,
    ctx: &RequestCtx,
    id: JobId,
    of_claim: Option<ClaimId>,
) -> DomainResult<Job> {
    c.write_transaction(|c| {
        let job = queue::find(c, id)?
            .filter(|j| of_claim.is_none_or(|claim| j.claim_id == claim))
            .ok_or_else(|| DomainError::not_found("submission job"))?;
        if !queue::retry(c, id)? {
            return Err(DomainError::conflict(format!(
                "only a dead job can be retried; this one is {}",
                job.status
            ))
            .with_extension("current_status", serde_json::json!(job.status)));
        }
        let entry = AuditEntry::success(ctx, "retry", "submission_job", Some(id.to_string()));
        audit_store::insert(c, &[entry])?;
        queue::find(c, id)?.ok_or_else(DomainError::internal)
    })
}
