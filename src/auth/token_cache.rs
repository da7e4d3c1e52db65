//! Verified tokens, remembered until they expire: a client sends the same bearer token on every
//! request, and checking its signature and decoding its claims each time was a visible share
//! of a cheap request's cost (docs/performance.md, issue 17).
//!
//! Only tokens that passed full verification are stored, keyed by the exact token text, with the
//! instant their expiry (plus the verifier's leeway) passes; after that the token is verified
//! again, and fails. Revocation is unaffected: the session check
//! (`auth::sessions::ensure_current`) still compares the cached caller's token generation with
//! the stored user on every request.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use super::tokens::Caller;

/// Most tokens remembered; beyond it, expired ones are dropped, then everything.
const MAX_ENTRIES: usize = 10_000;

/// Verified tokens and when each stops being valid (seconds since the epoch, leeway included).
#[derive(Debug, Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<Box<str>, (Caller, i64)>>,
}

impl TokenCache {
    /// The caller of `token` when it was verified before and is still unexpired at `now`.
    pub fn get(&self, token: &str, now: i64) -> Option<Caller> {
        let map = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(token)
            .filter(|(_, valid_until)| now <= *valid_until)
            .map(|(caller, _)| caller.clone())
    }

    /// Remembers a verified `token` until `valid_until`.
    pub fn put(&self, token: &str, caller: &Caller, valid_until: i64, now: i64) {
        let mut map = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, (_, until)| now <= *until);
            if map.len() >= MAX_ENTRIES {
                // Many live tokens at once (a token per request?): start over rather than
                // track recency; the cost is one more verification per token.
                map.clear();
            }
        }
        map.insert(token.into(), (caller.clone(), valid_until));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::auth::roles::Role;

    fn caller() -> Caller {
        Caller {
            actor: "user:1".into(),
            role: Role::Billing,
            generation: Some(1),
        }
    }

    #[test]
    fn a_token_is_remembered_until_it_expires_and_the_cache_stays_bounded() {
        let cache = TokenCache::default();
        cache.put("t", &caller(), 100, 0);
        assert_eq!(cache.get("t", 100), Some(caller()));
        assert_eq!(cache.get("t", 101), None);
        assert_eq!(cache.get("other", 0), None);
        for i in 0..MAX_ENTRIES + 10 {
            cache.put(&format!("t{i}"), &caller(), 100, 0);
        }
        assert!(cache.entries.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
