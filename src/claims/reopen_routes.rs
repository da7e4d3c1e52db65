//! `POST /v1/encounters/{id}/reopen`: reopening a billed encounter (`reopen`) over HTTP
//! (permission, reason and If-Match checks, the blocking-pool hand-off).

use actix_web::{post, web, HttpRequest, HttpResponse};

use super::reopen;
use crate::auth::roles::Permission;
use crate::encounters::check;
use crate::encounters::forms::ReasonBody;
use crate::encounters::model::{EncounterDoc, EncounterId};
use crate::encounters::routes::doc_response;
use crate::error::{DomainError, DomainResult};
use crate::http::versioning::required_if_match;
use crate::http::{JsonBody, RequestCtx};
use crate::state::AppState;

/// Reopen the encounter of a rejected (or voided) claim for coding, with a reason (If-Match;
/// billing and admin). Its rejected claim stays as history, marked superseded; after sign-off
/// a new original claim can be built. 409 while one of its claims waits on an answer.
#[utoipa::path(post, path = "/v1/encounters/{id}/reopen", tag = "encounters", request_body = ReasonBody,
    params(("id" = uuid::Uuid, Path, description = "Encounter id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = EncounterDoc), (status = 403, body = crate::http::problem::Problem),
        (status = 404, body = crate::http::problem::Problem), (status = 409, body = crate::http::problem::Problem),
        (status = 412, body = crate::http::problem::Problem), (status = 422, body = crate::http::problem::Problem),
        (status = 428, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/encounters/{id}/reopen")]
pub async fn reopen_encounter(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<EncounterId>,
    body: JsonBody<ReasonBody>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimWrite)?;
    let reason =
        check::reason(&body.value.reason, 1).map_err(|e| DomainError::validation(vec![e]))?;
    let expected = required_if_match(&req)?;
    let id = id.into_inner();
    let doc = web::block(move || -> DomainResult<EncounterDoc> {
        let mut conn = state.pool.get()?;
        let codes = state.codes();
        conn.write_transaction(|c| reopen::reopen_in(c, codes, &ctx, id, expected, &reason))
    })
    .await??;
    Ok(doc_response(&doc))
}
