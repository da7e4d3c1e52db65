//! Login throttling: failed logins lock an account (per client address first, then from any
//! address) and a client address for growing periods, answered with 429 + Retry-After.
//!
//! The limits are layered so one office behind NAT is not locked out by one person's typos:
//! a user mistyping from the office locks only that (user, address) pair after
//! [`PAIR_FREE`] failures; the whole address is locked only after [`ADDRESS_FREE`] failures
//! from it, and an account from every address after [`ACCOUNT_FREE`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures of one user from one address before it is locked.
pub const PAIR_FREE: u32 = 3;
/// Failures of one user from any addresses before the account is locked.
pub const ACCOUNT_FREE: u32 = 10;
/// Failures from one address (any users) before the address is locked.
pub const ADDRESS_FREE: u32 = 50;
/// Longest lock.
pub const MAX_LOCK: Duration = Duration::from_secs(15 * 60);
/// Failures are forgotten this long after the last one.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Above this many tracked keys, forgotten ones are pruned (bounds memory under a spray).
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Counter {
    failures: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

impl Counter {
    fn fail(&mut self, now: Instant, free: u32) {
        if now.duration_since(self.last) > FORGET_AFTER {
            self.failures = 0;
        }
        self.failures += 1;
        self.last = now;
        if self.failures > free {
            // 1 s, 2 s, 4 s, ... up to MAX_LOCK.
            let exp = (self.failures - free - 1).min(20);
            let lock = Duration::from_secs(1u64 << exp).min(MAX_LOCK);
            self.locked_until = Some(now + lock);
        }
    }

    fn wait(&self, now: Instant) -> Option<Duration> {
        self.locked_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }
}

#[derive(Debug, Default)]
struct Counters {
    pairs: HashMap<(String, String), Counter>,
    accounts: HashMap<String, Counter>,
    addresses: HashMap<String, Counter>,
}

/// Failed-login counters of this process.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    inner: Mutex<Counters>,
}

fn bump<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Counter>, key: K, now: Instant, free: u32) {
    if map.len() > PRUNE_ABOVE {
        map.retain(|_, c| now.duration_since(c.last) <= FORGET_AFTER || c.wait(now).is_some());
    }
    map.entry(key)
        .or_insert(Counter {
            failures: 0,
            last: now,
            locked_until: None,
        })
        .fail(now, free);
}

impl LoginThrottle {
    /// The seconds to wait (rounded up) when `account` from `address` is locked now.
    pub fn locked(&self, account: &str, address: &str) -> Option<u64> {
        let now = Instant::now();
        let c = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let pair = (account.to_string(), address.to_string());
        [
            c.pairs.get(&pair).and_then(|x| x.wait(now)),
            c.accounts.get(account).and_then(|x| x.wait(now)),
            c.addresses.get(address).and_then(|x| x.wait(now)),
        ]
        .into_iter()
        .flatten()
        .max()
        .map(|d| d.as_secs() + u64::from(d.subsec_nanos() > 0))
    }

    /// Counts a failed login of `account` from `address`.
    pub fn failed(&self, account: &str, address: &str) {
        let now = Instant::now();
        let mut c = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        bump(
            &mut c.pairs,
            (account.to_string(), address.to_string()),
            now,
            PAIR_FREE,
        );
        bump(&mut c.accounts, account.to_string(), now, ACCOUNT_FREE);
        bump(&mut c.addresses, address.to_string(), now, ADDRESS_FREE);
    }

    /// A successful login clears the account's counters (not the address's: an attacker who
    /// owns one account must not reset the address limit with it).
    pub fn succeeded(&self, account: &str, address: &str) {
        let mut c = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        c.pairs.remove(&(account.to_string(), address.to_string()));
        c.accounts.remove(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_locks_after_free_failures_and_grows() {
        let t = LoginThrottle::default();
        for _ in 0..PAIR_FREE {
            assert_eq!(t.locked("ann", "10.0.0.1"), None);
            t.failed("ann", "10.0.0.1");
        }
        assert_eq!(t.locked("ann", "10.0.0.1"), None);
        t.failed("ann", "10.0.0.1");
        assert_eq!(t.locked("ann", "10.0.0.1"), Some(1));
        t.failed("ann", "10.0.0.1");
        assert_eq!(t.locked("ann", "10.0.0.1"), Some(2));
        // Another user in the same office, and ann from elsewhere, are not locked.
        assert_eq!(t.locked("bob", "10.0.0.1"), None);
        assert_eq!(t.locked("ann", "10.9.9.9"), None);
        t.succeeded("ann", "10.0.0.1");
        assert_eq!(t.locked("ann", "10.0.0.1"), None);
    }

    #[test]
    fn address_and_account_limits() {
        let t = LoginThrottle::default();
        for i in 0..=ADDRESS_FREE {
            t.failed(&format!("u{i}"), "192.0.2.7");
        }
        assert!(t.locked("someone", "192.0.2.7").is_some());
        for i in 0..=ACCOUNT_FREE {
            t.failed("carol", &format!("198.51.100.{i}"));
        }
        assert!(t.locked("carol", "203.0.113.1").is_some());
    }
}
