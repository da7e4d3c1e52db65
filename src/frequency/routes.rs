//! Frequency rule routes: create, read, update (If-Match), deactivate and list. Rules are payer
//! policy, not PHI: reads are not audited, writes are (in the same transaction). Who may edit
//! them follows the payer registry (admin and billing).

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use validator::Validate;

use super::model::{
    period_problem, FrequencyRule, FrequencyRuleId, FrequencyRulePatch, NewFrequencyRule,
};
use super::store::{self, RuleFilter};
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::roles::Permission;
use crate::db::types::Timestamp;
use crate::error::{DomainError, DomainResult};
use crate::http::idempotency::{
    run_idempotent, IdempotencyKey, RequestFingerprint, StoredResponse,
};
use crate::http::mutation::{change, deactivate, ResourceOps};
use crate::http::pagination::{self, Page};
use crate::http::registry;
use crate::http::versioning::required_if_match;
use crate::http::{JsonBody, RequestCtx};
use crate::payers::store as payer_store;
use crate::state::AppState;
use crate::validation::to_api_error;

const RESOURCE: &str = "frequency_rule";

/// Add a payer frequency limit (`frequency.exceeded` checks it from the next validation on).
#[utoipa::path(post, path = "/v1/frequency-rules", tag = "frequency-rules",
    request_body = NewFrequencyRule,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = FrequencyRule), (status = 403, body = crate::http::problem::Problem),
        (status = 409, body = crate::http::problem::Problem), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/frequency-rules")]
pub async fn create_rule(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    key: IdempotencyKey,
    body: JsonBody<NewFrequencyRule>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PayerWrite)?;
    let input = body.value;
    input.validate().map_err(to_api_error)?;
    if let Some((code, message)) = period_problem(input.period_kind, input.period_months) {
        return Err(DomainError::invalid_field("/period_months", code, message));
    }
    let fp = RequestFingerprint::of(&req, body.fingerprint);
    let audit_ctx = ctx.clone();
    run_idempotent(state, &ctx, key, fp, move |conn| {
        if let Some(p) = input.payer_id {
            if payer_store::find(conn, p)?.is_none() {
                return Err(DomainError::invalid_field(
                    "/payer_id",
                    "unknown_payer",
                    "no payer has this id",
                ));
            }
        }
        let now = Timestamp::now();
        let rule = FrequencyRule {
            id: FrequencyRuleId::new(),
            code: input.code.trim().to_ascii_uppercase(),
            payer_id: input.payer_id,
            claim_filing_indicator: input.claim_filing_indicator,
            max_units: input.max_units,
            period_kind: input.period_kind,
            period_months: input.period_months,
            description: input.description.trim().to_string(),
            source: input.source.map(|s| s.trim().to_string()),
            seed_key: None,
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        store::insert(conn, &rule)?;
        let entry = AuditEntry::success(&audit_ctx, "create", RESOURCE, Some(rule.id.to_string()));
        audit_store::insert(conn, &[entry])?;
        StoredResponse::created(
            format!("/v1/frequency-rules/{}", rule.id),
            rule.version,
            &rule,
        )
    })
    .await
}

/// Read a frequency rule.
#[utoipa::path(get, path = "/v1/frequency-rules/{id}", tag = "frequency-rules",
    params(("id" = uuid::Uuid, Path, description = "Rule id")),
    responses((status = 200, body = FrequencyRule), (status = 403, body = crate::http::problem::Problem),
        (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/frequency-rules/{id}")]
pub async fn get_rule(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<FrequencyRuleId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PayerRead)?;
    let id = id.into_inner();
    registry::get(&state, ops(), id).await
}

/// Change a frequency rule's limit, period, description or source, or reactivate it.
#[utoipa::path(patch, path = "/v1/frequency-rules/{id}", tag = "frequency-rules",
    request_body = FrequencyRulePatch,
    params(("id" = uuid::Uuid, Path, description = "Rule id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = FrequencyRule), (status = 403, body = crate::http::problem::Problem),
        (status = 404, body = crate::http::problem::Problem), (status = 412, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem), (status = 428, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[patch("/v1/frequency-rules/{id}")]
pub async fn update_rule(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<FrequencyRuleId>,
    body: JsonBody<FrequencyRulePatch>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PayerWrite)?;
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
        move |_, r| patch.apply(r).map_err(to_api_error),
    )
    .await
}

/// Deactivate a frequency rule (kept; the scrubber stops checking it).
#[utoipa::path(delete, path = "/v1/frequency-rules/{id}", tag = "frequency-rules",
    params(("id" = uuid::Uuid, Path, description = "Rule id")),
    responses((status = 200, body = FrequencyRule), (status = 403, body = crate::http::problem::Problem),
        (status = 404, body = crate::http::problem::Problem), (status = 412, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[delete("/v1/frequency-rules/{id}")]
pub async fn deactivate_rule(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<FrequencyRuleId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PayerWrite)?;
    deactivate(state, ctx, &req, ops(), id.into_inner()).await
}

fn ops() -> ResourceOps<FrequencyRule, FrequencyRuleId> {
    ResourceOps {
        name: RESOURCE,
        find: store::find,
        save: store::save,
        save_error: From::from,
    }
}

/// Query parameters of `GET /v1/frequency-rules`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RuleQuery {
    /// Exact procedure code.
    #[param(pattern = r"^[A-Za-z0-9]{5}$")]
    pub code: Option<String>,
    /// Rules naming this payer.
    pub payer_id: Option<uuid::Uuid>,
    /// true: active only; false: deactivated only.
    pub active: Option<bool>,
    /// Page size (1..=500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List frequency rules.
#[utoipa::path(get, path = "/v1/frequency-rules", tag = "frequency-rules", params(RuleQuery),
    responses((status = 200, body = inline(Page<FrequencyRule>)), (status = 403, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/frequency-rules")]
pub async fn list_rules(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: crate::http::query::Query<RuleQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PayerRead)?;
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref())?.map(FrequencyRuleId);
    if q.code
        .as_deref()
        .is_some_and(|c| !(c.len() == 5 && c.bytes().all(|b| b.is_ascii_alphanumeric())))
    {
        return Err(DomainError::invalid_field(
            "?code",
            "invalid_code",
            "a CPT or HCPCS code is 5 letters and digits, e.g. G0439",
        ));
    }
    let filter = RuleFilter {
        code: q.code.map(|c| c.trim().to_ascii_uppercase()),
        payer_id: q.payer_id.map(crate::payers::model::PayerId),
        active: q.active,
    };
    let page = registry::page(
        &state,
        limit,
        |r: &FrequencyRule| r.id.0,
        move |c, n| store::list(c, &filter, after, n),
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Mounts the frequency rule routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_rule)
        .service(list_rules)
        .service(get_rule)
        .service(update_rule)
        .service(deactivate_rule);
}
