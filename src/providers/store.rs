//! Provider queries.

use diesel::prelude::*;
use diesel::sql_types::Text;

use super::model::{Provider, ProviderId, ProviderRow};
use crate::db::schema::providers as p;
use crate::db::AnyConnection;
use crate::patients::store::like_prefix;

diesel::define_sql_function! {
    /// SQL `lower()`, the same on both backends for the ASCII names providers carry.
    fn lower(x: Text) -> Text;
}

/// Inserts a new provider.
pub fn insert(conn: &mut AnyConnection, pr: &Provider) -> QueryResult<()> {
    diesel::insert_into(p::table)
        .values((
            p::id.eq(pr.id),
            p::npi.eq(&pr.npi),
            p::entity_type.eq(&pr.entity_type),
            p::first_name.eq(&pr.first_name),
            p::last_name.eq(&pr.last_name),
            p::taxonomy.eq(&pr.taxonomy),
            p::roles.eq(pr.roles_text()),
            p::tax_id.eq(&pr.tax_id),
            p::address_line1.eq(&pr.address_line1),
            p::city.eq(&pr.city),
            p::state.eq(&pr.state),
            p::postal_code.eq(&pr.postal_code),
            p::phone.eq(&pr.phone),
            p::active.eq(pr.active),
            p::version.eq(pr.version),
            p::created_at.eq(pr.created_at),
            p::updated_at.eq(pr.updated_at),
        ))
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

/// Writes `pr` (already carrying its new version) if the stored version is still
/// `pr.version - 1`; returns false when another write got there first.
pub fn save(conn: &mut AnyConnection, pr: &Provider) -> QueryResult<bool> {
    let n = diesel::update(p::table.find(pr.id).filter(p::version.eq(pr.version - 1)))
        .set((
            p::npi.eq(&pr.npi),
            p::entity_type.eq(&pr.entity_type),
            p::first_name.eq(&pr.first_name),
            p::last_name.eq(&pr.last_name),
            p::taxonomy.eq(&pr.taxonomy),
            p::roles.eq(pr.roles_text()),
            p::tax_id.eq(&pr.tax_id),
            p::address_line1.eq(&pr.address_line1),
            p::city.eq(&pr.city),
            p::state.eq(&pr.state),
            p::postal_code.eq(&pr.postal_code),
            p::phone.eq(&pr.phone),
            p::active.eq(pr.active),
            p::version.eq(pr.version),
            p::updated_at.eq(pr.updated_at),
        ))
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
        let wrapped = ",".into_sql::<Text>().concat(p::roles).concat(",");
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
