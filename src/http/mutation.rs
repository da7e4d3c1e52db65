//! The HTTP shell of a registry change: load the record, check the caller's version, apply the
//! edit, save it through [`crate::db::versioned`] (only if nobody else saved first), audit and
//! record the event, all in one transaction, and answer 200 with the new ETag.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::QueryResult;
use serde::Serialize;

use super::versioning::{etag, expect_version, if_match};
use super::RequestCtx;
use crate::audit::{store as audit_store, AuditEntry};
use crate::db::versioned::{self, Deactivatable, Versioned};
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};
use crate::state::AppState;

/// How to find, save and name one kind of resource.
pub struct ResourceOps<T, Id> {
    /// Resource type name in the audit log and messages (`patient`).
    pub name: &'static str,
    /// Loads by id.
    pub find: fn(&mut AnyConnection, Id) -> QueryResult<Option<T>>,
    /// Saves if the stored version is still `version - 1`; false when someone else saved.
    pub save: fn(&mut AnyConnection, &T) -> QueryResult<bool>,
    /// Maps a storage error of `save` (e.g. a unique violation) to the API error.
    pub save_error: fn(diesel::result::Error) -> DomainError,
}

/// Applies `edit` to resource `id` under `expected` version and answers 200 with the new ETag.
/// The edit gets the transaction's connection, for checks against other stored rows.
pub async fn change<T, Id, F>(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    ops: ResourceOps<T, Id>,
    id: Id,
    expected: Option<i32>,
    action: &'static str,
    edit: F,
) -> DomainResult<HttpResponse>
where
    T: Versioned + Serialize + Send + 'static,
    Id: Copy + std::fmt::Display + Send + 'static,
    F: FnOnce(&mut AnyConnection, T) -> DomainResult<T> + Send + 'static,
{
    let saved = web::block(move || -> DomainResult<T> {
        let mut conn = state.pool.get()?;
        conn.write_transaction(|c| change_in(c, &ctx, &ops, id, expected, action, edit))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(saved.version())))
        .json(saved))
}

/// The change itself, inside the caller's write transaction: load, check the version, edit,
/// save only if nobody else saved first (else 412 naming the stored version), audit `action`
/// and record the event. The API's [`change`] and the console's edit forms both run it.
pub fn change_in<T, Id, F>(
    c: &mut AnyConnection,
    ctx: &RequestCtx,
    ops: &ResourceOps<T, Id>,
    id: Id,
    expected: Option<i32>,
    action: &'static str,
    edit: F,
) -> DomainResult<T>
where
    T: Versioned,
    Id: Copy + std::fmt::Display,
    F: FnOnce(&mut AnyConnection, T) -> DomainResult<T>,
{
    let current = (ops.find)(c, id)?.ok_or_else(|| DomainError::not_found(ops.name))?;
    let before = current.version();
    expect_version(before, expected)?;
    let mut next = edit(c, current)?;
    versioned::save_next(
        c,
        before,
        &mut next,
        |c, t| (ops.save)(c, t).map_err(ops.save_error),
        |c| Ok((ops.find)(c, id)?.map(|r| r.version())),
    )?;
    let entry = AuditEntry::success(ctx, action, ops.name, Some(id.to_string()));
    audit_store::insert(c, &[entry])?;
    crate::events::record_change(c, ops.name, action, &id.to_string(), next.version())?;
    Ok(next)
}

/// `DELETE` of a registry record: marks it inactive in one audited, versioned change.
/// If-Match is optional here; when sent it must name the current version.
pub async fn deactivate<T, Id>(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: &HttpRequest,
    ops: ResourceOps<T, Id>,
    id: Id,
) -> DomainResult<HttpResponse>
where
    T: Deactivatable + Serialize + Send + 'static,
    Id: Copy + std::fmt::Display + Send + 'static,
{
    let expected = if_match(req)?;
    change(
        state,
        ctx,
        ops,
        id,
        expected,
        "deactivate",
        |_: &mut AnyConnection, mut record: T| {
            record.deactivate();
            Ok(record)
        },
    )
    .await
}
