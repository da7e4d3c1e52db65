//! Ending sessions early: a user's token carries the user's `version` at login (its token
//! generation), and every request checks it against the stored user through a short-lived
//! cache. Disabling a user or changing the password bumps the version, so their tokens stop
//! working within [`SESSION_CACHE_TTL`] on every server sharing the database.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::web;
use diesel::prelude::*;

use super::accounts::UserId;
use super::tokens::Caller;
use crate::db::schema::users;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};
use crate::state::AppState;

/// How long a user's stored state is trusted before it is read again.
pub const SESSION_CACHE_TTL: Duration = Duration::from_secs(5);

/// A user's current token generation and whether they may log in; `None`: no such user.
pub type UserState = Option<(i32, bool)>;

/// Recently read user states, per user id.
#[derive(Debug, Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, (UserState, Instant)>>,
}

impl SessionCache {
    fn fresh(&self, id: &str) -> Option<UserState> {
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        map.get(id)
            .filter(|(_, at)| at.elapsed() < SESSION_CACHE_TTL)
            .map(|(s, _)| *s)
    }

    fn store(&self, id: &str, state: UserState) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, (_, at)| at.elapsed() < SESSION_CACHE_TTL);
        }
        map.insert(id.to_string(), (state, Instant::now()));
    }
}

/// Reads a user's version and active flag.
pub fn user_state(conn: &mut AnyConnection, id: UserId) -> QueryResult<UserState> {
    users::table
        .find(id)
        .select((users::version, users::active))
        .first(conn)
        .optional()
}

fn judge(state: UserState, generation: Option<i32>) -> DomainResult<()> {
    match state {
        None => Err(DomainError::unauthorized("the token's user does not exist")),
        Some((_, false)) => Err(DomainError::unauthorized("the user is disabled")),
        Some((version, true)) if Some(version) != generation => Err(DomainError::unauthorized(
            "the session has ended (password or account changed); log in again",
        )),
        Some(_) => Ok(()),
    }
}

/// The session check answered without the database: `Some` for service accounts, external
/// tokens and users whose state was read recently; `None` when the user must be read.
pub fn check_cached(state: &AppState, caller: &Caller) -> Option<DomainResult<()>> {
    let Some(id) = caller.actor.strip_prefix("user:") else {
        return Some(Ok(()));
    };
    state
        .sessions
        .fresh(id)
        .map(|cached| judge(cached, caller.generation))
}

/// Fails with 401 when `caller` is a user whose account was disabled or changed since the
/// token was issued. Service accounts and external tokens are not checked here.
pub async fn ensure_current(state: &web::Data<AppState>, caller: &Caller) -> DomainResult<()> {
    let Some(id) = caller.actor.strip_prefix("user:") else {
        return Ok(());
    };
    let user = match uuid::Uuid::parse_str(id) {
        Ok(u) => UserId(u),
        Err(_) => return Err(DomainError::unauthorized("the token's user does not exist")),
    };
    if let Some(cached) = state.sessions.fresh(id) {
        return judge(cached, caller.generation);
    }
    let st = state.clone();
    let read = web::block(move || -> DomainResult<UserState> {
        let mut conn = st.pool.get()?;
        Ok(user_state(&mut conn, user)?)
    })
    .await??;
    state.sessions.store(id, read);
    judge(read, caller.generation)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_the_current_generation_of_an_active_user_passes() {
        assert!(judge(Some((3, true)), Some(3)).is_ok());
        assert_eq!(
            judge(Some((4, true)), Some(3)).unwrap_err().category,
            crate::error::Category::Unauthenticated
        );
        assert!(judge(Some((3, false)), Some(3)).is_err());
        assert!(judge(None, Some(1)).is_err());
        assert!(judge(Some((1, true)), None).is_err());
    }
}
