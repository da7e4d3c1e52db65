//! Webhook endpoint routes (admin): create (the secret shown once), list, read, update
//! (If-Match), rotate the secret, delete, and the attempts made to an endpoint.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::model::{
    Attempt, AttemptId, Endpoint, EndpointId, EndpointPatch, EndpointRow, EndpointWithSecret,
    NewEndpoint,
};
use super::{signing, ssrf, store};
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::roles::Permission;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::pagination::{self, Page};
use crate::http::reads::with_conn;
use crate::http::versioning::{etag, expect_version, if_match, required_if_match};
use crate::http::{JsonBody, RequestCtx};
use crate::state::AppState;

const RESOURCE: &str = "webhook_endpoint";

/// How long the secret before a rotation stays valid.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;

fn check_url(url: &str, policy: ssrf::UrlPolicy, errors: &mut Vec<FieldError>) {
    match ssrf::parse(url.trim(), policy) {
        Err(e) => errors.push(FieldError::new("/url", "invalid_url", e)),
        // A host that resolves now must resolve to allowed addresses (checked again before
        // every delivery); one that does not resolve yet is accepted.
        Ok(t) => {
            if let Ok(addrs) = std::net::ToSocketAddrs::to_socket_addrs(&(t.host.as_str(), t.port))
            {
                if let Some(why) = addrs
                    .map(|a| ssrf::refuse_ip(a.ip(), policy))
                    .find_map(|w| w)
                {
                    errors.push(FieldError::new(
                        "/url",
                        "forbidden_address",
                        format!("the host resolves to {why}, which is not allowed"),
                    ));
                }
            }
        }
    }
}

fn check_types(types: &[String], errors: &mut Vec<FieldError>) {
    if types.is_empty() || types.len() > 50 {
        errors.push(FieldError::new(
            "/event_types",
            "invalid_length",
            "give 1 to 50 event types (or [\"*\"])",
        ));
    }
    for (i, t) in types.iter().enumerate() {
        if !crate::events::types::valid_pattern(t) {
            errors.push(FieldError::new(
                format!("/event_types/{i}"),
                "invalid_value",
                format!("{t} is not an event type or a resource.* pattern"),
            ));
        }
    }
}

fn check_description(d: Option<&str>, errors: &mut Vec<FieldError>) {
    if d.is_some_and(|d| d.chars().count() > 500) {
        errors.push(FieldError::new(
            "/description",
            "too_long",
            "at most 500 characters",
        ));
    } else if d.is_some_and(|d| d.chars().any(char::is_control)) {
        errors.push(FieldError::new(
            "/description",
            "invalid_text",
            "one line of text: no control characters",
        ));
    }
}

fn types_json(types: &[String]) -> ApiResult<String> {
    serde_json::to_string(types).map_err(|_| ApiError::internal())
}

fn audit(c: &mut AnyConnection, ctx: &RequestCtx, action: &str, id: EndpointId) -> ApiResult<()> {
    let entry = AuditEntry::success(ctx, action, RESOURCE, Some(id.to_string()));
    audit_store::insert(c, &[entry])?;
    Ok(())
}

