//! Patient payment routes: `POST /v1/patients/{id}/payments` (front desk, billing, admin),
//! `GET /v1/patients/{id}/payments`, and `POST /v1/patients/{id}/refunds` (billing, admin: a
//! refund adjusts the account).

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::forms::{PaymentBody, RefundBody};
use super::payments::{self, PaymentList, PaymentOutcome};
use crate::auth::roles::Permission;
use crate::error::DomainResult;
use crate::http::idempotency::{
    run_idempotent, IdempotencyKey, RequestFingerprint, StoredResponse,
};
use crate::http::reads::{audit_phi_reads, with_conn};
use crate::http::{JsonBody, RequestCtx};
use crate::patients::model::PatientId;
use crate::state::AppState;

/// Record a patient payment (cash, check or card reference; never a card number) and apply it
/// to the oldest open patient balances, or to the lines named. What is left is a credit.
#[utoipa::path(post, path = "/v1/patients/{id}/payments", tag = "statements", request_body = PaymentBody,
    params(("id" = uuid::Uuid, Path, description = "Patient id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = PaymentOutcome), (status = 404, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/patients/{id}/payments")]
pub async fn post_patient_payment(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<PatientId>,
    body: JsonBody<PaymentBody>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PatientPaymentPost)?;
    let id = id.into_inner();
    body.value.validated()?;
    let fp = RequestFingerprint::of(&req, body.fingerprint);
    let actx = ctx.clone();
    let input = body.value;
    run_idempotent(state, &ctx, key, fp, move |conn| {
        let out = payments::post_payment(conn, &actx, id, &input)?;
        StoredResponse::created(
            format!("/v1/patients/{id}/payments#{}", out.payment.id),
            1,
            &out,
        )
    })
    .await
}

/// Give back part or all of a patient's credit (billing, admin; a reason is required). 409
/// when the credit is smaller.
#[utoipa::path(post, path = "/v1/patients/{id}/refunds", tag = "statements", request_body = RefundBody,
    params(("id" = uuid::Uuid, Path, description = "Patient id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = PaymentOutcome), (status = 404, body = crate::http::problem::Problem),
        (status = 409, body = crate::http::problem::Problem), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/patients/{id}/refunds")]
pub async fn post_patient_refund(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<PatientId>,
    body: JsonBody<RefundBody>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PaymentPost)?;
    let id = id.into_inner();
    body.value.validated()?;
    let fp = RequestFingerprint::of(&req, body.fingerprint);
    let actx = ctx.clone();
    let input = body.value;
    run_idempotent(state, &ctx, key, fp, move |conn| {
        let out = payments::refund(conn, &actx, id, &input)?;
        StoredResponse::created(
            format!("/v1/patients/{id}/payments#{}", out.payment.id),
            1,
            &out,
        )
    })
    .await
}

/// A patient's payments and refunds, newest first, and their credit (audited PHI read).
#[utoipa::path(get, path = "/v1/patients/{id}/payments", tag = "statements",
    params(("id" = uuid::Uuid, Path, description = "Patient id")),
    responses((status = 200, body = PaymentList), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/patients/{id}/payments")]
pub async fn list_patient_payments(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<PatientId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PatientPaymentPost)?;
    let id = id.into_inner();
    let list = with_conn(&state, move |c| payments::list(c, id)).await?;
    audit_phi_reads(&state, &ctx, "read", "patient_payment", [id.to_string()]).await?;
    Ok(HttpResponse::Ok().json(list))
}
