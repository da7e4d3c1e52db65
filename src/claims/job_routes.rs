//! The submission queue over HTTP: list jobs (the dead letters for a person to look at) and
//! retry a dead one.

use actix_web::{get, post, web, HttpResponse};

use super::forms::JobQuery;
use super::job_retry::retry_dead_job;
use super::model::JobId;
use super::queue::{self, Job};
use crate::auth::roles::Permission;
use crate::error::{DomainError, DomainResult};
use crate::http::pagination::{self, Page};
use crate::http::reads::with_conn;
use crate::http::RequestCtx;
use crate::outbox::JobStatus;
use crate::state::AppState;

/// List submission jobs (`status=dead`: those that used up their attempts).
#[utoipa::path(get, path = "/v1/submission-jobs", tag = "claims", params(JobQuery),
    responses((status = 200, body = inline(Page<Job>)), (status = 403, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/submission-jobs")]
pub async fn list_jobs(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: crate::http::query::Query<JobQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimRead)?;
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref())?.map(JobId);
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(JobStatus::parse(s).ok_or_else(|| {
            DomainError::invalid_field(
                "?status",
                "invalid_value",
                "status must be pending, leased, done or dead",
            )
        })?),
    };
    let rows = with_conn(&state, move |c| {
        Ok(queue::list(c, status, after, limit + 1)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(pagination::page(rows, limit, |j| j.id.0)))
}

/// Put a dead job back in the queue with a fresh attempt count. It is sent in the
/// interchange it was first built into, if any (the same control numbers and file name).
#[utoipa::path(post, path = "/v1/submission-jobs/{id}/retry", tag = "claims",
    params(("id" = uuid::Uuid, Path, description = "Job id")),
    responses((status = 200, body = Job), (status = 403, body = crate::http::problem::Problem),
        (status = 404, body = crate::http::problem::Problem), (status = 409, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/submission-jobs/{id}/retry")]
pub async fn retry_job(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<JobId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimWrite)?;
    let id = id.into_inner();
    let job = web::block(move || -> DomainResult<Job> {
        let mut conn = state.pool.get()?;
        retry_dead_job(&mut conn, &ctx, id, None)
    })
    .await??;
    Ok(HttpResponse::Ok().json(job))
}
