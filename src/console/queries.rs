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
use crate::error::DomainResult;
use crate::state::AppState;

pub use crate::http::reads::{audit_phi_reads, with_conn};

/// Runs `f` in one write transaction on the blocking pool: the request commits whole or
/// changes nothing.
pub async fn write<T, F>(state: &web::Data<AppState>, f: F) -> DomainResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut AnyConnection) -> DomainResult<T> + Send + 'static,
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
) -> DomainResult<T> {
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
    let bytes = serde_json::to_vec(&obj).map_err(|_| crate::error::DomainError::internal())?;
    crate::http::json::parse_json(&bytes)
}

/// Encounters per status and, of those, how many have unoverridden scrubber errors (the work
/// queue's tabs): one pass grouped by status and error count, so with the
/// `encounters_status_errors` index it reads the index only, never the rows.
pub fn encounter_counts(conn: &mut AnyConnection) -> QueryResult<Vec<(String, i64, i64)>> {
    let groups: Vec<(String, i32, i64)> = e::table
        .group_by((e::status, e::error_count))
        .select((e::status, e::error_count, count_star()))
        .load(conn)?;
    let mut by_status: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (status, errors, n) in groups {
        let slot = by_status.entry(status).or_default();
        slot.0 += n;
        if errors > 0 {
            slot.1 += n;
        }
    }
    Ok(by_status
        .into_iter()
        .map(|(s, (all, with_errors))| (s, all, with_errors))
        .collect())
}

/// The submission jobs of one claim (its retry button), newest first.
pub fn jobs_of_claim(
    conn: &mut AnyConnection,
    claim: crate::claims::model::ClaimId,
) -> QueryResult<Vec<crate::claims::queue::Job>> {
    use crate::db::schema_claims::submission_jobs as sj;
    sj::table
        .filter(sj::claim_id.eq(claim))
        .select(crate::claims::queue::Job::as_select())
        .order(sj::created_at.desc())
        .limit(20)
        .load(conn)
}

/// Records every PHI read of one page (`(action, resource, ids)` per kind of record shown) in
/// one hand-off to the audit writer: the page waits for one durable commit, not one per kind.
pub async fn audit_page_reads(
    state: &AppState,
    ctx: &crate::http::RequestCtx,
    groups: Vec<(&str, &str, Vec<String>)>,
) -> DomainResult<()> {
    let entries = groups
        .into_iter()
        .flat_map(|(action, resource, ids)| {
            ids.into_iter()
                .map(move |id| crate::audit::AuditEntry::success(ctx, action, resource, Some(id)))
        })
        .collect();
    state.audit.record(entries).await
}
