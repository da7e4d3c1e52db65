//! Liveness and readiness probes.

use actix_web::{get, web, HttpResponse};
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The process is up.
#[utoipa::path(get, path = "/health/live", tag = "health", responses((status = 200, description = "alive")))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The database answers.
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses((status = 200, description = "ready"), (status = 503, body = crate::error::Problem)))]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    web::block(move || -> ApiResult<()> {
        let mut conn = state.pool.get()?;
        conn.batch_execute("SELECT 1")
            .map_err(|_| ApiError::unavailable("the database does not answer"))
    })
    .await??;
    Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
}
