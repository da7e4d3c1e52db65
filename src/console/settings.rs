//! Console settings: on/off, the session signing key, the idle timeout and the cookie's
//! `Secure` flag (read from MEDBILL_CONSOLE* in `config::console_from_env`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// When the session cookie carries the `Secure` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecureCookie {
    /// When the request came over TLS (or a proxy said so in `Forwarded`/`X-Forwarded-Proto`).
    Auto,
    /// Always (the console is only reached over TLS).
    Always,
}

/// How the console runs.
#[derive(Clone)]
pub struct ConsoleSettings {
    /// Whether `/app/` is served at all.
    pub enabled: bool,
    /// Key of the session cookie's HMAC.
    pub key: [u8; 32],
    /// Seconds without a request after which a session ends.
    pub idle_secs: i64,
    /// The cookie's `Secure` rule.
    pub secure: SecureCookie,
}

impl std::fmt::Debug for ConsoleSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleSettings")
            .field("enabled", &self.enabled)
            .field("idle_secs", &self.idle_secs)
            .field("secure", &self.secure)
            .finish_non_exhaustive()
    }
}

/// Default idle timeout: 15 minutes.
pub const DEFAULT_IDLE_SECS: i64 = 15 * 60;

impl Default for ConsoleSettings {
    /// On, with a random key (sessions end when the process does), 15 minutes idle.
    fn default() -> Self {
        let mut key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
        ConsoleSettings {
            enabled: true,
            key,
            idle_secs: DEFAULT_IDLE_SECS,
            secure: SecureCookie::Auto,
        }
    }
}

impl ConsoleSettings {
    /// Settings whose session key is derived from the token signing secret, so every server
    /// sharing that secret accepts the same sessions, and a new secret ends them all.
    pub fn derived(jwt_secret: &[u8], enabled: bool, idle_secs: i64, secure: SecureCookie) -> Self {
        let mut key = [0u8; 32];
        if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(jwt_secret) {
            mac.update(b"medbill console session v1");
            key.copy_from_slice(&mac.finalize().into_bytes());
        }
        ConsoleSettings {
            enabled,
            key,
            idle_secs,
            secure,
        }
    }
}
