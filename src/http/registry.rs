//! The read shells the registries (payers, providers, frequency rules, patients) share: one
//! record with its ETag, and one page of a list.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use diesel::QueryResult;
use serde::Serialize;

use super::mutation::ResourceOps;
use super::pagination::{self, Page};
use super::reads::with_conn;
use super::versioning::etag;
use crate::db::versioned::Versioned;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};
use crate::state::AppState;

/// `GET /v1/<registry>/{id}` of a record that is not PHI (no read audit): 200 with its ETag, or
/// 404 naming `ops.name`.
pub async fn get<T, Id>(
    state: &web::Data<AppState>,
    ops: ResourceOps<T, Id>,
    id: Id,
) -> DomainResult<HttpResponse>
where
    T: Versioned + Serialize + Send + 'static,
    Id: Send + 'static,
{
    let find = ops.find;
    let found = with_conn(state, move |c| -> DomainResult<Option<T>> {
        Ok(find(c, id)?)
    })
    .await?;
    let record = found.ok_or_else(|| DomainError::not_found(ops.name))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(record.version())))
        .json(record))
}

/// One page of a list: `list` loads up to the number of rows it is given (one more than
/// `limit`, to know whether another page follows), in id order after the cursor it captured.
pub async fn page<T, F>(
    state: &web::Data<AppState>,
    limit: i64,
    id_of: fn(&T) -> uuid::Uuid,
    list: F,
) -> DomainResult<Page<T>>
where
    T: Send + 'static,
    F: FnOnce(&mut AnyConnection, i64) -> QueryResult<Vec<T>> + Send + 'static,
{
    let rows = with_conn(state, move |c| -> DomainResult<Vec<T>> {
        Ok(list(c, limit + 1)?)
    })
    .await?;
    Ok(pagination::page(rows, limit, id_of))
}
