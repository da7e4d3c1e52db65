//! `GET /v1/events` (the feed), `GET /v1/events/{id}` and `POST /v1/events/{id}/redeliver`.

use actix_web::{get, post, web, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::{store, types, Event, EventId};
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::roles::Permission;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::http::pagination;
use crate::http::reads::with_conn;
use crate::http::RequestCtx;
use crate::state::AppState;
use crate::webhooks::{model::EndpointId, queue, store as endpoints};

/// Query parameters of `GET /v1/events`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// The `next_cursor` of the previous answer (none or empty: from the first event).
    #[param(pattern = r"^([A-Za-z0-9_-]{10}[AEIMQUYcgkosw048])?$")]
    pub after: Option<String>,
    /// Comma-separated event types or `resource.*` patterns (none: all). A well-formed name
    /// no event has yet matches nothing (so a client may subscribe ahead of a new type).
    #[param(
        pattern = r"^((\*|[a-z_]{1,40}\.(\*|[a-z_]{1,40}))(,(\*|[a-z_]{1,40}\.(\*|[a-z_]{1,40})))*)?$"
    )]
    pub types: Option<String>,
    /// Page size (1..=500, default 50).
    pub limit: Option<i64>,
}

/// A page of the feed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedPage {
    /// Events in feed (commit) order.
    pub items: Vec<Event>,
    /// Pass as `after` next time: always present, so a poller keeps its place even when the
    /// page is empty. Durable: it stays valid forever.
    pub next_cursor: String,
    /// Whether more events follow right away.
    pub has_more: bool,
}

fn encode(position: i64) -> String {
    URL_SAFE_NO_PAD.encode(position.to_be_bytes())
}

fn decode(cursor: Option<&str>) -> DomainResult<i64> {
    let Some(c) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(0);
    };
    URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
        // Positions start at 1: any lower value means the start.
        .map(|b| i64::from_be_bytes(b).max(0))
        .ok_or_else(|| {
            DomainError::invalid_field(
                "?after",
                "invalid_cursor",
                "the cursor is not one this API returned",
            )
        })
}

/// `*`, `resource.*` or `resource.what` in lower case and underscores.
fn well_formed(p: &str) -> bool {
    let word = |w: &str| {
        (1..=40).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    };
    p == "*"
        || p.split_once('.')
            .is_some_and(|(r, w)| word(r) && (w == "*" || word(w)))
}

/// Expands `types` into the event type names it covers.
fn type_names(types: Option<&str>) -> DomainResult<Vec<String>> {
    let Some(list) = types.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(Vec::new());
    };
    let mut names = Vec::new();
    for p in list.split(',').map(str::trim) {
        if !well_formed(p) {
            return Err(DomainError::validation(vec![FieldError::new(
                "?types",
                "invalid_value",
                format!("{p} is not an event type or a resource.* pattern"),
            )]));
        }
        if p == "*" {
            return Ok(Vec::new());
        }
        if p.ends_with(".*") {
            names.extend(
                types::ALL
                    .iter()
                    .filter(|t| types::matches(p, t.name))
                    .map(|t| t.name.to_string()),
            );
        } else {
            names.push(p.to_string());
        }
    }
    // Only unknown names: an impossible name keeps the filter from meaning "all".
    if names.is_empty() {
        names.push(String::new());
    }
    Ok(names)
}

/// The event feed: every committed event once, in commit order, after a durable cursor.
#[utoipa::path(get, path = "/v1/events", tag = "events", params(FeedQuery),
    responses((status = 200, body = FeedPage), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: crate::http::query::Query<FeedQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EventRead)?;
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = decode(q.after.as_deref())?;
    let names = type_names(q.types.as_deref())?;
    let rows = with_conn(&state, move |c| {
        // Events committed since the worker last ran get their positions now, so the feed
        // does not wait for the worker.
        store::sequence_all(c)?;
        Ok(store::feed(c, after, &names, limit + 1)?)
    })
    .await?;
    let has_more = rows.len() as i64 > limit;
    let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
    let last = rows.last().and_then(|r| r.position).unwrap_or(after);
    Ok(HttpResponse::Ok().json(FeedPage {
        items: rows.into_iter().map(Event::from).collect(),
        next_cursor: encode(last),
        has_more,
    }))
}

/// One event.
#[utoipa::path(get, path = "/v1/events/{id}", tag = "events",
    params(("id" = uuid::Uuid, Path, description = "Event id")),
    responses((status = 200, body = Event), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/events/{id}")]
pub async fn get_event(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<EventId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EventRead)?;
    let id = id.into_inner();
    let row = with_conn(&state, move |c| Ok(store::find(c, id)?)).await?;
    let row = row.ok_or_else(|| DomainError::not_found("event"))?;
    Ok(HttpResponse::Ok().json(Event::from(row)))
}

/// The body of `POST /v1/events/{id}/redeliver`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeliverRequest {
    /// Only to this endpoint (default: every enabled endpoint subscribed to the event's type).
    pub endpoint_id: Option<EndpointId>,
}

/// How many deliveries were queued.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Redelivery {
    /// Deliveries queued (due now).
    pub queued: usize,
}

/// Deliver an event again (same `webhook-id`), e.g. after an endpoint was fixed.
#[utoipa::path(post, path = "/v1/events/{id}/redeliver", tag = "events",
    request_body(content = Option<RedeliverRequest>, description = "Optional: one endpoint"),
    params(("id" = uuid::Uuid, Path, description = "Event id")),
    responses((status = 202, body = Redelivery), (status = 404, body = crate::http::problem::Problem),
        (status = 409, body = crate::http::problem::Problem), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/events/{id}/redeliver")]
pub async fn redeliver_event(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<EventId>,
    body: web::Bytes,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::WebhookAdmin)?;
    let id = id.into_inner();
    // The body is optional: empty means every subscribed endpoint.
    let only = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        crate::http::json::parse_json::<Option<RedeliverRequest>>(&body)?
            .and_then(|r| r.endpoint_id)
    };
    let queued = web::block(move || -> DomainResult<usize> {
        let mut conn = state.pool.get()?;
        conn.write_transaction(|c| {
            let ev = store::find(c, id)?.ok_or_else(|| DomainError::not_found("event"))?;
            let targets: Vec<EndpointId> = match only {
                Some(ep) => {
                    let row = endpoints::find(c, ep)?
                        .ok_or_else(|| DomainError::not_found("webhook endpoint"))?;
                    if !row.enabled {
                        return Err(DomainError::conflict(
                            "the endpoint is disabled: enable it first",
                        ));
                    }
                    vec![row.id]
                }
                None => endpoints::enabled(c)?
                    .into_iter()
                    .filter(|e| e.wants(&ev.event_type))
                    .map(|e| e.id)
                    .collect(),
            };
            let n = queue::redeliver(c, id, &targets)?;
            let entry = AuditEntry::success(&ctx, "redeliver", "event", Some(id.to_string()));
            audit_store::insert(c, &[entry])?;
            Ok(n)
        })
    })
    .await??;
    Ok(HttpResponse::Accepted().json(Redelivery { queued }))
}

/// Mounts the event routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_events)
        .service(get_event)
        .service(redeliver_event);
}
