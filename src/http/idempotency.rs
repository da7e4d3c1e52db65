//! Idempotency-Key on POST: the first response under a key is stored in the same transaction as
//! the change, and a retry with the same key and body gets that response again instead of a
//! second change. The same key with a different body is a 422.

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use diesel::prelude::*;
use std::future::{ready, Ready};

use super::context::RequestCtx;
use crate::db::schema::idempotency_keys as ik;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::error::{Category, DomainError, DomainResult};
use crate::state::AppState;

/// The request's `Idempotency-Key` header, when sent.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = DomainError;
    type Future = Ready<Result<Self, DomainError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = match req.headers().get("idempotency-key") {
            None => Ok(IdempotencyKey(None)),
            Some(v) => match v.to_str() {
                Ok(s) if !s.is_empty() && s.len() <= 255 => Ok(IdempotencyKey(Some(s.to_string()))),
                _ => Err(DomainError::invalid_field(
                    "Idempotency-Key",
                    "invalid_format",
                    "Idempotency-Key must be 1 to 255 printable characters",
                )),
            },
        };
        ready(key)
    }
}

/// A response as stored for replay.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: String,
    /// Location header, for creates.
    pub location: Option<String>,
    /// ETag header.
    pub etag: Option<String>,
}

impl StoredResponse {
    /// A 201 Created with Location and ETag.
    pub fn created<T: serde::Serialize>(
        location: String,
        version: i32,
        body: &T,
    ) -> DomainResult<Self> {
        Ok(StoredResponse {
            status: 201,
            body: serde_json::to_string(body).map_err(|_| DomainError::internal())?,
            location: Some(location),
            etag: Some(super::versioning::etag(version)),
        })
    }

    /// A 200 OK with an ETag.
    pub fn ok<T: serde::Serialize>(version: i32, body: &T) -> DomainResult<Self> {
        Ok(StoredResponse {
            status: 200,
            body: serde_json::to_string(body).map_err(|_| DomainError::internal())?,
            location: None,
            etag: Some(super::versioning::etag(version)),
        })
    }

    fn into_response(self, replayed: bool) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let mut b = HttpResponse::build(status);
        b.content_type("application/json");
        if let Some(l) = self.location {
            b.insert_header((header::LOCATION, l));
        }
        if let Some(e) = self.etag {
            b.insert_header((header::ETAG, e));
        }
        if replayed {
            b.insert_header(("idempotent-replayed", "true"));
        }
        b.body(self.body)
    }
}

/// What the request is, to tell a true retry from a reuse of the key.
#[derive(Debug, Clone)]
pub struct RequestFingerprint {
    /// HTTP method.
    pub method: String,
    /// Request path.
    pub path: String,
    /// SHA-256 of the body.
    pub body_hash: String,
}

impl RequestFingerprint {
    /// The fingerprint of `req` with a body hash from [`super::JsonBody`].
    pub fn of(req: &HttpRequest, body_hash: String) -> Self {
        RequestFingerprint {
            method: req.method().to_string(),
            path: req.path().to_string(),
            body_hash,
        }
    }
}

const RACE: &str = "idempotency-race";

