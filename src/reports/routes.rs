//! Report routes: `GET /v1/reports/aging` and `GET /v1/reports/deposits` (JSON or CSV) and
//! `GET /v1/denials`.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;

use super::aging::{self, AgingQuery, AgingReport};
use super::denials::{self, DenialGroup};
use super::deposits::{self, DepositReport};
use crate::auth::roles::Permission;
use crate::error::{DomainError, DomainResult};
use crate::http::reads::{audit_phi_reads, with_conn};
use crate::http::RequestCtx;
use crate::state::AppState;

/// Query parameters of `GET /v1/reports/aging`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AgingParams {
    /// Age balances to this day (default: today, UTC).
    pub as_of: Option<NaiveDate>,
    /// `payer` (default) or `patient`.
    #[param(pattern = "^(payer|patient)$")]
    pub group_by: Option<String>,
    /// Count days from the date of `service` (default) or of `submission`.
    #[param(pattern = "^(service|submission)$")]
    pub from: Option<String>,
}

fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/csv"))
}

/// A/R aging of open balances by payer or patient, in 0-30, 31-60, 61-90, 91-120 and over-120
/// day buckets per owner (payer, patient, next payer); `Accept: text/csv` gives CSV. Totals
/// are the ledger's open balances exactly.
#[utoipa::path(get, path = "/v1/reports/aging", tag = "receivables", params(AgingParams),
    responses((status = 200, content((AgingReport = "application/json"), (String = "text/csv"))),
        (status = 400, body = crate::http::problem::Problem), (status = 403, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/reports/aging")]
pub async fn aging_report(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    q: web::Query<AgingParams>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ReceivablesRead)?;
    let q = q.into_inner();
    let by_patient = match q.group_by.as_deref() {
        None | Some("payer") => false,
        Some("patient") => true,
        Some(_) => {
            return Err(DomainError::invalid_field(
                "?group_by",
                "invalid_value",
                "group_by must be payer or patient",
            ))
        }
    };
    let from_submission = match q.from.as_deref() {
        None | Some("service") => false,
        Some("submission") => true,
        Some(_) => {
            return Err(DomainError::invalid_field(
                "?from",
                "invalid_value",
                "from must be service or submission",
            ))
        }
    };
    let query = AgingQuery {
        as_of: q.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive()),
        by_patient,
        from_submission,
    };
    let report = with_conn(&state, move |c| Ok(aging::run(c, &query)?)).await?;
    if by_patient {
        // Balances per patient are PHI: the read is audited.
        audit_phi_reads(
            &state,
            &ctx,
            "read",
            "aging_report",
            ["patient".to_string()],
        )
        .await?;
    }
    if wants_csv(&req) {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(aging::csv(&report)));
    }
    Ok(HttpResponse::Ok().json(report))
}

/// Query parameters of `GET /v1/denials`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DenialParams {
    /// Age lines to this day (default: today, UTC).
    pub as_of: Option<NaiveDate>,
}

/// The denials work queue: open denied or partly denied lines grouped by CAS group and CARC,
/// with RARC remarks, meaning and age, largest open amount first.
#[utoipa::path(get, path = "/v1/denials", tag = "receivables", params(DenialParams),
    responses((status = 200, body = Vec<DenialGroup>), (status = 400, body = crate::http::problem::Problem),
        (status = 403, body = crate::http::problem::Problem), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/denials")]
pub async fn denials_view(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: web::Query<DenialParams>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ReceivablesRead)?;
    let as_of = q
        .into_inner()
        .as_of
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let groups = with_conn(&state, move |c| Ok(denials::open_denials(c, as_of)?)).await?;
    Ok(HttpResponse::Ok().json(groups))
}

/// Query parameters of `GET /v1/reports/deposits`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DepositParams {
    /// First payment day, inclusive (default: 30 days before `to`).
    pub from: Option<NaiveDate>,
    /// Last payment day, inclusive (default: today, UTC).
    pub to: Option<NaiveDate>,
}

/// Longest range of one deposit report, in days.
const MAX_DEPOSIT_DAYS: i64 = 366;

/// Deposit reconciliation: per 835 payment dated in `from..=to`, the deposit (BPR02) against
/// Σ claim payments − Σ provider-level adjustments (PLB), and how much of each is posted in the
/// ledger; `Accept: text/csv` gives CSV.
#[utoipa::path(get, path = "/v1/reports/deposits", tag = "receivables", params(DepositParams),
    responses((status = 200, content((DepositReport = "application/json"), (String = "text/csv"))),
        (status = 400, body = crate::http::problem::Problem), (status = 403, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/reports/deposits")]
pub async fn deposit_report(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    q: web::Query<DepositParams>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ReceivablesRead)?;
    let q = q.into_inner();
    let to = q.to.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let from = q.from.unwrap_or(to - chrono::Duration::days(30));
    if from > to {
        return Err(DomainError::invalid_field(
            "?from",
            "invalid_range",
            "from must not be after to",
        ));
    }
    if (to - from).num_days() >= MAX_DEPOSIT_DAYS {
        return Err(DomainError::invalid_field(
            "?from",
            "invalid_range",
            format!("a deposit report covers at most {MAX_DEPOSIT_DAYS} days"),
        ));
    }
    let report = with_conn(&state, move |c| Ok(deposits::run(c, from, to)?)).await?;
    if wants_csv(&req) {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(deposits::csv(&report)));
    }
    Ok(HttpResponse::Ok().json(report))
}
