//! Specimen routes: accession (create), read (by id or by accession number: a barcode scan),
//! update before receipt (If-Match), and the lab's lists. Specimens carry patient identity:
//! every read is audited, and every write in its transaction.

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveTime};

use super::accession;
use super::forms::{NewSpecimen, SpecimenPatch, SpecimenQuery};
use super::model::{Specimen, SpecimenDoc, SpecimenId};
use super::service::{self, RESOURCE};
use super::status::Status;
use super::store::{self, SpecimenFilter};
use crate::audit::AuditEntry;
use crate::auth::roles::Permission;
use crate::db::types::Timestamp;
use crate::error::{DomainError, DomainResult};
use crate::http::idempotency::{
    run_idempotent, IdempotencyKey, RequestFingerprint, StoredResponse,
};
use crate::http::pagination::{self, Page};
use crate::http::reads::read_audited;
use crate::http::versioning::{etag, required_if_match};
use crate::http::{JsonBody, RequestCtx};
use crate::patients::model::PatientId;
use crate::state::AppState;

/// 200 with the document and its ETag.
pub fn doc_response(doc: &SpecimenDoc) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(doc.specimen.version)))
        .json(doc)
}

/// Records a read of specimen `id` by the caller.
pub async fn audit_read(
    state: &AppState,
    ctx: &RequestCtx,
    action: &str,
    id: SpecimenId,
) -> DomainResult<()> {
    state
        .audit
        .record(vec![AuditEntry::success(
            ctx,
            action,
            RESOURCE,
            Some(id.to_string()),
        )])
        .await
}

/// Log a specimen at collection: the server assigns its accession number.
#[utoipa::path(post, path = "/v1/specimens", tag = "specimens", request_body = NewSpecimen,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = SpecimenDoc), (status = 403, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/specimens")]
pub async fn create_specimen(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    key: IdempotencyKey,
    body: JsonBody<NewSpecimen>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::SpecimenCollect)?;
    let draft = service::draft_new(state.codes(), &ctx, body.value)?;
    let fp = RequestFingerprint::of(&req, body.fingerprint);
    let audit_ctx = ctx.clone();
    run_idempotent(state, &ctx, key, fp, move |conn| {
        let doc = service::create_in(conn, &audit_ctx, draft, None)?;
        StoredResponse::created(
            format!("/v1/specimens/{}", doc.specimen.id),
            doc.specimen.version,
            &doc,
        )
    })
    .await
}

/// Read a specimen with its chain of custody.
#[utoipa::path(get, path = "/v1/specimens/{id}", tag = "specimens",
    params(("id" = uuid::Uuid, Path, description = "Specimen id")),
    responses((status = 200, body = SpecimenDoc), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/specimens/{id}")]
pub async fn get_specimen(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<SpecimenId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::SpecimenRead)?;
    let id = id.into_inner();
    let st = state.clone();
    let found = web::block(move || -> DomainResult<Option<SpecimenDoc>> {
        let mut c = st.pool.get()?;
        Ok(store::load(&mut c, id)?)
    })
    .await??;
    let doc = found.ok_or_else(|| DomainError::not_found(RESOURCE))?;
    audit_read(&state, &ctx, "read", id).await?;
    Ok(doc_response(&doc))
}

