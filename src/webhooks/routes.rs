//! Webhook endpoint routes (admin): create (the secret shown once), list, read, update
//! (If-Match), rotate the secret, delete, and the attempts made to an endpoint. The changes
//! themselves are in `webhooks::service`.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::model::{
    Attempt, AttemptId, Endpoint, EndpointId, EndpointPatch, EndpointRow, EndpointWithSecret,
    NewEndpoint,
};
use super::{service, store};
use crate::auth::roles::Permission;
use crate::error::{DomainError, DomainResult};
use crate::http::pagination::{self, Page};
use crate::http::reads::with_conn;
use crate::http::versioning::{etag, if_match, required_if_match};
use crate::http::{JsonBody, RequestCtx};
use crate::state::AppState;

/// Register a webhook endpoint; the answer shows its signing secret, once.
#[utoipa::path(post, path = "/v1/webhook-endpoints", tag = "webhooks", request_body = NewEndpoint,
    responses((status = 201, body = EndpointWithSecret), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/webhook-endpoints")]
pub async fn create_endpoint(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    body: JsonBody<NewEndpoint>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::WebhookAdmin)?;
    let input = body.value;
    let policy = state.webhooks.policy;
    let st = state.clone();
    let row = web::block(move || -> DomainResult<EndpointRow> {
        service::validate_new(&input, policy)?;
        let mut conn = st.pool.get()?;
        conn.write_transaction(|c| service::create(c, &ctx, input))
    })
    .await??;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/webhook-endpoints/{}", row.id),
        ))
        .insert_header((header::ETAG, etag(row.version)))
        .json(EndpointWithSecret {
            endpoint: Endpoint::from(&row),
            secret: row.secret.clone(),
        }))
}

/// Query parameters of the endpoint list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EndpointQuery {
    /// Page size (1..=500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List webhook endpoints (without secrets).
#[utoipa::path(get, path = "/v1/webhook-endpoints", tag = "webhooks", params(EndpointQuery),
    responses((status = 200, body = inline(Page<Endpoint>)), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/webhook-endpoints")]
pub async fn list_endpoints(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: crate::http::query::Query<EndpointQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::WebhookAdmin)?;
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref())?.map(EndpointId);
    let rows = with_conn(&state, move |c| Ok(store::list(c, after, limit + 1)?)).await?;
    let items: Vec<Endpoint> = rows.iter().map(Endpoint::from).collect();
    Ok(HttpResponse::Ok().json(pagination::page(items, limit, |e| e.id.0)))
}

async fn load(state: &web::Data<AppState>, id: EndpointId) -> DomainResult<EndpointRow> {
    with_conn(state, move |c| Ok(store::find(c, id)?))
        .await?
        .ok_or_else(|| DomainError::not_found("webhook endpoint"))
}

/// Read a webhook endpoint (without its secret).
#[utoipa::path(get, path = "/v1/webhook-endpoints/{id}", tag = "webhooks",
    params(("id" = uuid::Uuid, Path, description = "Endpoint id")),
    responses((status = 200, body = Endpoint), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/webhook-endpoints/{id}")]
pub async fn get_endpoint(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<EndpointId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::WebhookAdmin)?;
    let row = load(&state, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.version)))
        .json(Endpoint::from(&row)))
}

/// Change a webhook endpoint: URL, subscriptions, description, or enable / disable it.
#[utoipa::path(patch, path = "/v1/webhook-endpoints/{id}", tag = "webhooks", request_body = EndpointPatch,
    params(("id" = uuid::Uuid, Path, description = "Endpoint id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = Endpoint), (status = 404, body = crate::http::problem::Problem),
        (status = 412, body = crate::http::problem::Problem), (status = 422, body = crate::http::problem::Problem),
        (status = 428, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[patch("/v1/webhook-endpoints/{id}")]
pub async fn update_endpoint(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<EndpointId>,
    body: JsonBody<EndpointPatch>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::WebhookAdmin)?;
    let expected = required_if_match(&req)?;
    let p = body.value;
    let policy = state.webhooks.policy;
    let id = id.into_inner();
    let st = state.clone();
    let row = web::block(move || -> DomainResult<EndpointRow> {
        service::validate_patch(&p, policy)?;
        let mut conn = st.pool.get()?;
        conn.write_transaction(|c| service::update(c, &ctx, id, expected, p))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.version)))
        .json(Endpoint::from(&row)))
}

/// Rotate the signing secret: the new one is shown once; the old one also signs deliveries
/// for 24 hours, so receivers can switch without missing any.
#[utoipa::path(post, path = "/v1/webhook-endpoints/{id}/rotate-secret", tag = "webhooks",
    params(("id" = uuid::Uuid, Path, description = "Endpoint id"), ("If-Match" = Option<String>, Header, description = "The ETag you read")),
    responses((status = 200, body = EndpointWithSecret), (status = 404, body = crate::http::problem::Problem),
        (status = 412, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/webhook-endpoints/{id}/rotate-secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<EndpointId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::WebhookAdmin)?;
    let expected = if_match(&req)?;
    let id = id.into_inner();
    let st = state.clone();
    let row = web::block(move || -> DomainResult<EndpointRow> {
        let mut conn = st.pool.get()?;
        conn.write_transaction(|c| service::rotate_secret(c, &ctx, id, expected))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.version)))
        .json(EndpointWithSecret {
            endpoint: Endpoint::from(&row),
            secret: row.secret.clone(),
        }))
}

/// Delete a webhook endpoint with its pending deliveries and attempt records.
#[utoipa::path(delete, path = "/v1/webhook-endpoints/{id}", tag = "webhooks",
    params(("id" = uuid::Uuid, Path, description = "Endpoint id")),
    responses((status = 204), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[delete("/v1/webhook-endpoints/{id}")]
pub async fn delete_endpoint(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<EndpointId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::WebhookAdmin)?;
    let id = id.into_inner();
    let st = state.clone();
    web::block(move || -> DomainResult<()> {
        let mut conn = st.pool.get()?;
        conn.write_transaction(|c| service::delete(c, &ctx, id))
    })
    .await??;
    Ok(HttpResponse::NoContent().finish())
}

/// Query parameters of the attempt list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AttemptQuery {
    /// Page size (1..=500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page (older attempts).
    pub cursor: Option<String>,
}

/// Delivery attempts to an endpoint, newest first (status, latency, an excerpt of the answer).
#[utoipa::path(get, path = "/v1/webhook-endpoints/{id}/attempts", tag = "webhooks",
    params(("id" = uuid::Uuid, Path, description = "Endpoint id"), AttemptQuery),
    responses((status = 200, body = inline(Page<Attempt>)), (status = 404, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/webhook-endpoints/{id}/attempts")]
pub async fn list_attempts(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<EndpointId>,
    q: crate::http::query::Query<AttemptQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::WebhookAdmin)?;
    let id = id.into_inner();
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let before = pagination::decode_cursor(q.cursor.as_deref())?.map(AttemptId);
    let rows = with_conn(&state, move |c| service::attempts(c, id, before, limit + 1)).await?;
    Ok(HttpResponse::Ok().json(pagination::page(rows, limit, |a| a.id.0)))
}

/// Mounts the webhook endpoint routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_endpoint)
        .service(list_endpoints)
        .service(get_endpoint)
        .service(update_endpoint)
        .service(rotate_secret)
        .service(delete_endpoint)
        .service(list_attempts);
}
