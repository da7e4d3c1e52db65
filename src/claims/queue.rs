//! The submission queue (an outbox table): jobs written beside the claim's state change,
//! leased by workers (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a short immediate transaction on
//! SQLite), retried with exponential backoff and dead-lettered after the last attempt. The
//! only backend-specific queries of the claims module live here.

use diesel::prelude::*;
use serde::Serialize;
use std::time::Duration;

use super::model::{ClaimId, InterchangeId, JobId};
use crate::db::schema_claims::submission_jobs as sj;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::outbox::{plus, JobStatus};
use crate::payers::model::PayerId;

/// A job as stored and listed.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = sj)]
pub struct Job {
    /// Job id.
    pub id: JobId,
    /// The claim to send.
    pub claim_id: ClaimId,
    /// The claim's payer (interchanges are per payer).
    #[schema(value_type = uuid::Uuid)]
    pub payer_id: PayerId,
    /// pending, leased, done or dead.
    #[schema(value_type = String)]
    pub status: JobStatus,
    /// Attempts so far.
    pub attempts: i32,
    /// Not tried again before this.
    pub next_attempt_at: Timestamp,
    /// The worker holding the lease.
    pub lease_owner: Option<String>,
    /// When the lease runs out (then another worker may take the job).
    pub lease_expires_at: Option<Timestamp>,
    /// The last failure.
    pub last_error: Option<String>,
    /// The interchange the claim went into (kept across retries: it is the idempotency key).
    pub interchange_id: Option<InterchangeId>,
    /// When queued.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
}

/// Writes the outbox job of a queued claim (inside the queueing transaction).
pub fn enqueue(conn: &mut AnyConnection, claim: ClaimId, payer: PayerId) -> QueryResult<JobId> {
    let id = JobId::new();
    let now = Timestamp::now();
    diesel::insert_into(sj::table)
        .values((
            sj::id.eq(id),
            sj::claim_id.eq(claim),
            sj::payer_id.eq(payer),
            sj::status.eq(JobStatus::Pending),
            sj::attempts.eq(0),
            sj::next_attempt_at.eq(now),
            sj::created_at.eq(now),
            sj::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Writes the outbox jobs of many queued claims (claim, payer), many rows per statement.
pub fn enqueue_many(conn: &mut AnyConnection, jobs: &[(ClaimId, PayerId)]) -> QueryResult<()> {
    let now = Timestamp::now();
    // 8 columns x 500 rows: 4,000 parameters.
    for chunk in jobs.chunks(500) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(claim, payer)| {
                (
                    sj::id.eq(JobId::new()),
                    sj::claim_id.eq(*claim),
                    sj::payer_id.eq(*payer),
                    sj::status.eq(JobStatus::Pending),
                    sj::attempts.eq(0),
                    sj::next_attempt_at.eq(now),
                    sj::created_at.eq(now),
                    sj::updated_at.eq(now),
                )
            })
            .collect();
        let insert = diesel::insert_into(sj::table).values(rows);
        match conn {
            AnyConnection::Sqlite(c) => insert.execute(c)?,
            AnyConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// Which of the claims `ids` (one chunk) already have an outbox job.
pub fn claims_with_jobs(conn: &mut AnyConnection, ids: &[ClaimId]) -> QueryResult<Vec<ClaimId>> {
    sj::table
        .filter(sj::claim_id.eq_any(ids))
        .select(sj::claim_id)
        .load(conn)
}

/// Leases up to `limit` due jobs (pending and due, or leased with an expired lease) to `owner`
/// for `lease`, counting an attempt on each. Runs its own short transaction
/// ([`crate::outbox::lease_due`]).
pub fn lease(
    conn: &mut AnyConnection,
    owner: &str,
    lease: Duration,
    limit: i64,
) -> QueryResult<Vec<Job>> {
    let now = Timestamp::now();
    crate::outbox::lease_due!(conn, sj, Job, JobId, owner, plus(now, lease), now, limit)
}

/// Records the interchange built for `jobs` (still under `owner`'s lease).
pub fn assign(
    conn: &mut AnyConnection,
    jobs: &[JobId],
    interchange: InterchangeId,
) -> QueryResult<()> {
    for chunk in jobs.chunks(500) {
        diesel::update(sj::table.filter(sj::id.eq_any(chunk)))
            .set(sj::interchange_id.eq(interchange))
            .execute(conn)?;
    }
    Ok(())
}

/// Marks every job of `interchange` done.
pub fn complete(conn: &mut AnyConnection, interchange: InterchangeId) -> QueryResult<usize> {
    diesel::update(sj::table.filter(sj::interchange_id.eq(interchange)))
        .set((
            sj::status.eq(JobStatus::Done),
            sj::lease_owner.eq(None::<String>),
            sj::lease_expires_at.eq(None::<Timestamp>),
            sj::last_error.eq(None::<String>),
            sj::updated_at.eq(Timestamp::now()),
        ))
        .execute(conn)
}

/// How failures are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failure; doubled after each further one.
    pub base: Duration,
    /// The longest wait.
    pub cap: Duration,
    /// After this many attempts the job is dead-lettered.
    pub max_attempts: i32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(30),
            cap: Duration::from_secs(3600),
            max_attempts: 8,
        }
    }
}

impl RetryPolicy {
    /// The wait after attempt `attempts` (1-based) failed: base x 2^(attempts-1), capped.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let exp = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        self.base.saturating_mul(1u32 << exp).min(self.cap)
    }
}

