//! The one versioned write: save a row only if nobody else saved it since it was read, and
//! otherwise answer 412 naming the version stored now (re-read, never guessed).
//!
//! Every resource with an If-Match version writes through here: the registries (via
//! `http::mutation::change`), fee schedules, encounters, specimens and claim transitions. It
//! lives in `db/`, not `http/`, so a service, a worker or a test can call it with a bare
//! connection.

use diesel::QueryResult;

use super::types::Timestamp;
use super::AnyConnection;
use crate::error::{DomainError, DomainResult};

/// A stored row with an optimistic-concurrency version.
pub trait Versioned {
    /// The current version.
    fn version(&self) -> i32;
    /// Sets the version and the update time of the next save.
    fn stamp(&mut self, version: i32, at: Timestamp);
}

/// A registry record that is deactivated (kept for history) rather than deleted.
pub trait Deactivatable: Versioned {
    /// Marks the record inactive.
    fn deactivate(&mut self);
}

/// Fails with 412 when the caller's version (if any; from If-Match) is not `current`.
pub fn expect_version(current: i32, expected: Option<i32>) -> DomainResult<()> {
    match expected {
        Some(v) if v != current => Err(DomainError::stale(current)),
        _ => Ok(()),
    }
}

/// Stamps `next` as the version after `loaded` (now), then saves it with `save`, an
/// `UPDATE … WHERE id = ? AND version = loaded` that answers whether it changed the row.
/// When it did not, someone else saved first: 412 with the version `stored` reads now.
pub fn save_next<T, S, R>(
    c: &mut AnyConnection,
    loaded: i32,
    next: &mut T,
    save: S,
    stored: R,
) -> DomainResult<()>
where
    T: Versioned,
    S: FnOnce(&mut AnyConnection, &T) -> DomainResult<bool>,
    R: FnOnce(&mut AnyConnection) -> QueryResult<Option<i32>>,
{
    next.stamp(loaded + 1, Timestamp::now());
    let next = &*next;
    conditional(c, loaded, |c| save(c, next), stored)
}

/// Runs a conditional write (`… WHERE version = n`, or a state change `… WHERE status = s`)
/// that answers whether it changed the row. When it did not, the row changed since it was read
/// at version `loaded`: 412 with the version `stored` reads now (`loaded` if the row is gone).
pub fn conditional<W, R>(
    c: &mut AnyConnection,
    loaded: i32,
    write: W,
    stored: R,
) -> DomainResult<()>
where
    W: FnOnce(&mut AnyConnection) -> DomainResult<bool>,
    R: FnOnce(&mut AnyConnection) -> QueryResult<Option<i32>>,
{
    if write(c)? {
        return Ok(());
    }
    let now = stored(c)?.unwrap_or(loaded);
    Err(DomainError::stale(now))
}