/// Register a webhook endpoint; the answer shows its signing secret, once.
#[utoipa::path(post, path = "/v1/webhook-endpoints", tag = "webhooks", request_body = NewEndpoint,
    responses((status = 201, body = EndpointWithSecret), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
#[post("/v1/webhook-endpoints")]
pub async fn create_endpoint(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    body: JsonBody<NewEndpoint>,
) -> ApiResult<HttpResponse> {
    ctx.require(Permission::WebhookAdmin)?;
    let input = body.value;
    let policy = state.webhooks.policy;
    let st = state.clone();
    let row = web::block(move || -> ApiResult<EndpointRow> {
        let mut errors = Vec::new();
        check_url(&input.url, policy, &mut errors);
        check_types(&input.event_types, &mut errors);
        check_description(input.description.as_deref(), &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let now = Timestamp::now();
        let row = EndpointRow {
            id: EndpointId::new(),
            url: input.url.trim().to_string(),
            event_types: types_json(&input.event_types)?,
            description: input.description,
            secret: signing::new_secret(),
            previous_secret: None,
            previous_secret_expires_at: None,
            enabled: true,
            disabled_reason: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let mut conn = st.pool.get()?;
        conn.write_transaction(|c| {
            store::insert(c, &row)?;
            audit(c, &ctx, "create", row.id)?;
            Ok(row)
        })
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
    responses((status = 200, body = inline(Page<Endpoint>)), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
#[get("/v1/webhook-endpoints")]
pub async fn list_endpoints(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: crate::http::query::Query<EndpointQuery>,
) -> ApiResult<HttpResponse> {
    ctx.require(Permission::WebhookAdmin)?;
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref())?.map(EndpointId);
    let rows = with_conn(&state, move |c| Ok(store::list(c, after, limit + 1)?)).await?;
    let items: Vec<Endpoint> = rows.iter().map(Endpoint::from).collect();
    Ok(HttpResponse::Ok().json(pagination::page(items, limit, |e| e.id.0)))
}

async fn load(state: &web::Data<AppState>, id: EndpointId) -> ApiResult<EndpointRow> {
    with_conn(state, move |c| Ok(store::find(c, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("webhook endpoint"))
}

/// Read a webhook endpoint (without its secret).
#[utoipa::path(get, path = "/v1/webhook-endpoints/{id}", tag = "webhooks",
    params(("id" = uuid::Uuid, Path, description = "Endpoint id")),
    responses((status = 200, body = Endpoint), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
#[get("/v1/webhook-endpoints/{id}")]
pub async fn get_endpoint(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<EndpointId>,
) -> ApiResult<HttpResponse> {
    ctx.require(Permission::WebhookAdmin)?;
    let row = load(&state, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.version)))
        .json(Endpoint::from(&row)))
}

/// Loads endpoint `id`, checks `expected`, applies `edit` and saves it as the next version.
fn change(
    c: &mut AnyConnection,
    ctx: &RequestCtx,
    id: EndpointId,
    expected: Option<i32>,
    action: &str,
    edit: impl FnOnce(&mut EndpointRow) -> ApiResult<()>,
) -> ApiResult<EndpointRow> {
    let cur = store::find(c, id)?.ok_or_else(|| ApiError::not_found("webhook endpoint"))?;
    expect_version(cur.version, expected)?;
    let mut next = cur.clone();
    edit(&mut next)?;
    crate::db::versioned::save_next(
        c,
        cur.version,
        &mut next,
        |c, n| Ok(store::save(c, n)?),
        |c| Ok(store::find(c, id)?.map(|r| r.version)),
    )?;
    audit(c, ctx, action, id)?;
    Ok(next)
}

/// Change a webhook endpoint: URL, subscriptions, description, or enable / disable it.
#[utoipa::path(patch, path = "/v1/webhook-endpoints/{id}", tag = "webhooks", request_body = EndpointPatch,
    params(("id" = uuid::Uuid, Path, description = "Endpoint id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = Endpoint), (status = 404, body = crate::error::Problem),
        (status = 412, body = crate::error::Problem), (status = 422, body = crate::error::Problem),
        (status = 428, body = crate::error::Problem)),
    security(("bearer" = [])))]
#[patch("/v1/webhook-endpoints/{id}")]
pub async fn update_endpoint(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<EndpointId>,
    body: JsonBody<EndpointPatch>,
) -> ApiResult<HttpResponse> {
    ctx.require(Permission::WebhookAdmin)?;
    let expected = required_if_match(&req)?;
    let p = body.value;
    let policy = state.webhooks.policy;
    let id = id.into_inner();
    let st = state.clone();
    let row = web::block(move || -> ApiResult<EndpointRow> {
        let mut errors = Vec::new();
        if let Some(u) = &p.url {
            check_url(u, policy, &mut errors);
        }
        if let Some(t) = &p.event_types {
            check_types(t, &mut errors);
        }
        check_description(p.description.as_deref(), &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let mut conn = st.pool.get()?;
        conn.write_transaction(|c| {
            change(c, &ctx, id, expected, "update", |row| {
                if let Some(u) = p.url {
                    row.url = u.trim().to_string();
                }
                if let Some(t) = &p.event_types {
                    row.event_types = types_json(t)?;
                }
                if p.description.is_some() {
                    row.description = p.description;
                }
                match p.enabled {
                    Some(true) => {
                        row.enabled = true;
                        row.disabled_reason = None;
                    }
                    Some(false) if row.enabled => {
                        row.enabled = false;
                        row.disabled_reason = Some("disabled by an administrator".into());
                    }
                    _ => {}
                }
                Ok(())
            })
        })
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
    responses((status = 200, body = EndpointWithSecret), (status = 404, body = crate::error::Problem),
        (status = 412, body = crate::error::Problem)),
    security(("bearer" = [])))]
#[post("/v1/webhook-endpoints/{id}/rotate-secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<EndpointId>,
) -> ApiResult<HttpResponse> {
    ctx.require(Permission::WebhookAdmin)?;
    let expected = if_match(&req)?;
    let id = id.into_inner();
    let st = state.clone();
    let row = web::block(move || -> ApiResult<EndpointRow> {
        let mut conn = st.pool.get()?;
        conn.write_transaction(|c| {
            change(c, &ctx, id, expected, "rotate_secret", |row| {
                let until = Timestamp::now().0 + chrono::Duration::hours(ROTATION_OVERLAP_HOURS);
                row.previous_secret =
                    Some(std::mem::replace(&mut row.secret, signing::new_secret()));
                row.previous_secret_expires_at = Some(Timestamp(until));
                Ok(())
            })
        })
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
    responses((status = 204), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
#[delete("/v1/webhook-endpoints/{id}")]
pub async fn delete_endpoint(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<EndpointId>,
) -> ApiResult<HttpResponse> {
    ctx.require(Permission::WebhookAdmin)?;
    let id = id.into_inner();
    let st = state.clone();
    web::block(move || -> ApiResult<()> {
        let mut conn = st.pool.get()?;
        conn.write_transaction(|c| {
            if !store::delete(c, id)? {
                return Err(ApiError::not_found("webhook endpoint"));
            }
            audit(c, &ctx, "delete", id)
        })
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
    responses((status = 200, body = inline(Page<Attempt>)), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
#[get("/v1/webhook-endpoints/{id}/attempts")]
pub async fn list_attempts(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<EndpointId>,
    q: crate::http::query::Query<AttemptQuery>,
) -> ApiResult<HttpResponse> {
    ctx.require(Permission::WebhookAdmin)?;
    let id = id.into_inner();
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let before = pagination::decode_cursor(q.cursor.as_deref())?.map(AttemptId);
    let rows = with_conn(&state, move |c| {
        if store::find(c, id)?.is_none() {
            return Err(ApiError::not_found("webhook endpoint"));
        }
        Ok(store::attempts(c, id, before, limit + 1)?)
    })
    .await?;
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
