//! Provider routes: create, read, update (If-Match), deactivate and list. Providers are not
//! PHI, so reads are not audited; writes are, in the same transaction.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use validator::Validate;

use super::model::{NewProvider, Provider, ProviderId, ProviderPatch, ROLES};
use super::store::{self, ProviderFilter};
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::roles::Permission;
use crate::db::types::Timestamp;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::http::idempotency::{
    run_idempotent, IdempotencyKey, RequestFingerprint, StoredResponse,
};
use crate::http::mutation::{change, deactivate, ResourceOps};
use crate::http::pagination::{self, Page};
use crate::http::registry;
use crate::http::versioning::required_if_match;
use crate::http::{JsonBody, RequestCtx};
use crate::state::AppState;
use crate::validation::{normalize_tax_id, to_api_error};

const RESOURCE: &str = "provider";

fn duplicate_npi(e: diesel::result::Error) -> DomainError {
    match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => DomainError::conflict("a provider with this NPI already exists").with_errors(vec![
            FieldError::new("/npi", "duplicate", "this NPI is already registered"),
        ]),
        other => other.into(),
    }
}

/// Register a provider.
#[utoipa::path(post, path = "/v1/providers", tag = "providers", request_body = NewProvider,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = Provider), (status = 409, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/providers")]
pub async fn create_provider(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    key: IdempotencyKey,
    body: JsonBody<NewProvider>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ProviderWrite)?;
    let input = body.value.trimmed();
    input.check().map_err(to_api_error)?;
    let fp = RequestFingerprint::of(&req, body.fingerprint);
    let audit_ctx = ctx.clone();
    run_idempotent(state, &ctx, key, fp, move |conn| {
        let now = Timestamp::now();
        let pr = Provider {
            id: ProviderId::new(),
            npi: input.npi,
            entity_type: input.entity_type,
            first_name: input.first_name,
            last_name: input.last_name,
            taxonomy: input.taxonomy,
            roles: input.roles,
            tax_id: input.tax_id.as_deref().map(normalize_tax_id),
            address_line1: input.address_line1,
            city: input.city,
            state: input.state,
            postal_code: input.postal_code,
            phone: input.phone,
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        store::insert(conn, &pr).map_err(duplicate_npi)?;
        let entry = AuditEntry::success(&audit_ctx, "create", RESOURCE, Some(pr.id.to_string()));
        audit_store::insert(conn, &[entry])?;
        StoredResponse::created(format!("/v1/providers/{}", pr.id), pr.version, &pr)
    })
    .await
}

/// Read a provider.
#[utoipa::path(get, path = "/v1/providers/{id}", tag = "providers",
    params(("id" = uuid::Uuid, Path, description = "Provider id")),
    responses((status = 200, body = Provider), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/providers/{id}")]
pub async fn get_provider(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<ProviderId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ProviderRead)?;
    let id = id.into_inner();
    registry::get(&state, ops(), id).await
}

/// Change a provider (send If-Match with the version you read).
#[utoipa::path(patch, path = "/v1/providers/{id}", tag = "providers", request_body = ProviderPatch,
    params(("id" = uuid::Uuid, Path, description = "Provider id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = Provider), (status = 409, body = crate::http::problem::Problem),
        (status = 412, body = crate::http::problem::Problem), (status = 422, body = crate::http::problem::Problem),
        (status = 428, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[patch("/v1/providers/{id}")]
pub async fn update_provider(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<ProviderId>,
    body: JsonBody<ProviderPatch>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ProviderWrite)?;
    let expected = required_if_match(&req)?;
    let patch = body.value;
    patch.validate().map_err(to_api_error)?;
    change(
        state,
        ctx,
        ops(),
        id.into_inner(),
        expected,
        "update",
        move |_, pr| patch.apply(pr).map_err(to_api_error),
    )
    .await
}

/// Deactivate a provider (kept for the claims that name it; hidden from `active=true` lists).
#[utoipa::path(delete, path = "/v1/providers/{id}", tag = "providers",
    params(("id" = uuid::Uuid, Path, description = "Provider id")),
    responses((status = 200, body = Provider), (status = 412, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[delete("/v1/providers/{id}")]
pub async fn deactivate_provider(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<ProviderId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ProviderWrite)?;
    deactivate(state, ctx, &req, ops(), id.into_inner()).await
}

fn ops() -> ResourceOps<Provider, ProviderId> {
    ResourceOps {
        name: RESOURCE,
        find: store::find,
        save: store::save,
        save_error: duplicate_npi,
    }
}

/// Query parameters of `GET /v1/providers`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProviderQuery {
    /// Exact NPI.
    pub npi: Option<String>,
    /// Has this role: `rendering`, `billing` or `referring`.
    #[param(pattern = r"^(rendering|billing|referring)$")]
    pub role: Option<String>,
    /// Last (or organization) name starts with, case-insensitive.
    pub name: Option<String>,
    /// true: active only; false: deactivated only.
    pub active: Option<bool>,
    /// Page size (1..=500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List providers.
#[utoipa::path(get, path = "/v1/providers", tag = "providers", params(ProviderQuery),
    responses((status = 200, body = inline(Page<Provider>)), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/providers")]
pub async fn list_providers(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: crate::http::query::Query<ProviderQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ProviderRead)?;
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref())?.map(ProviderId);
    if let Some(role) = q.role.as_deref().filter(|r| !ROLES.contains(r)) {
        return Err(DomainError::invalid_field(
            "?role",
            "invalid_value",
            format!("unknown role {role:?}: use rendering, billing or referring"),
        ));
    }
    let filter = ProviderFilter {
        npi: q.npi.map(|n| n.trim().to_string()),
        role: q.role,
        name_prefix: q
            .name
            .map(|v| v.trim().to_lowercase())
            .filter(|v| !v.is_empty()),
        active: q.active,
    };
    let page = registry::page(
        &state,
        limit,
        |p: &Provider| p.id.0,
        move |c, n| store::list(c, &filter, after, n),
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Mounts the provider routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_provider)
        .service(list_providers)
        .service(get_provider)
        .service(update_provider)
        .service(deactivate_provider);
}
