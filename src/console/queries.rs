//! Shared plumbing of the console screens: running database work off the async workers (reads
//! on a pooled connection, writes in one write transaction, as the API does), turning posted
//! form fields into the API's JSON bodies (so the API's field rules and messages apply), and
//! the few read-only aggregates only the console shows.

use std::collections::BTreeMap;

use actix_web::web;
use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::de::DeserializeOwned;

use crate::db::schema_encounters::encounters as e;
use crate::db::AnyConnection;
use crate::error::ApiResult;
use crate::state::AppState;

pub use crate::http::reads::{audit_phi_reads, with_conn};

/// Runs `f` in one write transaction on the blocking pool: the request commits whole or
/// changes nothing.
pub async fn write<T, F>(state: &web::Data<AppState>, f: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut AnyConnection) -> ApiResult<T> + Send + 'static,
{
    let st = state.clone();
    web::block(move || {
        let mut conn = st.pool.get()?;
        conn.write_transaction(f)
    })
    .await?
}

/// Posted form fields (the `csrf` field is checked by `CsrfForm` and dropped here).
pub type Fields = BTreeMap<String, String>;

/// Parses form fields as the API's JSON body `T`: empty fields are left out, names listed in
/// `numbers` are sent as numbers and in `lists` as comma-separated lists, so field errors
/// point at the same names the API uses.
pub fn body_of<T: DeserializeOwned>(
    fields: &Fields,
    extra: serde_json::Map<String, serde_json::Value>,
    numbers: &[&str],
    lists: &[&str],
) -> ApiResult<T> {
    let mut obj = extra;
    for (k, v) in fields {
        let v = v.trim();
        if k == "csrf" || v.is_empty() {
            continue;
        }
        let value = if numbers.contains(&k.as_str()) {
            v.parse::<i64>()
                .map(serde_json::Value::from)
                .unwrap_or_else(|_| serde_json::Value::from(v))
        } else if lists.contains(&k.as_str()) {
            serde_json::Value::Array(
                v.split([',', ' '])
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        s.parse::<i64>()
                            .map(serde_json::Value::from)
                            .unwrap_or_else(|_| serde_json::Value::from(s))
                    })
                    .collect(),
            )
        } else {
            serde_json::Value::from(v)
        };
        obj.insert(k.clone(), value);
    }
    let bytes = serde_json::to_vec(&obj).map_err(|_| crate::error::ApiError::internal())?;
    crate::http::json::parse_json(&bytes)
}

/// Encounters per status (the work queue's tabs).
pub fn encounter_counts(conn: &mut AnyConnection) -> QueryResult<Vec<(String, i64)>> {
    e::table
        .group_by(e::status)
        .select((e::status, count_star()))
        .order(e::status.asc())
        .load(conn)
}

/// Encounters per status that have unoverridden scrubber errors.
pub fn encounters_with_errors(conn: &mut AnyConnection) -> QueryResult<Vec<(String, i64)>> {
    e::table
        .filter(e::error_count.gt(0))
        .group_by(e::status)
        .select((e::status, count_star()))
        .load(conn)
}