fn replay(
    conn: &mut AnyConnection,
    actor: &str,
    key: &str,
    fp: &RequestFingerprint,
) -> DomainResult<Option<StoredResponse>> {
    type Row = (
        String,
        String,
        String,
        i32,
        String,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = ik::table
        .filter(ik::actor.eq(actor))
        .filter(ik::idem_key.eq(key))
        .select((
            ik::method,
            ik::path,
            ik::body_hash,
            ik::status,
            ik::response_body,
            ik::location,
            ik::etag,
        ))
        .first(conn)
        .optional()?;
    let Some((method, path, body_hash, status, body, location, etag)) = row else {
        return Ok(None);
    };
    if method != fp.method || path != fp.path || body_hash != fp.body_hash {
        return Err(DomainError::invalid_field(
            "Idempotency-Key",
            "key_reused",
            "this Idempotency-Key was already used for a different request",
        ));
    }
    Ok(Some(StoredResponse {
        status: status as u16,
        body,
        location,
        etag,
    }))
}

/// Status stored while the first attempt under a key is still running (never committed alone).
const IN_PROGRESS: i32 = 0;

/// 409 for a retry that arrives while the first attempt has not finished: retry shortly.
fn in_progress() -> DomainError {
    DomainError::new(
        Category::Conflict,
        "request-in-progress",
        "a request with this Idempotency-Key is still being processed; retry shortly",
    )
    .retry_after(1)
}

/// Claims `key` for this attempt by inserting its row before the work runs. On PostgreSQL a
/// concurrent attempt's insert waits on the unique index until this transaction ends, then
/// fails (and replays what was committed); on SQLite `BEGIN IMMEDIATE` already serializes.
/// Without the claim, both attempts ran the work and the second failed on the first's
/// unique values (e.g. "MRN already exists") instead of replaying.
fn claim(
    c: &mut AnyConnection,
    actor: &str,
    key: &str,
    fp: &RequestFingerprint,
) -> DomainResult<()> {
    let inserted = diesel::insert_into(ik::table)
        .values((
            ik::actor.eq(actor),
            ik::idem_key.eq(key),
            ik::method.eq(&fp.method),
            ik::path.eq(&fp.path),
            ik::body_hash.eq(&fp.body_hash),
            ik::status.eq(IN_PROGRESS),
            ik::response_body.eq(""),
            ik::location.eq(None::<String>),
            ik::etag.eq(None::<String>),
            ik::created_at.eq(Timestamp::now()),
        ))
        .execute(c);
    match inserted {
        Ok(_) => Ok(()),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Err(DomainError::new(
            Category::Conflict,
            RACE,
            "concurrent retry",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Stores the response of the attempt that claimed `key`.
fn record(
    c: &mut AnyConnection,
    actor: &str,
    key: &str,
    response: &StoredResponse,
) -> DomainResult<()> {
    diesel::update(
        ik::table
            .filter(ik::actor.eq(actor))
            .filter(ik::idem_key.eq(key)),
    )
    .set((
        ik::status.eq(response.status as i32),
        ik::response_body.eq(&response.body),
        ik::location.eq(&response.location),
        ik::etag.eq(&response.etag),
    ))
    .execute(c)?;
    Ok(())
}

/// Runs `work` in one write transaction; with a key, stores its response beside the change
/// and answers retries (even concurrent ones) from the store.
pub async fn run_idempotent<F>(
    state: web::Data<AppState>,
    ctx: &RequestCtx,
    key: IdempotencyKey,
    fp: RequestFingerprint,
    work: F,
) -> DomainResult<HttpResponse>
where
    F: FnOnce(&mut AnyConnection) -> DomainResult<StoredResponse> + Send + 'static,
{
    run_idempotent_writing(state, ctx, key, fp, Within::Own, work).await
}

/// [`run_idempotent`] for `work` that writes with one statement ([`crate::db::chained`]):
/// without a key, on PostgreSQL, that statement is its own transaction (two round trips fewer).
pub async fn run_idempotent_one_statement<F>(
    state: web::Data<AppState>,
    ctx: &RequestCtx,
    key: IdempotencyKey,
    fp: RequestFingerprint,
    work: F,
) -> DomainResult<HttpResponse>
where
    F: FnOnce(&mut AnyConnection) -> DomainResult<StoredResponse> + Send + 'static,
{
    run_idempotent_writing(state, ctx, key, fp, Within::OneStatement, work).await
}

async fn run_idempotent_writing<F>(
    state: web::Data<AppState>,
    ctx: &RequestCtx,
    key: IdempotencyKey,
    fp: RequestFingerprint,
    within: Within,
    work: F,
) -> DomainResult<HttpResponse>
where
    F: FnOnce(&mut AnyConnection) -> DomainResult<StoredResponse> + Send + 'static,
{
    let actor = ctx.caller.actor.clone();
    let outcome = match state.writes.clone() {
        // SQLite: the write joins the next group commit (`db::CombinedWrites`), which already
        // runs it inside a savepoint of the batch's transaction.
        Some(writes) => {
            writes
                .run(move |c| run_keyed(c, &actor, key.0, &fp, work, Within::Batch))
                .await?
        }
        None => {
            web::block(move || -> DomainResult<(StoredResponse, bool)> {
                let mut conn = state.pool.get()?;
                run_keyed(&mut conn, &actor, key.0, &fp, work, within)
            })
            .await??
        }
    };
    if outcome.1 && outcome.0.status == IN_PROGRESS as u16 {
        return Err(in_progress());
    }
    Ok(outcome.0.into_response(outcome.1))
}

/// Where [`run_keyed`] runs its work: in a write transaction of its own, as one statement that
/// is its own transaction (keys still get a transaction), or inside the group commit's
/// transaction (where a savepoint stands for its transaction).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Within {
    Own,
    OneStatement,
    Batch,
}

/// Runs `work` on `c` under `key` (when sent): `(response, replayed)`.
fn run_keyed<F>(
    c: &mut AnyConnection,
    actor: &str,
    key: Option<String>,
    fp: &RequestFingerprint,
    work: F,
    within: Within,
) -> DomainResult<(StoredResponse, bool)>
where
    F: FnOnce(&mut AnyConnection) -> DomainResult<StoredResponse>,
{
    let Some(key) = key else {
        return match within {
            Within::Own => c.write_transaction(work),
            Within::OneStatement => crate::db::chained::one_statement_transaction(c, work),
            Within::Batch => work(c),
        }
        .map(|r| (r, false));
    };
    // The attempt gets a transaction (or savepoint) of its own, so a lost race leaves the
    // key's row to replay on the same connection.
    let tried = match within {
        Within::Own | Within::OneStatement => {
            c.write_transaction(|c| attempt(c, actor, &key, fp, work))
        }
        Within::Batch => c.transaction(|c| attempt(c, actor, &key, fp, work)),
    };
    match tried {
        // A concurrent request with the same key committed first: answer as its retry.
        Err(e) if e.kind == RACE => replay(c, actor, &key, fp)?
            .map(|r| (r, true))
            .ok_or_else(in_progress),
        other => other,
    }
}

/// One keyed attempt inside a write transaction: the stored answer when the key was used
/// before with this body, else the work, recorded under the key.
fn attempt<F>(
    c: &mut AnyConnection,
    actor: &str,
    key: &str,
    fp: &RequestFingerprint,
    work: F,
) -> DomainResult<(StoredResponse, bool)>
where
    F: FnOnce(&mut AnyConnection) -> DomainResult<StoredResponse>,
{
    if let Some(previous) = replay(c, actor, key, fp)? {
        return Ok((previous, true));
    }
    claim(c, actor, key, fp)?;
    let response = work(c)?;
    record(c, actor, key, &response)?;
    Ok((response, false))
}