/// Find a specimen by its accession number (a barcode scan); a wrong check digit is a 422
/// saying the scan was mistyped.
#[utoipa::path(get, path = "/v1/specimens/by-accession/{accession}", tag = "specimens",
    params(("accession" = String, Path, format = "accession", pattern = r"^[0-9]{10}$", example = "2600000018",
        description = "Accession number: 10 digits, the last a Luhn check digit over the first nine")),
    responses((status = 200, body = SpecimenDoc), (status = 404, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/specimens/by-accession/{accession}")]
pub async fn get_by_accession(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    accession: web::Path<String>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::SpecimenRead)?;
    let number = accession::parse(&accession).map_err(accession::scan_error)?;
    // Read and audit in one hand-off to the audit writer (issue 17).
    let found = read_audited(
        &state,
        &ctx,
        "read",
        RESOURCE,
        move |c| -> DomainResult<Option<SpecimenDoc>> { Ok(store::load_by_accession(c, &number)?) },
        |d| d.iter().map(|d| d.specimen.id.to_string()).collect(),
    )
    .await?;
    let doc = found.ok_or_else(|| DomainError::not_found(RESOURCE))?;
    Ok(doc_response(&doc))
}

/// Change a specimen's details before receipt (If-Match).
#[utoipa::path(patch, path = "/v1/specimens/{id}", tag = "specimens", request_body = SpecimenPatch,
    params(("id" = uuid::Uuid, Path, description = "Specimen id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = SpecimenDoc), (status = 403, body = crate::http::problem::Problem),
        (status = 409, body = crate::http::problem::Problem), (status = 412, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem), (status = 428, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[patch("/v1/specimens/{id}")]
pub async fn update_specimen(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<SpecimenId>,
    body: JsonBody<SpecimenPatch>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::SpecimenCollect)?;
    let expected = required_if_match(&req)?;
    let id = id.into_inner();
    let patch = body.value;
    let doc = crate::http::reads::write(state, move |c, codes| {
        service::update_in(c, codes, &ctx, id, expected, patch)
    })
    .await?;
    Ok(doc_response(&doc))
}

fn bad_query(name: &str, message: &str) -> DomainError {
    DomainError::invalid_field(name, "invalid_value", message)
}

fn filter_of(state: &AppState, q: &SpecimenQuery) -> DomainResult<SpecimenFilter> {
    let status = q
        .status
        .as_deref()
        .map(|s| {
            Status::parse(s).ok_or_else(|| {
                bad_query(
                    "?status",
                    "status is collected, in_transit, received, in_process, resulted, rejected or cancelled",
                )
            })
        })
        .transpose()?;
    let specimen_type = match q.specimen_type.as_deref() {
        None => None,
        Some(t) => Some(
            state
                .codes()
                .reference(crate::codesets::RefTable::SpecimenType, t)
                .map(|e| e.code.to_string())
                .ok_or_else(|| bad_query("?specimen_type", "an HL7 v2 table 0487 code"))?,
        ),
    };
    if q.priority
        .as_deref()
        .is_some_and(|p| p != "routine" && p != "stat")
    {
        return Err(bad_query("?priority", "priority is routine or stat"));
    }
    if let (Some(f), Some(t)) = (q.collected_from, q.collected_to) {
        if t < f {
            return Err(bad_query(
                "?collected_to",
                "collected_to cannot be before collected_from",
            ));
        }
    }
    let hours = q.overdue_hours.unwrap_or(4);
    if !(1..=720).contains(&hours) {
        return Err(bad_query("?overdue_hours", "overdue_hours is 1 to 720"));
    }
    let start = |d: chrono::NaiveDate| Timestamp(d.and_time(NaiveTime::MIN).and_utc());
    Ok(SpecimenFilter {
        status,
        specimen_type,
        priority: q.priority.clone(),
        patient_id: q.patient_id.map(PatientId),
        collected_from: q.collected_from.map(start),
        collected_before: q.collected_to.and_then(|d| d.succ_opt()).map(start),
        in_transit_since_before: (q.overdue_in_transit == Some(true))
            .then(|| Timestamp(Timestamp::now().0 - Duration::hours(hours))),
    })
}

/// The lab's lists: by status, type, priority, patient, collection date, overdue in transit.
#[utoipa::path(get, path = "/v1/specimens", tag = "specimens", params(SpecimenQuery),
    responses((status = 200, body = inline(Page<Specimen>)), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/specimens")]
pub async fn list_specimens(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: crate::http::query::Query<SpecimenQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::SpecimenRead)?;
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref())?.map(SpecimenId);
    let filter = filter_of(&state, &q)?;
    let st = state.clone();
    let rows = web::block(move || -> DomainResult<Vec<Specimen>> {
        let mut c = st.pool.get()?;
        Ok(store::list(&mut c, &filter, after, limit + 1)?)
    })
    .await??;
    let page = pagination::page(rows, limit, |s| s.id.0);
    let entries = page
        .items
        .iter()
        .map(|s| AuditEntry::success(&ctx, "search", RESOURCE, Some(s.id.to_string())))
        .collect();
    state.audit.record(entries).await?;
    Ok(HttpResponse::Ok().json(page))
}
