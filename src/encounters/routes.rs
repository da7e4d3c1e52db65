//! Encounter routes: open (create), read, update (If-Match) and the work-queue list. An
//! encounter holds diagnoses (PHI): every read is audited, and every write in its transaction.

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;

use super::forms::{EncounterPatch, NewEncounter};
use super::model::{Encounter, EncounterDoc, EncounterId};
use super::service::{self, RESOURCE};
use super::status::Status;
use super::store::{self, EncounterFilter};
use crate::audit::AuditEntry;
use crate::auth::roles::Permission;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};
use crate::http::idempotency::{
    run_idempotent, IdempotencyKey, RequestFingerprint, StoredResponse,
};
use crate::http::pagination::{self, Page};
use crate::http::versioning::{etag, required_if_match};
use crate::http::{JsonBody, RequestCtx};
use crate::patients::model::PatientId;
use crate::payers::model::PayerId;
use crate::providers::model::ProviderId;
use crate::state::AppState;

/// [`service::mutate_in`] in its own write transaction off the async workers (the API's and
/// the console's encounter edits).
pub async fn mutate<F>(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: EncounterId,
    expected: Option<i32>,
    action: &'static str,
    edit: F,
) -> DomainResult<EncounterDoc>
where
    F: FnOnce(&mut AnyConnection, &EncounterDoc) -> DomainResult<service::Edit> + Send + 'static,
{
    crate::http::reads::write(state, move |c, codes| {
        service::mutate_in(c, codes, &ctx, id, expected, action, edit)
    })
    .await
}

/// 200 with the document and its ETag.
pub fn doc_response(doc: &EncounterDoc) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(doc.version())))
        .json(doc)
}

/// Open an encounter (front desk at check-in; billing may send diagnoses and lines too).
#[utoipa::path(post, path = "/v1/encounters", tag = "encounters", request_body = NewEncounter,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = EncounterDoc), (status = 403, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/encounters")]
pub async fn create_encounter(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    key: IdempotencyKey,
    body: JsonBody<NewEncounter>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EncounterOpen)?;
    let input = body.value;
    if input.diagnoses.is_some() || input.lines.is_some() {
        ctx.require(Permission::EncounterCode)?;
    }
    let edit = service::draft_new(input)?;
    let fp = RequestFingerprint::of(&req, body.fingerprint);
    let codes = state.codes();
    let audit_ctx = ctx.clone();
    run_idempotent(state, &ctx, key, fp, move |conn| {
        let doc = service::create_in(conn, codes, &audit_ctx, edit)?;
        StoredResponse::created(
            format!("/v1/encounters/{}", doc.header.id),
            doc.version(),
            &doc,
        )
    })
    .await
}

/// Read an encounter with its diagnoses, lines and overrides.
#[utoipa::path(get, path = "/v1/encounters/{id}", tag = "encounters",
    params(("id" = uuid::Uuid, Path, description = "Encounter id")),
    responses((status = 200, body = EncounterDoc), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/encounters/{id}")]
pub async fn get_encounter(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<EncounterId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EncounterRead)?;
    let id = id.into_inner();
    let st = state.clone();
    let found = web::block(move || -> DomainResult<Option<EncounterDoc>> {
        let mut c = st.pool.get()?;
        Ok(store::load(&mut c, id)?)
    })
    .await??;
    let doc = found.ok_or_else(|| DomainError::not_found(RESOURCE))?;
    state
        .audit
        .record(vec![AuditEntry::success(
            &ctx,
            "read",
            RESOURCE,
            Some(id.to_string()),
        )])
        .await?;
    Ok(doc_response(&doc))
}

/// Change an encounter (If-Match): visit details, and `diagnoses`/`lines` as whole lists.
#[utoipa::path(patch, path = "/v1/encounters/{id}", tag = "encounters", request_body = EncounterPatch,
    params(("id" = uuid::Uuid, Path, description = "Encounter id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = EncounterDoc), (status = 403, body = crate::http::problem::Problem),
        (status = 409, body = crate::http::problem::Problem), (status = 412, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem), (status = 428, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[patch("/v1/encounters/{id}")]
pub async fn update_encounter(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<EncounterId>,
    body: JsonBody<EncounterPatch>,
) -> DomainResult<HttpResponse> {
    let patch = body.value;
    if patch.touches_coding() {
        ctx.require(Permission::EncounterCode)?;
    }
    if patch.touches_visit() || !patch.touches_coding() {
        ctx.require(Permission::EncounterOpen)?;
    }
    let expected = required_if_match(&req)?;
    let doc = mutate(
        state,
        ctx,
        id.into_inner(),
        expected,
        "update",
        move |_, cur| service::apply_patch(cur, patch),
    )
    .await?;
    Ok(doc_response(&doc))
}

/// Query parameters of `GET /v1/encounters` (the work queue).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EncounterQuery {
    /// `open`, `on_hold`, `coded`, `billed` or `void`.
    #[param(pattern = r"^(open|on_hold|coded|billed|void)$")]
    pub status: Option<String>,
    /// Date of service on or after (YYYY-MM-DD).
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub from: Option<NaiveDate>,
    /// Date of service on or before (YYYY-MM-DD).
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub to: Option<NaiveDate>,
    /// Rendering or billing provider.
    pub provider_id: Option<uuid::Uuid>,
    /// Payer of the coverage billed.
    pub payer_id: Option<uuid::Uuid>,
    /// The patient.
    pub patient_id: Option<uuid::Uuid>,
    /// true: only encounters with scrubber errors not overridden; false: only those without.
    pub has_errors: Option<bool>,
    /// Page size (1..=500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List encounters for a work queue (headers only: read one for its diagnoses and lines).
#[utoipa::path(get, path = "/v1/encounters", tag = "encounters", params(EncounterQuery),
    responses((status = 200, body = inline(Page<Encounter>)), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/encounters")]
pub async fn list_encounters(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: crate::http::query::Query<EncounterQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EncounterRead)?;
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref())?.map(EncounterId);
    let status = q
        .status
        .as_deref()
        .map(|s| {
            Status::parse(s).ok_or_else(|| {
                DomainError::invalid_field(
                    "?status",
                    "invalid_value",
                    "status must be open, on_hold, coded, billed or void",
                )
            })
        })
        .transpose()?;
    if let (Some(f), Some(t)) = (q.from, q.to) {
        if t < f {
            return Err(DomainError::invalid_field(
                "?to",
                "before_from",
                "to cannot be before from",
            ));
        }
    }
    let filter = EncounterFilter {
        status,
        from: q.from,
        to: q.to,
        provider_id: q.provider_id.map(ProviderId),
        payer_id: q.payer_id.map(PayerId),
        patient_id: q.patient_id.map(PatientId),
        has_errors: q.has_errors,
    };
    let st = state.clone();
    let rows = web::block(move || -> DomainResult<Vec<Encounter>> {
        let mut c = st.pool.get()?;
        Ok(store::list(&mut c, &filter, after, limit + 1)?)
    })
    .await??;
    let page = pagination::page(rows, limit, |e| e.id.0);
    let entries = page
        .items
        .iter()
        .map(|e| AuditEntry::success(&ctx, "search", RESOURCE, Some(e.id.to_string())))
        .collect();
    state.audit.record(entries).await?;
    Ok(HttpResponse::Ok().json(page))
}
