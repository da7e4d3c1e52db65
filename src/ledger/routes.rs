//! `GET /v1/patients/{id}/balance`: a patient's open balance and the lines behind it (a PHI
//! read, audited).

use actix_web::{get, web, HttpResponse};

use super::balance::{self, PatientBalance};
use crate::auth::roles::Permission;
use crate::error::{DomainError, DomainResult};
use crate::http::reads::{audit_phi_reads, with_conn};
use crate::http::RequestCtx;
use crate::patients::model::PatientId;
use crate::state::AppState;

/// A patient's open balance by who owes it, with the open claim lines behind it.
#[utoipa::path(get, path = "/v1/patients/{id}/balance", tag = "receivables",
    params(("id" = uuid::Uuid, Path, description = "Patient id")),
    responses((status = 200, body = PatientBalance), (status = 400, body = crate::http::problem::Problem),
        (status = 403, body = crate::http::problem::Problem), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/patients/{id}/balance")]
pub async fn patient_balance(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<PatientId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ReceivablesRead)?;
    let id = id.into_inner();
    let bal = with_conn(&state, move |c| {
        if crate::patients::store::find(c, id)?.is_none() {
            return Err(DomainError::not_found("patient"));
        }
        Ok(balance::of_patient(c, id)?)
    })
    .await?;
    audit_phi_reads(&state, &ctx, "read", "patient_balance", [id.to_string()]).await?;
    Ok(HttpResponse::Ok().json(bal))
}
