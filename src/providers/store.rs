//! Provider queries.

use diesel::prelude::*;

use super::model::{Provider, ProviderId, ProviderRow};
use crate::db::schema::providers as p;
use crate::db::text::{like_prefix, lower};
use crate::db::AnyConnection;
use crate::on_backend;

/// Inserts a new provider.
pub fn insert(conn: &mut AnyConnection, pr: &Provider) -> QueryResult<()> {
    diesel::insert_into(p::table)
        .values(ProviderRow::from(pr))
        .execute(conn)
        .map(|_| ())
}

/// Finds a provider by id.
pub fn find(conn: &mut AnyConnection, id: ProviderId) -> QueryResult<Option<Provider>> {
    p::table
        .find(id)
        .select(ProviderRow::as_select())
        .first(conn)
        .optional()
        .map(|r| r.map(Provider::from))
}

/// Finds up to three providers by id in one statement (an encounter's rendering, billing and
/// referring provider); the ids may repeat or be absent. Returns those found, in no order.
pub fn find_each(
    conn: &mut AnyConnection,
    ids: [Option<ProviderId>; 3],
) -> QueryResult<Vec<Provider>> {
    let Some(first) = ids.iter().flatten().next().copied() else {
        return Ok(Vec::new());
    };
    // Always three parameters (an absent id repeats the first), so the statement has one
    // shape and stays prepared on both backends; `eq_any` would be prepared anew each time on
    // SQLite.
    // On the backend's own connection (see `db::first_row`): every validate and encounter
    // write reads its providers here.
    let [a, b, c] = ids.map(|id| id.unwrap_or(first));
    let rows: Vec<ProviderRow> = on_backend!(conn, conn => p::table
        .filter(p::id.eq(a).or(p::id.eq(b)).or(p::id.eq(c)))
        .select(ProviderRow::as_select())
        .load(conn))?;
    Ok(rows.into_iter().map(Provider::from).collect())
}

/// Finds many providers by id (one chunk of at most 500 ids), in no order.
pub fn find_many(conn: &mut AnyConnection, ids: &[ProviderId]) -> QueryResult<Vec<Provider>> {
    p::table
        .filter(p::id.eq_any(ids))
        .select(ProviderRow::as_select())
        .load(conn)
        .map(|rows| rows.into_iter().map(Provider::from).collect())
}

/// Writes `pr` (already carrying its new version) if the stored version is still
/// `pr.version - 1`; returns false when another write got there first.
pub fn save(conn: &mut AnyConnection, pr: &Provider) -> QueryResult<bool> {
    let n = diesel::update(p::table.find(pr.id).filter(p::version.eq(pr.version - 1)))
        .set(ProviderRow::from(pr))
        .execute(conn)?;
    Ok(n == 1)
}

/// Filters for listing providers.
#[derive(Debug, Default, Clone)]
pub struct ProviderFilter {
    /// Exact NPI.
    pub npi: Option<String>,
    /// Has this role (one of [`super::model::ROLES`]).
    pub role: Option<String>,
    /// Last (or organization) name starts with, lower case.
    pub name_prefix: Option<String>,
    /// Only active (true) or only deactivated (false) providers.
    pub active: Option<bool>,
}

/// Lists providers in id (creation) order after `after`, at most `limit`.
pub fn list(
    conn: &mut AnyConnection,
    f: &ProviderFilter,
    after: Option<ProviderId>,
    limit: i64,
) -> QueryResult<Vec<Provider>> {
    let mut q = p::table.select(ProviderRow::as_select()).into_boxed();
    if let Some(npi) = &f.npi {
        q = q.filter(p::npi.eq(npi.clone()));
    }
    if let Some(role) = &f.role {
        // Wrapping the list in commas makes this a whole-word match of one role.
        let wrapped = ","
            .into_sql::<diesel::sql_types::Text>()
            .concat(p::roles)
            .concat(",");
        q = q.filter(wrapped.like(format!("%,{role},%")));
    }
    if let Some(n) = &f.name_prefix {
        q = q.filter(lower(p::last_name).like(like_prefix(n)).escape('\\'));
    }
    if let Some(a) = f.active {
        q = q.filter(p::active.eq(a));
    }
    if let Some(a) = after {
        q = q.filter(p::id.gt(a));
    }
    q.order(p::id.asc())
        .limit(limit)
        .load::<ProviderRow>(conn)
        .map(|rows| rows.into_iter().map(Provider::from).collect())
}
