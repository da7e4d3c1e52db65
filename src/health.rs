//! Liveness and readiness probes.

use actix_web::{get, web, HttpResponse};
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::error::{DomainError, DomainResult};
use crate::state::AppState;

/// The process is up.
#[utoipa::path(get, path = "/health/live", tag = "health", responses((status = 200, description = "alive")))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// How long readiness waits for a database connection: a probe must answer within about a
/// second even when the database is down.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(800);

/// A short, host-free reason for a connection failure (the probe is unauthenticated; the full
/// error goes to the log).
pub fn outage_reason(error: &str) -> &'static str {
    let e = error.to_ascii_lowercase();
    if e.contains("refused") {
        "connection refused"
    } else if e.contains("timeout expired") {
        "connection timed out"
    } else if e.contains("password") || e.contains("authentication") {
        "authentication failed"
    } else if e.contains("does not exist") {
        "database does not exist"
    } else if e.contains("resolve") || e.contains("name or service") {
        "host name not found"
    } else if e.contains("locked") || e.contains("busy") {
        "database is locked"
    } else {
        "no connection within the timeout"
    }
}

/// The database answers (within about a second); a 503 says why not.
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses((status = 200, description = "ready"), (status = 503, body = crate::http::problem::Problem)))]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> DomainResult<HttpResponse> {
    web::block(move || -> DomainResult<()> {
        let mut conn = crate::db::checkout_checked(&state.pool, READY_TIMEOUT).map_err(|e| {
            let text = e.to_string();
            tracing::warn!(error = %text, "readiness: database unavailable");
            let reason = outage_reason(&text);
            DomainError::unavailable(format!("the database is unavailable: {reason}"))
                .with_extension("reason", json!(reason))
        })?;
        conn.batch_execute("SELECT 1").map_err(|e| {
            tracing::warn!(error = %e, "readiness: database does not answer");
            DomainError::unavailable("the database does not answer")
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
}
