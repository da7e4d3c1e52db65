//! Specimen actions: status transitions (If-Match), custody hand-offs, recollection of a
//! rejected specimen, and the label (ZPL, SVG or PNG).

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::forms::{CustodyRequest, LabelQuery, RecollectRequest, TransitionRequest};
use super::label::{self, Format, LabelData};
use super::lifecycle;
use super::model::{SpecimenDoc, SpecimenId};
use super::routes::{audit_read, doc_response};
use super::service::RESOURCE;
use crate::auth::roles::Permission;
use crate::error::{DomainError, DomainResult};
use crate::http::idempotency::{
    run_idempotent, IdempotencyKey, RequestFingerprint, StoredResponse,
};
use crate::http::versioning::{if_match, required_if_match};
use crate::http::{JsonBody, RequestCtx};
use crate::patients::model::Patient;
use crate::state::AppState;

/// Move a specimen along its lifecycle (If-Match). A move the machine does not allow gets 409
/// with `allowed_next`; `rejected` needs an HL7 0490 `reject_reason` and a `note`.
#[utoipa::path(post, path = "/v1/specimens/{id}/transitions", tag = "specimens", request_body = TransitionRequest,
    params(("id" = uuid::Uuid, Path, description = "Specimen id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = SpecimenDoc), (status = 403, body = crate::http::problem::Problem),
        (status = 409, body = crate::http::problem::Problem), (status = 412, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem), (status = 428, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/specimens/{id}/transitions")]
pub async fn transition_specimen(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<SpecimenId>,
    body: JsonBody<TransitionRequest>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::SpecimenCollect)
        .or_else(|_| ctx.require(Permission::SpecimenProcess))?;
    let to = lifecycle::target(&body.value.to)?;
    ctx.require(to.permission())?;
    let expected = required_if_match(&req)?;
    let id = id.into_inner();
    let body = body.value;
    let lab = state.lab_billing;
    let doc = crate::http::reads::write(state, move |c, codes| {
        lifecycle::transition_in(c, codes, &ctx, lab, id, expected, body)
    })
    .await?;
    Ok(doc_response(&doc))
}

/// Record a hand-off (chain of custody): appends an event and moves the location. If-Match
/// is optional. Before receipt collection staff may hand on; after, only the lab.
#[utoipa::path(post, path = "/v1/specimens/{id}/custody", tag = "specimens", request_body = CustodyRequest,
    params(("id" = uuid::Uuid, Path, description = "Specimen id"), ("If-Match" = Option<String>, Header, description = "The ETag you read")),
    responses((status = 200, body = SpecimenDoc), (status = 403, body = crate::http::problem::Problem),
        (status = 409, body = crate::http::problem::Problem), (status = 412, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/specimens/{id}/custody")]
pub async fn record_custody(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<SpecimenId>,
    body: JsonBody<CustodyRequest>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::SpecimenCollect)
        .or_else(|_| ctx.require(Permission::SpecimenProcess))?;
    let expected = if_match(&req)?;
    let id = id.into_inner();
    let body = body.value;
    let doc = crate::http::reads::write(state, move |c, _| {
        lifecycle::custody_in(c, &ctx, id, expected, body)
    })
    .await?;
    Ok(doc_response(&doc))
}

/// Recollect a rejected specimen: a new specimen (new accession number) linked to it.
#[utoipa::path(post, path = "/v1/specimens/{id}/recollect", tag = "specimens", request_body = RecollectRequest,
    params(("id" = uuid::Uuid, Path, description = "The rejected specimen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = SpecimenDoc), (status = 403, body = crate::http::problem::Problem),
        (status = 409, body = crate::http::problem::Problem), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/specimens/{id}/recollect")]
pub async fn recollect_specimen(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<SpecimenId>,
    body: JsonBody<RecollectRequest>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::SpecimenProcess)?;
    let id = id.into_inner();
    let fp = RequestFingerprint::of(&req, body.fingerprint);
    let input = body.value;
    let codes = state.codes();
    let work_ctx = ctx.clone();
    run_idempotent(state, &ctx, key, fp, move |conn| {
        let doc = lifecycle::recollect_in(conn, codes, &work_ctx, id, input)?;
        StoredResponse::created(
            format!("/v1/specimens/{}", doc.specimen.id),
            doc.specimen.version,
            &doc,
        )
    })
    .await
}

/// The label: a Code 128 barcode of the accession number with the patient's name, birth
/// date, the specimen type and the collection time; ZPL (default), SVG or PNG.
#[utoipa::path(get, path = "/v1/specimens/{id}/label", tag = "specimens",
    params(("id" = uuid::Uuid, Path, description = "Specimen id"), LabelQuery),
    responses((status = 200, description = "The label (application/zpl, image/svg+xml or image/png)"),
        (status = 404, body = crate::http::problem::Problem), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/specimens/{id}/label")]
pub async fn specimen_label(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<SpecimenId>,
    q: crate::http::query::Query<LabelQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::SpecimenRead)?;
    let format = Format::parse(q.format.as_deref()).ok_or_else(|| {
        DomainError::invalid_field("?format", "invalid_value", "format is zpl, svg or png")
    })?;
    let id = id.into_inner();
    let st = state.clone();
    let found = web::block(
        move || -> DomainResult<Option<(super::model::Specimen, Patient)>> {
            let mut c = st.pool.get()?;
            let Some(sp) = super::store::find(&mut c, id)? else {
                return Ok(None);
            };
            let patient = crate::patients::store::find(&mut c, sp.patient_id)?
                .ok_or_else(DomainError::internal)?;
            Ok(Some((sp, patient)))
        },
    )
    .await??;
    let (sp, patient) = found.ok_or_else(|| DomainError::not_found(RESOURCE))?;
    let data = LabelData::of(&sp, &patient, state.codes());
    let body = label::render(format, &data)?;
    audit_read(&state, &ctx, "label", id).await?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(("cache-control", "no-store"))
        .body(body))
}
