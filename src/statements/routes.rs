//! Statement routes: make one (`POST /v1/statements`), the run for every patient who owes
//! enough (`POST /v1/statements/run`), read one as JSON or PDF. Statements are PHI: every read
//! is audited.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::build;
use super::forms::{due_in_days, RunBody, StatementBody};
use super::model::{Statement, StatementId};
use super::run::{self, RunOutcome};
use super::store;
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::roles::Permission;
use crate::error::{DomainError, DomainResult};
use crate::http::idempotency::{
    run_idempotent, IdempotencyKey, RequestFingerprint, StoredResponse,
};
use crate::http::reads::{audit_phi_reads, with_conn};
use crate::http::{JsonBody, RequestCtx};
use crate::state::AppState;

const RESOURCE: &str = "statement";

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Make a statement for one patient: every visit insurance is done with that leaves the
/// patient a balance (billing, admin). 409 when there is none.
#[utoipa::path(post, path = "/v1/statements", tag = "statements", request_body = StatementBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = Statement), (status = 404, body = crate::http::problem::Problem),
        (status = 409, body = crate::http::problem::Problem), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/statements")]
pub async fn create_statement(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    key: IdempotencyKey,
    body: JsonBody<StatementBody>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::StatementWrite)?;
    let mut errors = Vec::new();
    let due = due_in_days(body.value.due_in_days, &mut errors);
    if !errors.is_empty() {
        return Err(DomainError::validation(errors));
    }
    let patient = body.value.patient_id;
    let fp = RequestFingerprint::of(&req, body.fingerprint);
    let actx = ctx.clone();
    run_idempotent(state, &ctx, key, fp, move |conn| {
        let s = create_in(conn, &actx, patient, due)?;
        StoredResponse::created(format!("/v1/statements/{}", s.id), 1, &s)
    })
    .await
}

/// Makes, stores and audits a statement of `patient` due in `due` days (409 when the patient
/// owes nothing on visits insurance is done with), inside the caller's transaction; the API
/// and the console's account page both make statements here.
pub fn create_in(
    conn: &mut crate::db::AnyConnection,
    ctx: &RequestCtx,
    patient: crate::patients::model::PatientId,
    due: i64,
) -> DomainResult<Statement> {
    let s = build::make(conn, patient, today(), due, &ctx.caller.actor)?;
    if s.visits.is_empty() {
        return Err(DomainError::conflict(
            "the patient owes nothing on visits insurance is done with",
        ));
    }
    store::insert(conn, &s)?;
    let entry = AuditEntry::success(ctx, "create", RESOURCE, Some(s.id.to_string()));
    audit_store::insert(conn, &[entry])?;
    Ok(s)
}

/// Make statements for every patient who owes at least `min_balance_cents` on visits
/// insurance is done with and got no statement in `min_days_between` days (billing, admin).
/// All or nothing: one transaction.
#[utoipa::path(post, path = "/v1/statements/run", tag = "statements", request_body = RunBody,
    responses((status = 200, body = RunOutcome), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/statements/run")]
pub async fn run_statements(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    body: JsonBody<RunBody>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::StatementWrite)?;
    let (min, days, due) = body.value.validated()?;
    let out = web::block(move || -> DomainResult<RunOutcome> {
        let mut conn = state.pool.get()?;
        conn.write_transaction(|c| run::run(c, &ctx, min, days, due))
    })
    .await??;
    Ok(HttpResponse::Ok().json(out))
}

async fn load(
    state: &web::Data<AppState>,
    ctx: &RequestCtx,
    id: StatementId,
    action: &str,
) -> DomainResult<Statement> {
    ctx.require(Permission::StatementRead)?;
    let s = with_conn(state, move |c| store::find(c, id))
        .await?
        .ok_or_else(|| DomainError::not_found(RESOURCE))?;
    audit_phi_reads(state, ctx, action, RESOURCE, [id.to_string()]).await?;
    Ok(s)
}

/// A statement as PDF, with the remittance slip at the bottom of its last page.
#[utoipa::path(get, path = "/v1/statements/{id}.pdf", tag = "statements",
    params(("id" = uuid::Uuid, Path, description = "Statement id")),
    responses((status = 200, description = "The statement (application/pdf)", content_type = "application/pdf"),
        (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/statements/{id}.pdf")]
pub async fn get_statement_pdf(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<StatementId>,
) -> DomainResult<HttpResponse> {
    let s = load(&state, &ctx, id.into_inner(), "read").await?;
    let pdf = web::block(move || super::pdf::render(&s)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(pdf))
}

/// A statement as JSON: the snapshot as it was made.
#[utoipa::path(get, path = "/v1/statements/{id}", tag = "statements",
    params(("id" = uuid::Uuid, Path, description = "Statement id")),
    responses((status = 200, body = Statement), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/statements/{id}")]
pub async fn get_statement(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<StatementId>,
) -> DomainResult<HttpResponse> {
    let s = load(&state, &ctx, id.into_inner(), "read").await?;
    Ok(HttpResponse::Ok().json(s))
}