/// Records a failed attempt of `job` (held by `owner`): back to pending after the backoff, or
/// dead after the last attempt. Returns true when it was dead-lettered.
pub fn fail(
    conn: &mut AnyConnection,
    job: &Job,
    owner: &str,
    policy: &RetryPolicy,
    error: &str,
) -> QueryResult<bool> {
    let now = Timestamp::now();
    let dead = job.attempts >= policy.max_attempts;
    let next = plus(now, policy.backoff(job.attempts));
    let error: String = error.chars().take(1000).collect();
    diesel::update(
        sj::table
            .find(job.id)
            .filter(sj::status.eq(JobStatus::Leased))
            .filter(sj::lease_owner.eq(owner)),
    )
    .set((
        sj::status.eq(if dead {
            JobStatus::Dead
        } else {
            JobStatus::Pending
        }),
        sj::next_attempt_at.eq(next),
        sj::lease_owner.eq(None::<String>),
        sj::lease_expires_at.eq(None::<Timestamp>),
        sj::last_error.eq(error),
        sj::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(dead)
}

/// Jobs in `status` (e.g. dead), oldest first, after `after`.
pub fn list(
    conn: &mut AnyConnection,
    status: Option<JobStatus>,
    after: Option<JobId>,
    limit: i64,
) -> QueryResult<Vec<Job>> {
    let mut q = sj::table.select(Job::as_select()).into_boxed();
    if let Some(s) = status {
        q = q.filter(sj::status.eq(s));
    }
    if let Some(a) = after {
        q = q.filter(sj::id.gt(a));
    }
    q.order(sj::id.asc()).limit(limit).load(conn)
}

/// Finds a job.
pub fn find(conn: &mut AnyConnection, id: JobId) -> QueryResult<Option<Job>> {
    sj::table
        .find(id)
        .select(Job::as_select())
        .first(conn)
        .optional()
}

/// Puts a dead job back in the queue with a fresh attempt count; false unless it was dead.
pub fn retry(conn: &mut AnyConnection, id: JobId) -> QueryResult<bool> {
    let now = Timestamp::now();
    diesel::update(sj::table.find(id).filter(sj::status.eq(JobStatus::Dead)))
        .set((
            sj::status.eq(JobStatus::Pending),
            sj::attempts.eq(0),
            sj::next_attempt_at.eq(now),
            sj::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Gives `jobs` (leased by `owner`) back at once, as if never leased: pending, due now, and the
/// attempt not counted. Used when a worker stops before handing them over, so another worker
/// takes them on its next poll instead of after the lease runs out. The interchange a job was
/// already built into stays recorded, so it is re-sent under the same id.
pub fn release(conn: &mut AnyConnection, jobs: &[JobId], owner: &str) -> QueryResult<usize> {
    let now = Timestamp::now();
    let mut released = 0;
    for chunk in jobs.chunks(500) {
        released += diesel::update(
            sj::table
                .filter(sj::id.eq_any(chunk))
                .filter(sj::status.eq(JobStatus::Leased))
                .filter(sj::lease_owner.eq(owner)),
        )
        .set((
            sj::status.eq(JobStatus::Pending),
            sj::next_attempt_at.eq(now),
            sj::lease_owner.eq(None::<String>),
            sj::lease_expires_at.eq(None::<Timestamp>),
            sj::attempts.eq(sj::attempts - 1),
            sj::updated_at.eq(now),
        ))
        .execute(conn)?;
    }
    Ok(released)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy {
            base: Duration::from_secs(2),
            cap: Duration::from_secs(10),
            max_attempts: 5,
        };
        assert_eq!(p.backoff(1), Duration::from_secs(2));
        assert_eq!(p.backoff(2), Duration::from_secs(4));
        assert_eq!(p.backoff(3), Duration::from_secs(8));
        assert_eq!(p.backoff(4), Duration::from_secs(10));
        assert_eq!(p.backoff(400), Duration::from_secs(10));
    }
}
