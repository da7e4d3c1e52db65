//! Endpoint and attempt queries.

use diesel::prelude::*;

use super::model::{Attempt, AttemptId, EndpointId, EndpointRow};
use crate::db::schema_events::{webhook_attempts as wa, webhook_endpoints as we};
use crate::db::types::Timestamp;
use crate::db::AnyConnection;

/// Inserts a new endpoint.
pub fn insert(conn: &mut AnyConnection, row: &EndpointRow) -> QueryResult<()> {
    diesel::insert_into(we::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// Finds an endpoint.
pub fn find(conn: &mut AnyConnection, id: EndpointId) -> QueryResult<Option<EndpointRow>> {
    we::table
        .find(id)
        .select(EndpointRow::as_select())
        .first(conn)
        .optional()
}

/// Endpoints in id order after `after`, at most `limit`.
pub fn list(
    conn: &mut AnyConnection,
    after: Option<EndpointId>,
    limit: i64,
) -> QueryResult<Vec<EndpointRow>> {
    let mut q = we::table.select(EndpointRow::as_select()).into_boxed();
    if let Some(a) = after {
        q = q.filter(we::id.gt(a));
    }
    q.order(we::id.asc()).limit(limit).load(conn)
}

/// The enabled endpoints (for fanning events out).
pub fn enabled(conn: &mut AnyConnection) -> QueryResult<Vec<EndpointRow>> {
    we::table
        .filter(we::enabled.eq(true))
        .select(EndpointRow::as_select())
        .load(conn)
}

/// Writes `row` (carrying its new version) if the stored version is still `row.version - 1`.
pub fn save(conn: &mut AnyConnection, row: &EndpointRow) -> QueryResult<bool> {
    let n = diesel::update(
        we::table
            .find(row.id)
            .filter(we::version.eq(row.version - 1)),
    )
    .set((
        we::url.eq(&row.url),
        we::event_types.eq(&row.event_types),
        we::description.eq(&row.description),
        we::secret.eq(&row.secret),
        we::previous_secret.eq(&row.previous_secret),
        we::previous_secret_expires_at.eq(row.previous_secret_expires_at),
        we::enabled.eq(row.enabled),
        we::disabled_reason.eq(&row.disabled_reason),
        we::version.eq(row.version),
        we::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Deletes an endpoint with its deliveries and attempts; false when it did not exist.
pub fn delete(conn: &mut AnyConnection, id: EndpointId) -> QueryResult<bool> {
    use crate::db::schema_events::webhook_deliveries as wd;
    diesel::delete(wa::table.filter(wa::endpoint_id.eq(id))).execute(conn)?;
    diesel::delete(wd::table.filter(wd::endpoint_id.eq(id))).execute(conn)?;
    Ok(diesel::delete(we::table.find(id)).execute(conn)? == 1)
}

/// Disables an enabled endpoint with `reason` (by the worker); returns its new version, or
/// None when it was already disabled.
pub fn disable(
    conn: &mut AnyConnection,
    id: EndpointId,
    reason: &str,
    now: Timestamp,
) -> QueryResult<Option<i32>> {
    let n = diesel::update(we::table.find(id).filter(we::enabled.eq(true)))
        .set((
            we::enabled.eq(false),
            we::disabled_reason.eq(reason),
            we::version.eq(we::version + 1),
            we::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    we::table.find(id).select(we::version).first(conn).map(Some)
}

/// Stores attempts.
pub fn insert_attempts(conn: &mut AnyConnection, rows: &[Attempt]) -> QueryResult<()> {
    // 9 columns x 100 rows stays under SQLite's bound-parameter limit.
    for chunk in rows.chunks(100) {
        let insert = diesel::insert_into(wa::table).values(chunk);
        match conn {
            AnyConnection::Sqlite(c) => insert.execute(c)?,
            AnyConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// Attempts to endpoint `id`, newest first, before `before`.
pub fn attempts(
    conn: &mut AnyConnection,
    id: EndpointId,
    before: Option<AttemptId>,
    limit: i64,
) -> QueryResult<Vec<Attempt>> {
    let mut q = wa::table
        .filter(wa::endpoint_id.eq(id))
        .select(Attempt::as_select())
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(wa::id.lt(b));
    }
    q.order(wa::id.desc()).limit(limit).load(conn)
}
