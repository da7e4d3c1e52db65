//! Convenience routes for one service line: add, change, remove. Each is a whole-encounter
//! change: it needs If-Match with the encounter's version and bumps it.

use actix_web::http::header;
use actix_web::{delete, patch, post, web, HttpRequest, HttpResponse};

use super::check;
use super::forms::{LineInput, LinePatch};
use super::model::{EncounterDoc, EncounterId, Line, LineId};
use super::routes::doc_response;
use super::service::Edit;
use super::status;
use crate::auth::roles::Permission;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::http::versioning::{etag, required_if_match};
use crate::http::{JsonBody, RequestCtx};
use crate::state::AppState;

fn editable(cur: &EncounterDoc) -> DomainResult<()> {
    status::check_editable(cur.header.status)
}

fn field_errors(errors: Vec<FieldError>) -> DomainResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::validation(errors))
    }
}

fn find_line(cur: &EncounterDoc, line_id: LineId) -> DomainResult<usize> {
    cur.lines
        .iter()
        .position(|l| l.id == line_id)
        .ok_or_else(|| DomainError::not_found("line"))
}

/// `cur` with `input` added as its last line (the API's and the console's add-a-line edit).
pub fn add_line_edit(cur: &EncounterDoc, input: &LineInput) -> DomainResult<Edit> {
    editable(cur)?;
    if cur.lines.len() >= check::MAX_LINES {
        return Err(DomainError::conflict(
            "the encounter has the most lines it may hold",
        ));
    }
    let mut errors = Vec::new();
    let drafted = check::line(input, "", None, &mut errors);
    field_errors(errors)?;
    let mut doc = cur.clone();
    doc.lines.push(drafted.line);
    let unpriced = if drafted.needs_price {
        vec![doc.lines.len() - 1]
    } else {
        vec![]
    };
    Ok(Edit { doc, unpriced })
}

/// `cur` without line `line_id` (the API's and the console's remove-a-line edit).
pub fn delete_line_edit(cur: &EncounterDoc, line_id: LineId) -> DomainResult<Edit> {
    editable(cur)?;
    let i = find_line(cur, line_id)?;
    let mut doc = cur.clone();
    doc.lines.remove(i);
    Ok(Edit::of(doc))
}

/// The stored line as the input it could have come from.
fn as_input(l: &Line) -> LineInput {
    LineInput {
        id: Some(l.id),
        code: l.code.clone(),
        code_system: Some(l.code_system.clone()),
        modifiers: l.modifiers.clone(),
        units: Some(l.units),
        charge_cents: Some(l.charge_cents),
        diagnosis_pointers: l.diagnosis_pointers.clone(),
        date_of_service: l.date_of_service,
        place_of_service: l.place_of_service.clone(),
        ndc: l.ndc.clone(),
        ndc_quantity: l.ndc_quantity,
        ndc_unit: l.ndc_unit.clone(),
    }
}

/// Add a service line at the end (If-Match with the encounter's version).
#[utoipa::path(post, path = "/v1/encounters/{id}/lines", tag = "encounters", request_body = LineInput,
    params(("id" = uuid::Uuid, Path, description = "Encounter id"), ("If-Match" = String, Header, description = "The encounter ETag you read")),
    responses((status = 201, body = EncounterDoc), (status = 409, body = crate::http::problem::Problem),
        (status = 412, body = crate::http::problem::Problem), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/encounters/{id}/lines")]
pub async fn add_line(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<EncounterId>,
    body: JsonBody<LineInput>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EncounterCode)?;
    let expected = required_if_match(&req)?;
    let input = body.value;
    if input.id.is_some() {
        return Err(DomainError::invalid_field(
            "/id",
            "not_allowed",
            "a new line gets its id from the server",
        ));
    }
    let id = id.into_inner();
    let doc = super::routes::mutate(state, ctx, id, expected, "update", move |_, cur| {
        add_line_edit(cur, &input)
    })
    .await?;
    let line_id = doc
        .lines
        .last()
        .map(|l| l.id.to_string())
        .unwrap_or_default();
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/encounters/{id}/lines/{line_id}"),
        ))
        .insert_header((header::ETAG, etag(doc.version())))
        .json(doc))
}

