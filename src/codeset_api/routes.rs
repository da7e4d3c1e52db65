//! Code table routes (every role may read): the summary, one code's details for a date,
//! type-ahead search, batch validation, and the small reference tables.

use actix_web::web::Bytes;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::search_cache::SearchKey;
use crate::auth::roles::Permission;
use crate::codesets::{CodeSystem, RefTable};
use crate::error::{DomainError, DomainResult};
use crate::http::{JsonBody, RequestCtx};
use crate::state::AppState;

/// Most codes in one validate request.
const MAX_BATCH: usize = 1000;
/// Most search results.
const MAX_SEARCH: usize = 100;

fn system_of(name: &str) -> DomainResult<CodeSystem> {
    CodeSystem::parse(name).ok_or_else(|| {
        DomainError::new(
            crate::error::Category::NotFound,
            "not-found",
            format!("there is no code system {name:?}; use icd10cm, hcpcs or cpt"),
        )
    })
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The date parameter shared by lookups and searches.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DateQuery {
    /// Date of service (YYYY-MM-DD); default today.
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub date: Option<NaiveDate>,
}

/// Systems, versions, counts and effective ranges of every loaded table.
#[utoipa::path(get, path = "/v1/codesets", tag = "codesets",
    responses((status = 200, description = "Summary of the bundled and imported tables", body = Object)),
    security(("bearer" = [])))]
#[get("/v1/codesets")]
pub async fn summary(state: web::Data<AppState>, ctx: RequestCtx) -> DomainResult<HttpResponse> {
    ctx.require(Permission::CodesetRead)?;
    Ok(HttpResponse::Ok().json(state.codes().summary()))
}

/// One code on a date of service: title, billable, parent and children, notes, edits, validity.
#[utoipa::path(get, path = "/v1/codesets/{system}/codes/{code}", tag = "codesets",
    params(("system" = String, Path, description = "icd10cm, hcpcs or cpt"),
        ("code" = String, Path, description = "With or without the dot, any case"), DateQuery),
    responses((status = 200, description = "The code's details", body = Object),
        (status = 404, body = crate::http::problem::Problem), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/codesets/{system}/codes/{code}")]
pub async fn lookup(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    path: web::Path<(String, String)>,
    q: crate::http::query::Query<DateQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::CodesetRead)?;
    let (system, code) = path.into_inner();
    let system = system_of(&system)?;
    let date = q.date.unwrap_or_else(today);
    let info = state
        .codes()
        .lookup(system, &code, date)
        .map_err(|e| DomainError::invalid_field("{code}", "invalid_code", e.to_string()))?
        .ok_or_else(|| DomainError::not_found(&format!("{} code {}", system, code.trim())))?;
    Ok(HttpResponse::Ok().json(info.detail()))
}

/// Parameters of the type-ahead search.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// A code or code prefix ("E11", "e11.6"), an abbreviation or lay term ("CAD", "heart
    /// attack"), or words of the title, inclusion terms or includes notes ("diab mel typ 2").
    pub q: String,
    /// Date of service; default today.
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub date: Option<NaiveDate>,
    /// Most results (1..=100, default 20).
    pub limit: Option<usize>,
}

/// One search result.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchItem {
    /// The code, displayed (with the dot for ICD-10-CM).
    pub code: String,
    /// Its title, when bundled or imported.
    pub title: Option<String>,
    /// Billable on the date.
    pub billable: bool,
    /// Why it matched: `code`, `code prefix`, `title`, `inclusion term: …`, `includes note: …`,
    /// `abbreviation: CAD = …`, `lay term: …`, `unspecified code under E11, which matched`, …
    #[schema(example = "inclusion term: high blood pressure")]
    pub matched: String,
}

