//! What came back and what went out: `GET /v1/acknowledgments` (each file kept, with the
//! reason one could not be read or matched), `GET /v1/interchanges` and
//! `GET /v1/interchanges/{id}` (its claims and the acknowledgments that answered it). The raw
//! files and interchange texts are not served: they carry PHI and stay in the database.

use actix_web::{get, web, HttpResponse};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::interchange::InterchangeStatus;
use super::model::{AckId, ClaimId, InterchangeId};
use crate::auth::roles::Permission;
use crate::db::schema_claims::{acknowledgments as ak, interchanges as ic, submission_jobs as sj};
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};
use crate::http::pagination::{self, Page};
use crate::http::reads::{audit_phi_reads, with_conn};
use crate::http::RequestCtx;
use crate::payers::model::PayerId;
use crate::state::AppState;

/// A kept acknowledgment file (without its text).
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = ak)]
pub struct AckSummary {
    /// Id.
    pub id: AckId,
    /// `999`, `277CA`, or `unknown` (unreadable).
    pub kind: String,
    /// The file name as received.
    pub file_name: String,
    /// The interchange a 999 answered.
    pub interchange_id: Option<InterchangeId>,
    /// Why the file could not be read, or matched to an interchange; none when applied.
    pub error: Option<String>,
    /// When imported.
    pub received_at: Timestamp,
}

/// An interchange sent (or built and not yet confirmed), without its text.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = ic)]
pub struct InterchangeSummary {
    /// Id (also the file name and the idempotency key of the hand-off).
    pub id: InterchangeId,
    /// ISA06.
    pub sender: String,
    /// ISA08.
    pub receiver: String,
    /// The payer of its claims.
    #[schema(value_type = uuid::Uuid)]
    pub payer_id: PayerId,
    /// ISA13.
    pub isa_control: i64,
    /// GS06.
    pub gs_control: i64,
    /// ST02.
    pub st_control: i64,
    /// The file name handed to the clearinghouse.
    pub file_name: String,
    /// Claims in it.
    pub claim_count: i32,
    /// built, sent, accepted or rejected (the latest 999's verdict).
    #[schema(value_type = String)]
    pub status: InterchangeStatus,
    /// When the adapter confirmed the hand-off.
    pub sent_at: Option<Timestamp>,
    /// When built.
    pub created_at: Timestamp,
}

/// An interchange with its claims and the acknowledgments that answered it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InterchangeDoc {
    /// The interchange.
    #[serde(flatten)]
    pub interchange: InterchangeSummary,
    /// The claims sent in it.
    pub claim_ids: Vec<ClaimId>,
    /// The 999s matched to it, oldest first.
    pub acknowledgments: Vec<AckSummary>,
}

/// Query of `GET /v1/acknowledgments`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AckQuery {
    /// `999`, `277CA` or `unknown`.
    #[param(pattern = r"^(999|277CA|unknown)$")]
    pub kind: Option<String>,
    /// true: only the files that could not be read or matched.
    pub failed: Option<bool>,
    /// Page size (1..=500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Query of `GET /v1/interchanges`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InterchangeQuery {
    /// built, sent, accepted or rejected.
    #[param(pattern = r"^(built|sent|accepted|rejected)$")]
    pub status: Option<String>,
    /// Page size (1..=500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

const KINDS: [&str; 3] = ["999", "277CA", "unknown"];
const IC_STATUSES: [&str; 4] = ["built", "sent", "accepted", "rejected"];

fn bad_value(pointer: &str, allowed: &[&str]) -> DomainError {
    DomainError::invalid_field(
        pointer,
        "invalid_value",
        format!("must be one of {}", allowed.join(", ")),
    )
}

fn list_acks(
    conn: &mut AnyConnection,
    q: &AckQuery,
    after: Option<AckId>,
    limit: i64,
) -> QueryResult<Vec<AckSummary>> {
    let mut s = ak::table.select(AckSummary::as_select()).into_boxed();
    if let Some(k) = &q.kind {
        s = s.filter(ak::kind.eq(k.clone()));
    }
    match q.failed {
        Some(true) => s = s.filter(ak::error.is_not_null()),
        Some(false) => s = s.filter(ak::error.is_null()),
        None => {}
    }
    if let Some(a) = after {
        s = s.filter(ak::id.gt(a));
    }
    s.order(ak::id.asc()).limit(limit).load(conn)
}

/// List the acknowledgment files imported, with the reason for those that could not be read
/// or matched (`failed=true`).
#[utoipa::path(get, path = "/v1/acknowledgments", tag = "claims", params(AckQuery),
    responses((status = 200, body = inline(Page<AckSummary>)), (status = 403, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/acknowledgments")]
pub async fn list_acknowledgments(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: web::Query<AckQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimRead)?;
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref())?.map(AckId);
    if q.kind.as_deref().is_some_and(|k| !KINDS.contains(&k)) {
        return Err(bad_value("?kind", &KINDS));
    }
    let rows = with_conn(&state, move |c| Ok(list_acks(c, &q, after, limit + 1)?)).await?;
    let page = pagination::page(rows, limit, |a| a.id.0);
    // A reader's error can quote the file, which may name a patient.
    let ids: Vec<String> = page.items.iter().map(|a| a.id.to_string()).collect();
    audit_phi_reads(&state, &ctx, "search", "acknowledgment", ids).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// List interchanges, newest last (`status=rejected`: those a 999 refused).
#[utoipa::path(get, path = "/v1/interchanges", tag = "claims", params(InterchangeQuery),
    responses((status = 200, body = inline(Page<InterchangeSummary>)), (status = 403, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/interchanges")]
pub async fn list_interchanges(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: web::Query<InterchangeQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimRead)?;
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref())?.map(InterchangeId);
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => {
            Some(InterchangeStatus::parse(s).ok_or_else(|| bad_value("?status", &IC_STATUSES))?)
        }
    };
    let rows = with_conn(&state, move |c| {
        let mut s = ic::table
            .select(InterchangeSummary::as_select())
            .into_boxed();
        if let Some(st) = status {
            s = s.filter(ic::status.eq(st));
        }
        if let Some(a) = after {
            s = s.filter(ic::id.gt(a));
        }
        Ok(s.order(ic::id.asc()).limit(limit + 1).load(c)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(pagination::page(rows, limit, |i| i.id.0)))
}

/// One interchange with the claims sent in it and the 999s that answered it.
#[utoipa::path(get, path = "/v1/interchanges/{id}", tag = "claims",
    params(("id" = uuid::Uuid, Path, description = "Interchange id")),
    responses((status = 200, body = InterchangeDoc), (status = 403, body = crate::http::problem::Problem),
        (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/interchanges/{id}")]
pub async fn get_interchange(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<InterchangeId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimRead)?;
    let id = id.into_inner();
    let doc = with_conn(&state, move |c| -> DomainResult<InterchangeDoc> {
        let interchange = ic::table
            .find(id)
            .select(InterchangeSummary::as_select())
            .first(c)
            .optional()?
            .ok_or_else(|| DomainError::not_found("interchange"))?;
        let claim_ids = sj::table
            .filter(sj::interchange_id.eq(id))
            .order(sj::claim_id.asc())
            .select(sj::claim_id)
            .load(c)?;
        let acknowledgments = ak::table
            .filter(ak::interchange_id.eq(id))
            .order(ak::id.asc())
            .select(AckSummary::as_select())
            .load(c)?;
        Ok(InterchangeDoc {
            interchange,
            claim_ids,
            acknowledgments,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(doc))
}