/// Change one service line (If-Match with the encounter's version).
#[utoipa::path(patch, path = "/v1/encounters/{id}/lines/{line_id}", tag = "encounters", request_body = LinePatch,
    params(("id" = uuid::Uuid, Path, description = "Encounter id"), ("line_id" = uuid::Uuid, Path, description = "Line id"),
        ("If-Match" = String, Header, description = "The encounter ETag you read")),
    responses((status = 200, body = EncounterDoc), (status = 404, body = crate::http::problem::Problem),
        (status = 409, body = crate::http::problem::Problem), (status = 412, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[patch("/v1/encounters/{id}/lines/{line_id}")]
pub async fn update_line(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    path: web::Path<(EncounterId, LineId)>,
    body: JsonBody<LinePatch>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EncounterCode)?;
    let expected = required_if_match(&req)?;
    let (id, line_id) = path.into_inner();
    let p = body.value;
    let doc = super::routes::mutate(state, ctx, id, expected, "update", move |_, cur| {
        editable(cur)?;
        let i = find_line(cur, line_id)?;
        let stored = &cur.lines[i];
        let mut input = as_input(stored);
        if p.code.is_some() && p.code_system.is_none() {
            input.code_system = None;
        }
        input.code = p.code.unwrap_or(input.code);
        input.code_system = p.code_system.or(input.code_system);
        input.modifiers = p.modifiers.unwrap_or(input.modifiers);
        input.units = p.units.or(input.units);
        input.charge_cents = p.charge_cents.unwrap_or(input.charge_cents);
        input.diagnosis_pointers = p.diagnosis_pointers.unwrap_or(input.diagnosis_pointers);
        input.date_of_service = p.date_of_service.unwrap_or(input.date_of_service);
        input.place_of_service = p.place_of_service.unwrap_or(input.place_of_service);
        input.ndc = p.ndc.unwrap_or(input.ndc);
        input.ndc_quantity = p.ndc_quantity.unwrap_or(input.ndc_quantity);
        input.ndc_unit = p.ndc_unit.unwrap_or(input.ndc_unit);
        let mut errors = Vec::new();
        let mut drafted = check::line(&input, "", Some(stored), &mut errors);
        field_errors(errors)?;
        if p.charge_cents.is_none() {
            drafted.line.charge_source = stored.charge_source.clone();
        }
        let mut doc = cur.clone();
        doc.lines[i] = drafted.line;
        let unpriced = if drafted.needs_price { vec![i] } else { vec![] };
        Ok(Edit { doc, unpriced })
    })
    .await?;
    Ok(doc_response(&doc))
}

/// Remove one service line (If-Match with the encounter's version).
#[utoipa::path(delete, path = "/v1/encounters/{id}/lines/{line_id}", tag = "encounters",
    params(("id" = uuid::Uuid, Path, description = "Encounter id"), ("line_id" = uuid::Uuid, Path, description = "Line id"),
        ("If-Match" = String, Header, description = "The encounter ETag you read")),
    responses((status = 200, body = EncounterDoc), (status = 404, body = crate::http::problem::Problem),
        (status = 409, body = crate::http::problem::Problem), (status = 412, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[delete("/v1/encounters/{id}/lines/{line_id}")]
pub async fn delete_line(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    path: web::Path<(EncounterId, LineId)>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EncounterCode)?;
    let expected = required_if_match(&req)?;
    let (id, line_id) = path.into_inner();
    let doc = super::routes::mutate(state, ctx, id, expected, "update", move |_, cur| {
        delete_line_edit(cur, line_id)
    })
    .await?;
    Ok(doc_response(&doc))
}
