//! Running a handler's database work: diesel is synchronous, so it runs on the blocking pool
//! with a pooled connection, off the async workers.

use actix_web::web;

use crate::audit::AuditEntry;
use crate::db::AnyConnection;
use crate::error::ApiResult;
use crate::http::RequestCtx;
use crate::state::AppState;

/// Runs `f` with a pooled connection on the blocking pool.
pub async fn with_conn<T, F>(state: &web::Data<AppState>, f: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut AnyConnection) -> ApiResult<T> + Send + 'static,
{
    let st = state.clone();
    web::block(move || {
        let mut conn = st.pool.get()?;
        f(&mut conn)
    })
    .await?
}

/// Records that the caller saw these PHI records (`action` is `read` or `search`); returns
/// once the rows are durable, so call it before sending the data.
pub async fn audit_phi_reads<I>(
    state: &AppState,
    ctx: &RequestCtx,
    action: &str,
    resource: &str,
    ids: I,
) -> ApiResult<()>
where
    I: IntoIterator<Item = String>,
{
    let entries = ids
        .into_iter()
        .map(|id| AuditEntry::success(ctx, action, resource, Some(id)))
        .collect();
    state.audit.record(entries).await
}
