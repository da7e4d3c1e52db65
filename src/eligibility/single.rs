//! One eligibility check's two transactions, shared by `POST /v1/coverages/{id}/eligibility`
//! and the console's front-desk form: storing the check (and, for a file clearinghouse, its 270
//! in the outbox) before the exchange, and storing the 271 or the failure after it.

use super::model::{CheckRequest, CheckRow, CheckStatus};
use super::routes::RESOURCE;
use super::service::{finish, prepare};
use super::store;
use super::transport::Channel;
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::RequestCtx;
use crate::claims::clearinghouse::write_atomically;
use crate::claims::settings::SubmitterSettings;
use crate::coverages::model::CoverageId;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};

/// Stores a new check and, for the file queue, writes its 270 to the outbox, audited, in one
/// transaction: a 270 that cannot be queued leaves no check behind.
pub fn start(
    c: &mut AnyConnection,
    ctx: &RequestCtx,
    submitter: &SubmitterSettings,
    ch: &Channel,
    coverage: CoverageId,
    request: &CheckRequest,
    types: &[String],
) -> DomainResult<CheckRow> {
    c.write_transaction(|c| {
        let status = match ch {
            Channel::Http(_) => CheckStatus::Sent,
            Channel::FileQueue(_) => CheckStatus::Queued,
        };
        let row = prepare(c, submitter, coverage, request, types, ch.name(), status)?;
        store::insert(c, &row)?;
        let entry = AuditEntry::success(ctx, "create", RESOURCE, Some(row.id.to_string()));
        audit_store::insert(c, &[entry])?;
        if let Channel::FileQueue(dir) = ch {
            write_atomically(dir, &format!("{}.270", row.id), row.request_x12.as_bytes()).map_err(
                |e| {
                    tracing::error!(error = %e, "cannot write the eligibility outbox");
                    DomainError::unavailable("the eligibility outbox cannot be written")
                },
            )?;
        }
        Ok(row)
    })
}

/// Stores the clearinghouse's answer (the 271, or the failure as text) on a started check,
/// audited, in one transaction.
pub fn complete(
    c: &mut AnyConnection,
    ctx: &RequestCtx,
    row: CheckRow,
    outcome: Result<String, String>,
) -> DomainResult<CheckRow> {
    c.write_transaction(|c| {
        let id = row.id;
        let row = finish(c, row, outcome)?;
        let entry = AuditEntry::success(ctx, "update", RESOURCE, Some(id.to_string()));
        audit_store::insert(c, &[entry])?;
        Ok(row)
    })
}
