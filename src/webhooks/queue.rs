//! The delivery queue: the submission queue's machinery (`claims::queue`) applied to webhook
//! deliveries — an outbox row per event and endpoint, leased by workers (`FOR UPDATE SKIP
//! LOCKED` on PostgreSQL, a short immediate transaction on SQLite), retried with the same
//! [`RetryPolicy`] (plus jitter) and dead-lettered after the last attempt. Times are passed in
//! so tests can drive the schedule with their own clock.

use diesel::prelude::*;
use serde::Serialize;
use std::time::Duration;

use super::model::{DeliveryId, EndpointId};
use crate::claims::queue::RetryPolicy;
use crate::db::schema_events::{webhook_deliveries as wd, webhook_endpoints as we};
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::events::EventId;
use crate::outbox::JobStatus;

/// A delivery as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = wd)]
pub struct Delivery {
    /// Id.
    pub id: DeliveryId,
    /// The event.
    pub event_id: EventId,
    /// The endpoint.
    pub endpoint_id: EndpointId,
    /// pending, leased, done or dead.
    pub status: JobStatus,
    /// Attempts so far.
    pub attempts: i32,
    /// Not tried again before this.
    pub next_attempt_at: Timestamp,
    /// The worker holding the lease.
    pub lease_owner: Option<String>,
    /// When the lease runs out.
    pub lease_expires_at: Option<Timestamp>,
    /// The last failure.
    pub last_error: Option<String>,
    /// When queued.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
}

/// The delivery schedule: 1 minute after the first failure, doubling up to 8 hours, 18
/// attempts in all — about three days (≈ 72.5 h before jitter) from the first try to the last.
pub fn default_policy() -> RetryPolicy {
    RetryPolicy {
        base: Duration::from_secs(60),
        cap: Duration::from_secs(8 * 3600),
        max_attempts: 18,
    }
}

pub use crate::outbox::plus;

/// The backoff after `attempts` failed, with ±20 % jitter (`jitter` in [-1, 1]) so the
/// retries of many deliveries that failed together do not arrive together.
pub fn backoff(policy: &RetryPolicy, attempts: i32, jitter: f64) -> Duration {
    let d = policy.backoff(attempts);
    d.mul_f64(1.0 + 0.2 * jitter.clamp(-1.0, 1.0))
}

/// Queues deliveries of `pairs` (event, endpoint), due at `now` (inside the caller's
/// transaction).
pub fn enqueue(
    conn: &mut AnyConnection,
    pairs: &[(EventId, EndpointId)],
    now: Timestamp,
) -> QueryResult<usize> {
    let rows: Vec<_> = pairs.iter().map(|(ev, ep)| (*ev, *ep, now)).collect();
    enqueue_due(conn, &rows)
}

/// Queues deliveries of (event, endpoint, due at) rows in multi-row inserts (inside the
/// caller's transaction).
pub fn enqueue_due(
    conn: &mut AnyConnection,
    rows: &[(EventId, EndpointId, Timestamp)],
) -> QueryResult<usize> {
    let mut n = 0;
    // 8 columns x 100 rows stays under SQLite's bound-parameter limit.
    for chunk in rows.chunks(100) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(ev, ep, due)| {
                (
                    wd::id.eq(DeliveryId::new()),
                    wd::event_id.eq(*ev),
                    wd::endpoint_id.eq(*ep),
                    wd::status.eq(JobStatus::Pending),
                    wd::attempts.eq(0),
                    wd::next_attempt_at.eq(*due),
                    wd::created_at.eq(*due),
                    wd::updated_at.eq(*due),
                )
            })
            .collect();
        let insert = diesel::insert_into(wd::table).values(values);
        n += match conn {
            AnyConnection::Sqlite(c) => insert.execute(c)?,
            AnyConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(n)
}

/// Leases up to `limit` due deliveries of enabled endpoints to `owner` until `now + lease`,
/// counting an attempt on each. Runs its own short transaction
/// ([`crate::outbox::lease_due`], the submission queue's lease).
pub fn lease(
    conn: &mut AnyConnection,
    owner: &str,
    lease: Duration,
    limit: i64,
    now: Timestamp,
) -> QueryResult<Vec<Delivery>> {
    let enabled = we::table.filter(we::enabled.eq(true)).select(we::id);
    crate::outbox::lease_due!(
        conn,
        wd,
        Delivery,
        DeliveryId,
        owner,
        plus(now, lease),
        now,
        limit,
        filter = wd::endpoint_id.eq_any(enabled)
    )
}

