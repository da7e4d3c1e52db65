//! Admin-only audit endpoints: list with filters, and verify the hash chain.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::anchor::Checkpoint;
use super::chain::{self, VerifyReport};
use super::store::{self, AuditFilter, AuditRecord};
use crate::auth::roles::Permission;
use crate::error::{DomainError, DomainResult};
use crate::http::pagination;
use crate::http::reads::with_conn;
use crate::http::RequestCtx;
use crate::state::AppState;

/// Query parameters of `GET /v1/audit`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only this actor (`user:<id>`, `service:<id>`, ...).
    pub actor: Option<String>,
    /// Only this resource type.
    pub resource_type: Option<String>,
    /// Only this resource id.
    pub resource_id: Option<String>,
    /// Events at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Events before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Page size (1..=500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page (an audit sequence number).
    #[param(pattern = r"^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// A page of audit rows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    /// Rows in insertion order.
    pub items: Vec<AuditRecord>,
    /// Cursor for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// List audit events.
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: crate::http::query::Query<AuditQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::AuditRead)?;
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after_id = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            DomainError::invalid_field(
                "?cursor",
                "invalid_cursor",
                "the cursor is not one this API returned",
            )
        })?),
    };
    let filter = AuditFilter {
        actor: q.actor,
        resource_type: q.resource_type,
        resource_id: q.resource_id,
        from: q.from,
        to: q.to,
        after_id,
    };
    let rows = with_conn(&state, move |conn| -> DomainResult<Vec<AuditRecord>> {
        Ok(store::list(conn, &filter, limit + 1)?)
    })
    .await?;
    let more = rows.len() as i64 > limit;
    let mut items = rows;
    items.truncate(limit as usize);
    let next_cursor = if more {
        items.last().map(|r| r.id.to_string())
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(AuditPage { items, next_cursor }))
}

/// Verify the audit hash chain and report the first broken link.
///
/// Checks keyed links with the audit key and the signed checkpoints of the chain's head.
#[utoipa::path(get, path = "/v1/audit/verify", tag = "audit",
    responses((status = 200, body = VerifyReport), (status = 403, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/audit/verify")]
pub async fn verify_audit(
    state: web::Data<AppState>,
    ctx: RequestCtx,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::AuditRead)?;
    let anchor = state.audit_anchor.clone();
    let report = with_conn(&state, move |conn| -> DomainResult<VerifyReport> {
        Ok(chain::verify_with(conn, &anchor)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// The signed checkpoints of the chain's head.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckpointList {
    /// Oldest first, as written.
    pub items: Vec<Checkpoint>,
}

/// List the signed checkpoints of the audit chain, so an operator can copy them off the
/// machine (`medbill audit verify --checkpoints FILE` checks a copy; each item's fields form a
/// line of that file: `seq hash at signature`).
#[utoipa::path(get, path = "/v1/audit/checkpoints", tag = "audit",
    responses((status = 200, body = CheckpointList), (status = 403, body = crate::http::problem::Problem),
              (status = 500, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/audit/checkpoints")]
pub async fn list_checkpoints(
    state: web::Data<AppState>,
    ctx: RequestCtx,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::AuditRead)?;
    let anchor = state.audit_anchor.clone();
    // A file read; small, but kept off the async workers like any other blocking I/O.
    let items = web::block(move || anchor.read_checkpoints())
        .await
        .map_err(|_| DomainError::unavailable("the checkpoint file could not be read; retry"))?
        .map_err(|e| {
            // The file is outside the database and should always read back: an operator must
            // look (the log names the path and the unsigned line).
            tracing::error!(error = %e, "audit checkpoints cannot be read");
            DomainError::internal()
        })?;
    Ok(HttpResponse::Ok().json(CheckpointList { items }))
}

/// Mounts the audit routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(verify_audit)
        .service(list_checkpoints)
        .service(list_audit);
}
