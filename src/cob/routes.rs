//! `POST /v1/claims/{id}/next-payer`: bill the patient's next coverage for what is left after
//! the claim's payer adjudicated it.

use actix_web::{post, web, HttpRequest, HttpResponse};

use super::service;
use crate::auth::roles::Permission;
use crate::claims::model::{ClaimDoc, ClaimId};
use crate::claims::service::doc;
use crate::error::DomainResult;
use crate::http::idempotency::{
    run_idempotent, IdempotencyKey, RequestFingerprint, StoredResponse,
};
use crate::http::versioning::if_match;
use crate::http::RequestCtx;
use crate::state::AppState;

/// Bill the next payer (secondary after primary, tertiary after secondary) for claim `id`,
/// once its payer adjudicated it (paid, partially paid or denied). Builds a `validated` claim
/// for the patient's next active coverage on the date of service, carrying every earlier
/// payer's decision (837P loops 2320/2330/2430), and moves the open balance to it (ledger
/// transfers, not a new charge). 409 when the payer crossed the claim over itself (CLP02
/// 19/20, MA18/N89: the next payer's remittance is awaited), when there is no next coverage,
/// when a claim already follows this one, or before adjudication. If-Match (optional) is the
/// claim's version; `Idempotency-Key` makes retries safe.
#[utoipa::path(post, path = "/v1/claims/{id}/next-payer", tag = "claims",
    params(("id" = uuid::Uuid, Path, description = "The adjudicated claim"),
        ("If-Match" = Option<String>, Header, description = "The claim ETag you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = ClaimDoc), (status = 403, body = crate::http::problem::Problem),
        (status = 404, body = crate::http::problem::Problem), (status = 409, body = crate::http::problem::Problem),
        (status = 412, body = crate::http::problem::Problem), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/claims/{id}/next-payer")]
pub async fn next_payer(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<ClaimId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimWrite)?;
    let expected = if_match(&req)?;
    let id = id.into_inner();
    let fp = RequestFingerprint::of(&req, String::new());
    let audit_ctx = ctx.clone();
    let submitter = state.submitter.clone();
    run_idempotent(state, &ctx, key, fp, move |conn| {
        let row = service::next_payer_in(conn, &audit_ctx, &submitter, id, expected)?;
        let d = doc(conn, row)?;
        StoredResponse::created(format!("/v1/claims/{}", d.id), d.version, &d)
    })
    .await
}