/// Type-ahead over codes and titles, best first.
#[utoipa::path(get, path = "/v1/codesets/{system}/search", tag = "codesets",
    params(("system" = String, Path, description = "icd10cm, hcpcs or cpt"), SearchQuery),
    responses((status = 200, body = inline(crate::http::pagination::Page<SearchItem>)),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/codesets/{system}/search")]
pub async fn search(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    system: web::Path<String>,
    q: crate::http::query::Query<SearchQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::CodesetRead)?;
    let system = system_of(&system)?;
    let q = q.into_inner();
    let text = q.q.trim();
    if text.is_empty() || text.chars().count() > 100 {
        return Err(DomainError::invalid_field(
            "?q",
            "invalid_length",
            "q must be 1 to 100 characters",
        ));
    }
    let limit = q.limit.unwrap_or(20);
    if !(1..=MAX_SEARCH).contains(&limit) {
        return Err(DomainError::invalid_field(
            "?limit",
            "out_of_range",
            format!("limit must be between 1 and {MAX_SEARCH}"),
        ));
    }
    let tables = state.codes();
    let date = q.date.unwrap_or_else(today);
    let key = SearchKey::new(tables, system, date, limit, text);
    // `Cache-Control: no-cache` asks for an answer computed now (RFC 9111, 5.2.1.4); it is
    // still kept for the next search.
    if !asks_for_fresh(&req) {
        if let Some(body) = state.search_cache.get(&key) {
            return Ok(json_bytes(body));
        }
    }
    let hits = tables.search(system, text, date, limit);
    // Straight to bytes (see `search_body`), kept for the next identical search.
    let body = Bytes::from(super::search_body::page(system, &hits));
    state.search_cache.put(key, body.clone());
    Ok(json_bytes(body))
}

/// True if the request says `Cache-Control: no-cache` (or the older `Pragma: no-cache`).
fn asks_for_fresh(req: &HttpRequest) -> bool {
    use actix_web::http::header::{CacheControl, CacheDirective, Header, PRAGMA};
    let no_cache = CacheControl::parse(req).is_ok_and(|c| c.0.contains(&CacheDirective::NoCache));
    no_cache
        || req
            .headers()
            .get(PRAGMA)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"no-cache"))
}

fn json_bytes(body: Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body)
}

/// The body of `POST /v1/codesets/validate`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    /// icd10cm, hcpcs or cpt.
    #[schema(
        pattern = r"^(icd10cm|icd-10-cm|icd10|hcpcs|cpt)$",
        example = "icd10cm"
    )]
    pub system: String,
    /// Date of service; default today.
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub date: Option<NaiveDate>,
    /// Up to 1000 codes, as entered.
    #[schema(min_items = 1, max_items = 1000)]
    pub codes: Vec<String>,
}

/// Check a batch of codes for a date: per code valid, billable and why not.
#[utoipa::path(post, path = "/v1/codesets/validate", tag = "codesets", request_body = ValidateRequest,
    responses((status = 200, description = "One result per code, in order", body = Object),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/codesets/validate")]
pub async fn validate(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    body: JsonBody<ValidateRequest>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::CodesetRead)?;
    let req = body.value;
    let system = CodeSystem::parse(&req.system).ok_or_else(|| {
        DomainError::invalid_field(
            "/system",
            "unknown_system",
            "system must be icd10cm, hcpcs or cpt",
        )
    })?;
    if req.codes.is_empty() || req.codes.len() > MAX_BATCH {
        return Err(DomainError::invalid_field(
            "/codes",
            "invalid_length",
            format!("send 1 to {MAX_BATCH} codes"),
        ));
    }
    let codes: Vec<&str> = req.codes.iter().map(String::as_str).collect();
    let date = req.date.unwrap_or_else(today);
    let results = state.codes().validate(system, &codes, date);
    Ok(HttpResponse::Ok()
        .json(json!({ "system": system.as_str(), "date": date, "results": results })))
}

/// A small reference table: place of service, modifiers, HL7 0487/0490, frequency,
/// relationship or claim filing indicator codes.
#[utoipa::path(get, path = "/v1/codesets/tables/{name}", tag = "codesets",
    params(("name" = String, Path, description = "place_of_service, modifier, specimen_type, specimen_reject_reason, claim_frequency, relationship, claim_filing_indicator")),
    responses((status = 200, description = "The table's entries", body = Object), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/codesets/tables/{name}")]
pub async fn reference_table(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    name: web::Path<String>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::CodesetRead)?;
    let table = RefTable::ALL
        .into_iter()
        .find(|t| t.as_str() == name.as_str())
        .ok_or_else(|| DomainError::not_found(&format!("table {:?}", name.as_str())))?;
    let entries: Vec<_> = state
        .codes()
        .reference_entries(table)
        .iter()
        .map(|e| json!({"code": e.code, "name": e.name}))
        .collect();
    Ok(HttpResponse::Ok()
        .json(json!({ "table": table.as_str(), "source": table.source(), "items": entries })))
}

/// Mounts the code table routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(summary)
        .service(reference_table)
        .service(validate)
        .service(search)
        .service(lookup);
}