/// Marks `ids` (leased by `owner`) delivered.
pub fn complete(
    conn: &mut AnyConnection,
    ids: &[DeliveryId],
    owner: &str,
    now: Timestamp,
) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in ids.chunks(500) {
        n += diesel::update(
            wd::table
                .filter(wd::id.eq_any(chunk))
                .filter(wd::lease_owner.eq(owner)),
        )
        .set((
            wd::status.eq(JobStatus::Done),
            wd::lease_owner.eq(None::<String>),
            wd::lease_expires_at.eq(None::<Timestamp>),
            wd::last_error.eq(None::<String>),
            wd::updated_at.eq(now),
        ))
        .execute(conn)?;
    }
    Ok(n)
}

/// Records a failed attempt of `d` (held by `owner`): pending again after the backoff, or dead
/// after the last attempt. Returns true when it was dead-lettered.
pub fn fail(
    conn: &mut AnyConnection,
    d: &Delivery,
    owner: &str,
    policy: &RetryPolicy,
    error: &str,
    now: Timestamp,
) -> QueryResult<bool> {
    let dead = d.attempts >= policy.max_attempts;
    let jitter = rand::Rng::gen_range(&mut rand::thread_rng(), -1.0..=1.0);
    let next = plus(now, backoff(policy, d.attempts, jitter));
    let error: String = error.chars().take(500).collect();
    let n = diesel::update(
        wd::table
            .find(d.id)
            .filter(wd::status.eq(JobStatus::Leased))
            .filter(wd::lease_owner.eq(owner)),
    )
    .set((
        wd::status.eq(if dead {
            JobStatus::Dead
        } else {
            JobStatus::Pending
        }),
        wd::next_attempt_at.eq(next),
        wd::lease_owner.eq(None::<String>),
        wd::lease_expires_at.eq(None::<Timestamp>),
        wd::last_error.eq(error),
        wd::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(dead && n == 1)
}

/// Gives leased deliveries back without counting the attempt, due at `due`: the rest of a
/// batch when the worker ran out of lease time, or the rest of an endpoint's deliveries in a
/// batch after the endpoint did not answer at all (not tried, so not attempts).
pub fn release(
    conn: &mut AnyConnection,
    ids: &[DeliveryId],
    owner: &str,
    due: Timestamp,
    now: Timestamp,
) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in ids.chunks(500) {
        n += diesel::update(
            wd::table
                .filter(wd::id.eq_any(chunk))
                .filter(wd::status.eq(JobStatus::Leased))
                .filter(wd::lease_owner.eq(owner)),
        )
        .set((
            wd::status.eq(JobStatus::Pending),
            wd::next_attempt_at.eq(due),
            wd::lease_owner.eq(None::<String>),
            wd::lease_expires_at.eq(None::<Timestamp>),
            wd::attempts.eq(wd::attempts - 1),
            wd::updated_at.eq(now),
        ))
        .execute(conn)?;
    }
    Ok(n)
}

/// Queues the event again for `endpoints` (a redelivery), due now; returns how many.
pub fn redeliver(
    conn: &mut AnyConnection,
    event: EventId,
    endpoints: &[EndpointId],
) -> QueryResult<usize> {
    let pairs: Vec<_> = endpoints.iter().map(|e| (event, *e)).collect();
    enqueue(conn, &pairs, Timestamp::now())
}

/// Deliveries of `event` (all endpoints), oldest first.
pub fn of_event(conn: &mut AnyConnection, event: EventId) -> QueryResult<Vec<Delivery>> {
    wd::table
        .filter(wd::event_id.eq(event))
        .order(wd::id.asc())
        .select(Delivery::as_select())
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_spans_about_three_days() {
        let p = default_policy();
        let total: Duration = (1..p.max_attempts).map(|a| p.backoff(a)).sum();
        let hours = total.as_secs_f64() / 3600.0;
        assert!((70.0..76.0).contains(&hours), "{hours} h");
        assert_eq!(backoff(&p, 1, 1.0), Duration::from_secs(72));
        assert_eq!(backoff(&p, 1, -1.0), Duration::from_secs(48));
    }
}
