//! Remittances over HTTP: import an 835, list and read stored payments, the unmatched queue and
//! matching an item by hand. Billing and admin only (claim permissions); remittances are PHI, so
//! every read is audited.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::import::{self, ImportOutcome};
use super::status::RemittanceStatus;
use super::store::{self, RemittanceId, UnmatchedId};
use super::unmatched::{self, MatchOutcome, MatchRequest, UnmatchedItem};
use super::view::{self, RemittanceDoc, RemittanceSummary};
use crate::auth::roles::Permission;
use crate::error::{DomainError, DomainResult};
use crate::http::pagination::{self, Page};
use crate::http::reads::{audit_phi_reads, with_conn};
use crate::http::versioning::if_match;
use crate::http::{JsonBody, RequestCtx};
use crate::state::AppState;

/// Import an 835 (body `application/edi-x12`, at most `MEDBILL_REMIT_MAX_BYTES`, 16 MiB by
/// default: 413 above it; larger files go through the clearinghouse inbox or
/// `medbill remits import`). Idempotent: a payment already imported
/// (same sender, interchange, transaction set and trace number) is reported `duplicate` and
/// not posted again. An out-of-balance payment is stored, flagged and not posted.
#[utoipa::path(post, path = "/v1/remittances", tag = "remittances",
    request_body(content = String, content_type = "application/edi-x12",
        description = "An X12 835 (005010X221A1) interchange"),
    responses((status = 200, body = ImportOutcome), (status = 403, body = crate::http::problem::Problem),
        (status = 413, body = crate::http::problem::Problem), (status = 415, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/remittances")]
pub async fn import_remittance(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    payload: web::Payload,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimWrite)?;
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime != "application/edi-x12" && mime != "text/plain" {
        return Err(DomainError::new(
            crate::error::Category::UnsupportedMediaType,
            "unsupported-media-type",
            "send the 835 as application/edi-x12",
        ));
    }
    let body = super::upload_routes::read_body(&req, payload, state.remit_max_bytes).await?;
    let text = String::from_utf8(body).map_err(|_| {
        DomainError::invalid_field("", "encoding", "an 835 must be ASCII (UTF-8) text")
    })?;
    let submitter = state.submitter.clone();
    let outcome = with_conn(&state, move |c| {
        import::import_835(c, &ctx, &submitter, "upload.835", &text)
    })
    .await?;
    Ok(HttpResponse::Ok().json(outcome))
}

/// Query of `GET /v1/remittances`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RemittanceQuery {
    /// posted, out_of_balance, partially_unmatched or unmatched.
    #[param(pattern = r"^(posted|out_of_balance|partially_unmatched|unmatched)$")]
    pub status: Option<String>,
    /// Page size (1..=500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List stored remittances, newest first.
#[utoipa::path(get, path = "/v1/remittances", tag = "remittances", params(RemittanceQuery),
    responses((status = 200, body = inline(Page<RemittanceSummary>)),
        (status = 403, body = crate::http::problem::Problem), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/remittances")]
pub async fn list_remittances(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: web::Query<RemittanceQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimRead)?;
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref())?.map(RemittanceId);
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(RemittanceStatus::parse(s).ok_or_else(|| {
            DomainError::invalid_field(
                "?status",
                "invalid_value",
                "status must be posted, out_of_balance, partially_unmatched or unmatched",
            )
        })?),
    };
    let rows = with_conn(&state, move |c| {
        Ok(store::list(c, status, after, limit + 1)?)
    })
    .await?;
    let summaries: Vec<RemittanceSummary> = rows.iter().map(view::summary).collect();
    let page = pagination::page(summaries, limit, |r| r.id.0);
    audit_phi_reads(
        &state,
        &ctx,
        "search",
        import::RESOURCE,
        page.items.iter().map(|r| r.id.to_string()),
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// A stored remittance: payment, trace number, payer, what happened to each claim, PLB,
/// balance check and warnings.
#[utoipa::path(get, path = "/v1/remittances/{id}", tag = "remittances",
    params(("id" = uuid::Uuid, Path, description = "Remittance id")),
    responses((status = 200, body = RemittanceDoc), (status = 403, body = crate::http::problem::Problem),
        (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/remittances/{id}")]
pub async fn get_remittance(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<RemittanceId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimRead)?;
    let id = id.into_inner();
    let (d, _) = with_conn(&state, move |c| view::load(c, id)).await?;
    audit_phi_reads(&state, &ctx, "read", import::RESOURCE, [d.id.to_string()]).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", d.version)))
        .json(d))
}

/// Query of `GET /v1/remittances/unmatched`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UnmatchedQuery {
    /// Most items returned (1..=500, default 50), oldest first.
    pub limit: Option<i64>,
}

/// The unmatched queue: claim payments of imported 835s that fit no claim (unknown CLP01), whose
/// lines fit none of the claim's, or that posting refused; oldest first.
#[utoipa::path(get, path = "/v1/remittances/unmatched", tag = "remittances", params(UnmatchedQuery),
    responses((status = 200, body = Vec<UnmatchedItem>), (status = 403, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/remittances/unmatched")]
pub async fn list_unmatched(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: web::Query<UnmatchedQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimRead)?;
    let limit = pagination::limit(q.into_inner().limit)?;
    let items = with_conn(&state, move |c| unmatched::list_open(c, &ctx, limit)).await?;
    Ok(HttpResponse::Ok().json(items))
}

/// Attach an unmatched claim payment to a claim by hand; it then posts exactly as an automatic
/// match would (If-Match optional: the item's version).
#[utoipa::path(post, path = "/v1/remittances/unmatched/{id}/match", tag = "remittances",
    request_body = MatchRequest,
    params(("id" = uuid::Uuid, Path, description = "Unmatched item id"),
        ("If-Match" = Option<String>, Header, description = "The item's version you read")),
    responses((status = 200, body = MatchOutcome), (status = 403, body = crate::http::problem::Problem),
        (status = 404, body = crate::http::problem::Problem), (status = 409, body = crate::http::problem::Problem),
        (status = 412, body = crate::http::problem::Problem), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/remittances/unmatched/{id}/match")]
pub async fn match_unmatched(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<UnmatchedId>,
    body: JsonBody<MatchRequest>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimWrite)?;
    let expected = if_match(&req)?;
    let id = id.into_inner();
    let body = body.value;
    let submitter = state.submitter.clone();
    let out = with_conn(&state, move |c| {
        unmatched::match_by_hand(c, &ctx, &submitter, id, expected, &body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Registers the remittance routes (the unmatched queue before `{id}`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(import_remittance)
        .service(list_remittances)
        .service(list_unmatched)
        .service(match_unmatched)
        .service(get_remittance);
}
