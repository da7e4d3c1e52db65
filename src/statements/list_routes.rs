//! `GET /v1/patients/{id}/statements`: the statements a patient was sent, newest first, as
//! summaries (the full snapshot is `GET /v1/statements/{id}`). Statements are PHI: the read
//! is audited.

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::model::StatementId;
use crate::auth::roles::Permission;
use crate::db::schema_statements::statements as st;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};
use crate::http::reads::{audit_phi_reads, with_conn};
use crate::http::RequestCtx;
use crate::patients::model::PatientId;
use crate::state::AppState;

/// One statement in a patient's list.
#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = st)]
pub struct StatementSummary {
    /// Id (`GET /v1/statements/{id}`, `.pdf` for the PDF).
    #[schema(value_type = uuid::Uuid)]
    pub id: StatementId,
    /// Date of the statement.
    pub statement_date: NaiveDate,
    /// Pay by.
    pub due_date: NaiveDate,
    /// What it asked the patient to pay, in cents.
    pub amount_due_cents: i64,
    /// When made.
    pub created_at: Timestamp,
    /// By whom.
    pub created_by: String,
}

/// A patient's statements.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatementList {
    /// Newest first.
    pub items: Vec<StatementSummary>,
}

/// The statements of `patient`, newest first; 404 for an unknown patient.
pub fn list(conn: &mut AnyConnection, patient: PatientId) -> DomainResult<StatementList> {
    if crate::patients::store::find(conn, patient)?.is_none() {
        return Err(DomainError::not_found("patient"));
    }
    let items = st::table
        .filter(st::patient_id.eq(patient))
        .order((st::created_at.desc(), st::id.desc()))
        .select(StatementSummary::as_select())
        .load(conn)?;
    Ok(StatementList { items })
}

/// A patient's statements, newest first (billing, admin; audited PHI read of each).
#[utoipa::path(get, path = "/v1/patients/{id}/statements", tag = "statements",
    params(("id" = uuid::Uuid, Path, description = "Patient id")),
    responses((status = 200, body = StatementList), (status = 403, body = crate::http::problem::Problem),
        (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/patients/{id}/statements")]
pub async fn list_patient_statements(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<PatientId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::StatementRead)?;
    let id = id.into_inner();
    let out = with_conn(&state, move |c| list(c, id)).await?;
    audit_phi_reads(
        &state,
        &ctx,
        "read",
        "statement",
        out.items.iter().map(|s| s.id.to_string()),
    )
    .await?;
    Ok(HttpResponse::Ok().json(out))
}
