//! Running a handler's database work: diesel is synchronous, so it runs on the blocking pool
//! with a pooled connection, off the async workers. Services never block themselves: these
//! wrappers are the HTTP layer's.

use actix_web::web;

use crate::audit::{AuditEntry, EventId};
use crate::codesets::CodeTables;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};
use crate::http::RequestCtx;
use crate::state::AppState;

/// Runs `f` with a pooled connection on the blocking pool.
pub async fn with_conn<T, F>(state: &web::Data<AppState>, f: F) -> DomainResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut AnyConnection) -> DomainResult<T> + Send + 'static,
{
    let st = state.clone();
    web::block(move || {
        let mut conn = st.pool.get()?;
        f(&mut conn)
    })
    .await?
}

/// Runs `f` in a write transaction (with the code tables in effect) on the blocking pool: the
/// one hand-off of a service's write from a handler.
pub async fn write<T, F>(state: web::Data<AppState>, f: F) -> DomainResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut AnyConnection, &'static CodeTables) -> DomainResult<T> + Send + 'static,
{
    web::block(move || -> DomainResult<T> {
        let mut conn = state.pool.get()?;
        let codes = state.codes();
        conn.write_transaction(|c| f(c, codes))
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
) -> DomainResult<()>
where
    I: IntoIterator<Item = String>,
{
    let entries = ids
        .into_iter()
        .map(|id| AuditEntry::success(ctx, action, resource, Some(id)))
        .collect();
    state.audit.record(entries).await
}

/// Reads PHI and audits it with one hand-off: the audit writer runs `read` on its connection,
/// stores a row per id `seen` returns (`action` on `resource`) with its next group commit, and
/// the answer comes back once those rows are durable. When `read` fails, or `seen` names
/// nothing (not found), nothing is audited and `read`'s answer is returned. `read` must be a
/// short point read: reads queued for the writer run one after another.
pub async fn read_audited<T, F, G>(
    state: &AppState,
    ctx: &RequestCtx,
    action: &str,
    resource: &str,
    read: F,
    seen: G,
) -> DomainResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut AnyConnection) -> DomainResult<T> + Send + 'static,
    G: FnOnce(&T) -> Vec<String> + Send + 'static,
{
    // The row is filled in here, not on the writer thread, which serves every request.
    let template = AuditEntry::success(ctx, action, resource, None);
    let (answer, answered) = tokio::sync::oneshot::channel();
    let job = Box::new(move |conn: &mut AnyConnection| {
        let result = read(conn);
        let rows = match &result {
            Ok(value) => seen(value)
                .into_iter()
                .map(|id| AuditEntry {
                    event_id: EventId::new(),
                    resource_id: Some(id),
                    ..template.clone()
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        let _ = answer.send(result);
        rows
    });
    let stored = state.audit.read_then_record(job).await;
    let value = answered.await.map_err(|_| {
        DomainError::unavailable("the database did not answer the read; retry shortly")
    })??;
    // Data goes out only once its audit rows are durable.
    stored?;
    Ok(value)
}
