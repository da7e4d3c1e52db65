//! Settings from command-line flags and MEDBILL_* environment variables, and the secrets kept
//! in the data directory.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address the HTTP server binds.
    pub listen: String,
    /// Folder for the SQLite file, the generated signing key and other files.
    pub data_dir: PathBuf,
    /// Database URL: postgres:// selects PostgreSQL, anything else is an SQLite path.
    pub database_url: String,
    /// HS256 key for the access tokens this service issues.
    pub jwt_secret: Vec<u8>,
    /// HMAC key of the audit chain and its checkpoints (never stored in the database).
    pub audit_key: Vec<u8>,
    /// Lifetime of issued access tokens, in seconds.
    pub token_ttl_secs: i64,
    /// Public key of an external identity provider whose tokens are also accepted.
    pub external_key: Option<ExternalKey>,
    /// Size of the database connection pool.
    pub pool_size: u32,
    /// HTTP worker threads (0: one per core).
    pub http_workers: usize,
    /// SQLite `synchronous` level: FULL (default) survives power loss, NORMAL only crashes.
    pub sqlite_sync: crate::db::SqliteSync,
    /// Start on PostgreSQL even when `synchronous_commit` or `fsync` is off (with a warning).
    pub allow_async_commit: bool,
    /// Seconds requests in flight get to finish after a stop signal.
    pub shutdown_timeout_secs: u64,
    /// Seconds between checks for new code-table imports (0: never reload while running).
    pub codeset_poll_secs: u64,
    /// Line breaks after X12 segment terminators in the preview and the outbox (off by
    /// default: some receivers refuse them).
    pub x12_line_breaks: bool,
}

/// An external identity provider's verification key.
#[derive(Debug, Clone)]
pub struct ExternalKey {
    /// `RS256` or `EdDSA`.
    pub algorithm: String,
    /// The PEM-encoded public key.
    pub pem: Vec<u8>,
    /// Expected `iss` claim, when set.
    pub issuer: Option<String>,
    /// Expected `aud` claim, when set.
    pub audience: Option<String>,
}

/// Name of the generated signing key file inside the data directory.
pub const JWT_KEY_FILE: &str = "jwt-signing.key";

/// The default database URL: an SQLite file inside the data directory.
pub fn default_database_url(data_dir: &Path) -> String {
    data_dir
        .join("medbill.sqlite3")
        .to_string_lossy()
        .into_owned()
}

/// Name of the generated audit key file inside the data directory.
pub const AUDIT_KEY_FILE: &str = "audit-hmac.key";

/// Name of the audit checkpoint file inside the data directory.
pub const AUDIT_CHECKPOINT_FILE: &str = "audit-checkpoints.log";

/// Reads the signing key from `MEDBILL_JWT_SECRET` when given, else from the data directory,
/// generating it there once with owner-only permissions.
pub fn load_or_create_jwt_secret(
    data_dir: &Path,
    configured: Option<&str>,
) -> Result<Vec<u8>, String> {
    load_or_create_key(data_dir, JWT_KEY_FILE, "MEDBILL_JWT_SECRET", configured)
}

/// Reads the audit chain key from `MEDBILL_AUDIT_KEY` when given, else from the data
/// directory, generating it there once (like the JWT key; keep a copy outside the database
/// host's backups, or forged rows could be sealed with it).
pub fn load_or_create_audit_key(
    data_dir: &Path,
    configured: Option<&str>,
) -> Result<Vec<u8>, String> {
    load_or_create_key(data_dir, AUDIT_KEY_FILE, "MEDBILL_AUDIT_KEY", configured)
}

fn load_or_create_key(
    data_dir: &Path,
    file: &str,
    variable: &str,
    configured: Option<&str>,
) -> Result<Vec<u8>, String> {
    if let Some(secret) = configured.filter(|s| !s.is_empty()) {
        if secret.len() < 32 {
            return Err(format!("{variable} must be at least 32 characters"));
        }
        return Ok(secret.as_bytes().to_vec());
    }
    let path = data_dir.join(file);
    if path.exists() {
        return read_key(&path);
    }
    let mut key = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
    // Processes started together on a fresh data directory (two workers, a server and a
    // worker) race here: the key is written whole under a private name and then linked into
    // place, which fails if another process got there first; that one's key is then used.
    let mut nonce = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut nonce);
    let staged = data_dir.join(format!(".{file}.{}", hex::encode(nonce)));
    write_private_file(&staged, hex::encode(key).as_bytes())?;
    let linked = fs::hard_link(&staged, &path);
    let _ = fs::remove_file(&staged);
    match linked {
        Ok(()) => Ok(key.to_vec()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key(&path),
        Err(e) => Err(format!("cannot create {}: {e}", path.display())),
    }
}

fn read_key(path: &Path) -> Result<Vec<u8>, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    hex::decode(text.trim()).map_err(|_| format!("{} is not a hex key", path.display()))
}

/// Writes a file readable by its owner only (mode 0600 on Unix), failing if it already exists.
fn write_private_file(path: &Path, content: &[u8]) -> Result<(), String> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.write_all(content)
        .and_then(|_| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Reads the external identity provider settings from the environment, when a key file is set.
pub fn external_key_from_env() -> Result<Option<ExternalKey>, String> {
    let Ok(file) = std::env::var("MEDBILL_EXTERNAL_JWT_PUBLIC_KEY_FILE") else {
        return Ok(None);
    };
    let pem = fs::read(&file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let algorithm = std::env::var("MEDBILL_EXTERNAL_JWT_ALG").unwrap_or_else(|_| "RS256".into());
    if algorithm != "RS256" && algorithm != "EdDSA" {
        return Err("MEDBILL_EXTERNAL_JWT_ALG must be RS256 or EdDSA".into());
    }
    Ok(Some(ExternalKey {
        algorithm,
        pem,
        issuer: std::env::var("MEDBILL_EXTERNAL_JWT_ISSUER").ok(),
        audience: std::env::var("MEDBILL_EXTERNAL_JWT_AUDIENCE").ok(),
    }))
}

/// Webhook settings from the environment: `MEDBILL_WEBHOOKS_ALLOW_LOOPBACK_HTTP=1` (http:// to
/// loopback and loopback addresses; development and tests), `MEDBILL_WEBHOOKS_ALLOW_PRIVATE=1`
/// (private and link-local ranges), `MEDBILL_WEBHOOKS_TIMEOUT_SECS` (each delivery, default
/// 10). The client's trusted roots come from `MEDBILL_HTTP_CA_FILE` ([`http_ca_file_from_env`]).
pub fn webhook_settings_from_env() -> crate::webhooks::WebhookSettings {
    let on = |name: &str| {
        std::env::var(name)
            .map(|v| matches!(v.trim(), "1" | "true" | "yes"))
            .unwrap_or(false)
    };
    let timeout = std::env::var("MEDBILL_WEBHOOKS_TIMEOUT_SECS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| (1..=300).contains(s))
        .unwrap_or(10);
    crate::webhooks::WebhookSettings {
        policy: crate::webhooks::ssrf::UrlPolicy {
            allow_loopback_http: on("MEDBILL_WEBHOOKS_ALLOW_LOOPBACK_HTTP"),
            allow_private: on("MEDBILL_WEBHOOKS_ALLOW_PRIVATE"),
        },
        timeout: std::time::Duration::from_secs(timeout),
    }
}

/// The default largest 835 accepted over HTTP (`POST /v1/remittances`).
pub const DEFAULT_REMIT_MAX_BYTES: usize = 16 * 1024 * 1024;

/// The largest 835 accepted over HTTP: `MEDBILL_REMIT_MAX_BYTES` (bytes, at least 1 MiB); the
/// default when unset or unreadable.
pub fn remit_max_bytes_from_env() -> usize {
    remit_max_bytes(std::env::var("MEDBILL_REMIT_MAX_BYTES").ok().as_deref())
}

/// The limit a setting names: a byte count of at least 1 MiB (no smaller than the server-wide
/// body limit, which a smaller value would silently undercut), else the default.
fn remit_max_bytes(value: Option<&str>) -> usize {
    value
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n >= crate::http::json::MAX_BODY_BYTES)
        .unwrap_or(DEFAULT_REMIT_MAX_BYTES)
}

/// Most search answers kept in memory: `MEDBILL_SEARCH_CACHE_ENTRIES` (0 turns the cache off,
/// to measure the search itself); the default when unset or unreadable.
pub fn search_cache_entries_from_env() -> usize {
    std::env::var("MEDBILL_SEARCH_CACHE_ENTRIES")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(crate::codeset_api::search_cache::DEFAULT_ENTRIES)
}

/// The PEM bundle of CA certificates trusted by outbound HTTP clients (webhooks, eligibility,
/// the clearinghouse) besides the bundled roots: `MEDBILL_HTTP_CA_FILE`, when set.
pub fn http_ca_file_from_env() -> Option<PathBuf> {
    std::env::var_os("MEDBILL_HTTP_CA_FILE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Where eligibility inquiries go, from the clearinghouse settings: MEDBILL_CLEARINGHOUSE
/// `http` with MEDBILL_ELIGIBILITY_URL (else MEDBILL_CLEARINGHOUSE_URL),
/// MEDBILL_CLEARINGHOUSE_TOKEN or MEDBILL_CLEARINGHOUSE_USER/PASSWORD, and
/// MEDBILL_ELIGIBILITY_TIMEOUT_SECS (default 20), trusting `ca_file`'s CAs; otherwise the file
/// queue in MEDBILL_OUTBOX_DIR (default `<data dir>/outbox`).
pub fn eligibility_from_env(
    data_dir: &Path,
    ca_file: Option<PathBuf>,
) -> Result<crate::eligibility::transport::Channel, String> {
    use crate::eligibility::transport::{Channel, HttpTransport};
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    if var("MEDBILL_CLEARINGHOUSE").as_deref() == Some("http") {
        let url = var("MEDBILL_ELIGIBILITY_URL")
            .or_else(|| var("MEDBILL_CLEARINGHOUSE_URL"))
            .ok_or(
                "the http clearinghouse needs MEDBILL_ELIGIBILITY_URL or MEDBILL_CLEARINGHOUSE_URL",
            )?;
        let auth = match (
            var("MEDBILL_CLEARINGHOUSE_TOKEN"),
            var("MEDBILL_CLEARINGHOUSE_USER"),
            var("MEDBILL_CLEARINGHOUSE_PASSWORD"),
        ) {
            (Some(t), _, _) => Some(format!("Bearer {t}")),
            (None, Some(u), Some(p)) => {
                use base64::Engine;
                let b = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
                Some(format!("Basic {b}"))
            }
            _ => None,
        };
        let secs = match var("MEDBILL_ELIGIBILITY_TIMEOUT_SECS") {
            Some(s) => s
                .trim()
                .parse::<u64>()
                .map_err(|_| "MEDBILL_ELIGIBILITY_TIMEOUT_SECS must be a number of seconds")?,
            None => 20,
        };
        let settings = crate::net::client::ClientSettings::new(
            std::time::Duration::from_secs(secs.max(1)),
            ca_file,
        );
        return Ok(Channel::Http(HttpTransport::with_settings(
            &url, auth, &settings,
        )?));
    }
    let outbox = var("MEDBILL_OUTBOX_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| data_dir.join("outbox"));
    Ok(Channel::FileQueue(outbox))
}

/// The web console's settings from the environment: `MEDBILL_CONSOLE` (`on`, the default, or
/// `off`), `MEDBILL_CONSOLE_IDLE_MINUTES` (default 15) and `MEDBILL_CONSOLE_SECURE_COOKIE`
/// (`auto`, the default: `Secure` when the request came over TLS; `always`). The session key
/// is derived from the token signing secret.
pub fn console_from_env(jwt_secret: &[u8]) -> Result<crate::console::ConsoleSettings, String> {
    use crate::console::settings::{SecureCookie, DEFAULT_IDLE_SECS};
    let enabled = match std::env::var("MEDBILL_CONSOLE").as_deref() {
        Err(_) | Ok("") | Ok("on") | Ok("true") | Ok("1") => true,
        Ok("off") | Ok("false") | Ok("0") => false,
        Ok(other) => return Err(format!("MEDBILL_CONSOLE must be on or off, not {other}")),
    };
    let idle_secs = match std::env::var("MEDBILL_CONSOLE_IDLE_MINUTES") {
        Err(_) => DEFAULT_IDLE_SECS,
        Ok(v) => match v.trim().parse::<i64>() {
            Ok(m) if (1..=24 * 60).contains(&m) => m * 60,
            _ => return Err("MEDBILL_CONSOLE_IDLE_MINUTES must be 1 to 1440".into()),
        },
    };
    let secure = match std::env::var("MEDBILL_CONSOLE_SECURE_COOKIE").as_deref() {
        Err(_) | Ok("") | Ok("auto") => SecureCookie::Auto,
        Ok("always") => SecureCookie::Always,
        Ok(other) => {
            return Err(format!(
                "MEDBILL_CONSOLE_SECURE_COOKIE must be auto or always, not {other}"
            ))
        }
    };
    Ok(crate::console::ConsoleSettings::derived(
        jwt_secret, enabled, idle_secs, secure,
    ))
}

/// When the audit sealer writes checkpoints: `MEDBILL_AUDIT_CHECKPOINT_SECS` (1..=3600, default
/// 30) and `MEDBILL_AUDIT_CHECKPOINT_ROWS` (1..=1000000, default 1000). Rows sealed after the
/// newest checkpoint are the tail that truncation could remove unnoticed, so both bound it.
pub fn audit_checkpoint_policy_from_env() -> Result<crate::audit::sealer::CheckpointPolicy, String>
{
    let defaults = crate::audit::sealer::CheckpointPolicy::default();
    Ok(crate::audit::sealer::CheckpointPolicy {
        every: std::time::Duration::from_secs(bounded_from_env(
            "MEDBILL_AUDIT_CHECKPOINT_SECS",
            3600,
            defaults.every.as_secs(),
        )?),
        rows: bounded_from_env(
            "MEDBILL_AUDIT_CHECKPOINT_ROWS",
            1_000_000,
            defaults.rows as u64,
        )? as usize,
    })
}

/// Read-audit writer threads on PostgreSQL: `MEDBILL_AUDIT_PG_WRITERS` (1..=8, default 2). Each
/// runs its batch's point reads one round trip after another, so more writers overlap more
/// round trips but make smaller batches (more commits); the best number depends on the
/// machine (docs/performance.md, "Session 14").
pub fn audit_pg_writers_from_env() -> Result<usize, String> {
    let default = crate::audit::PG_WRITERS as u64;
    bounded_from_env("MEDBILL_AUDIT_PG_WRITERS", 8, default).map(|n| n as usize)
}

/// A whole number from 1 to `max` in the variable `name`, or `default` when it is not set.
fn bounded_from_env(name: &str, max: u64, default: u64) -> Result<u64, String> {
    bounded(name, std::env::var(name).ok().as_deref(), max, default)
}

fn bounded(name: &str, value: Option<&str>, max: u64, default: u64) -> Result<u64, String> {
    match value {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| format!("{name} must be a whole number from 1 to {max}")),
    }
}

/// The lab billing link from the environment: `MEDBILL_LAB_BILLING_LINK` (add a received
/// specimen's tests to its encounter) and `MEDBILL_LAB_ADDS_VENIPUNCTURE` (add 36415 for a blood
/// draw); each on unless set to 0, false, no or off.
pub fn lab_billing_from_env() -> crate::specimens::billing::Settings {
    let flag = |name: &str| {
        !matches!(
            std::env::var(name).ok().as_deref().map(str::trim),
            Some("0" | "false" | "no" | "off" | "FALSE" | "False")
        )
    };
    crate::specimens::billing::Settings {
        link: flag("MEDBILL_LAB_BILLING_LINK"),
        venipuncture: flag("MEDBILL_LAB_ADDS_VENIPUNCTURE"),
    }
}

/// What the claims worker takes from the environment besides its flags: the submitter
/// identity ([`submitter_from_env`]), the eligibility channel ([`eligibility_from_env`]) and
/// the outbound CA file ([`http_ca_file_from_env`]).
pub fn worker_env_from_env(
    data_dir: &Path,
) -> Result<crate::claims::worker_cli::WorkerEnv, String> {
    let http_ca_file = http_ca_file_from_env();
    Ok(crate::claims::worker_cli::WorkerEnv {
        submitter: submitter_from_env(),
        eligibility: eligibility_from_env(data_dir, http_ca_file.clone())?,
        http_ca_file,
    })
}

/// The X12 submitter identity: the defaults overridden by MEDBILL_X12_SENDER_ID,
/// MEDBILL_X12_SENDER_QUALIFIER, MEDBILL_X12_RECEIVER_ID, MEDBILL_X12_RECEIVER_QUALIFIER,
/// MEDBILL_X12_RECEIVER_NAME, MEDBILL_X12_SUBMITTER_NAME, MEDBILL_X12_CONTACT_NAME,
/// MEDBILL_X12_CONTACT_PHONE and MEDBILL_X12_USAGE (`P` or `T`).
pub fn submitter_from_env() -> crate::claims::settings::SubmitterSettings {
    let mut s = crate::claims::settings::SubmitterSettings::default();
    let set = |field: &mut String, var: &str| {
        if let Ok(v) = std::env::var(var) {
            if !v.trim().is_empty() {
                *field = v.trim().to_string();
            }
        }
    };
    set(&mut s.sender_id, "MEDBILL_X12_SENDER_ID");
    set(&mut s.sender_qualifier, "MEDBILL_X12_SENDER_QUALIFIER");
    set(&mut s.receiver_id, "MEDBILL_X12_RECEIVER_ID");
    set(&mut s.receiver_qualifier, "MEDBILL_X12_RECEIVER_QUALIFIER");
    set(&mut s.receiver_name, "MEDBILL_X12_RECEIVER_NAME");
    set(&mut s.submitter_name, "MEDBILL_X12_SUBMITTER_NAME");
    set(&mut s.contact_name, "MEDBILL_X12_CONTACT_NAME");
    set(&mut s.contact_phone, "MEDBILL_X12_CONTACT_PHONE");
    s.production = std::env::var("MEDBILL_X12_USAGE").is_ok_and(|v| v.trim() == "P");
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn bounded_numbers_take_the_default_or_a_value_in_range() {
        let b = |v| super::bounded("X", v, 8, 2);
        assert_eq!(b(None), Ok(2));
        assert_eq!(b(Some(" 3 ")), Ok(3));
        assert_eq!(b(Some("8")), Ok(8));
        for bad in ["0", "9", "-1", "two", ""] {
            assert_eq!(
                b(Some(bad)),
                Err("X must be a whole number from 1 to 8".to_string()),
                "{bad:?}"
            );
        }
    }

    use super::*;

    #[test]
    fn remit_limit_setting_is_read_or_defaulted() {
        assert_eq!(remit_max_bytes(None), DEFAULT_REMIT_MAX_BYTES);
        assert_eq!(remit_max_bytes(Some("33554432")), 32 * 1024 * 1024);
        assert_eq!(remit_max_bytes(Some(" 2097152 ")), 2 * 1024 * 1024);
        // Below the server-wide limit or unreadable: the default.
        assert_eq!(remit_max_bytes(Some("1000")), DEFAULT_REMIT_MAX_BYTES);
        assert_eq!(remit_max_bytes(Some("16MB")), DEFAULT_REMIT_MAX_BYTES);
    }

    #[test]
    fn generated_key_is_kept_and_private() {
        let dir = std::env::temp_dir().join(format!("medbill-cfg-{}", uuid::Uuid::new_v4()));
        fs::create_dir_all(&dir).unwrap();
        let first = load_or_create_jwt_secret(&dir, None).unwrap();
        let second = load_or_create_jwt_secret(&dir, None).unwrap();
        assert_eq!(first, second);
        assert_eq!(first.len(), 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.join(JWT_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn processes_starting_together_share_one_generated_key() {
        for _ in 0..20 {
            let dir = std::env::temp_dir().join(format!("medbill-cfg-{}", uuid::Uuid::new_v4()));
            fs::create_dir_all(&dir).unwrap();
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
            let keys: Vec<Vec<u8>> = (0..4)
                .map(|_| {
                    let (dir, barrier) = (dir.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        load_or_create_audit_key(&dir, None).unwrap()
                    })
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|t| t.join().unwrap())
                .collect();
            assert!(keys.iter().all(|k| k == &keys[0] && k.len() == 32));
            // Only the key file is left: no staged copies.
            assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
            fs::remove_dir_all(&dir).unwrap();
        }
    }

    #[test]
    fn short_configured_secret_is_refused() {
        let dir = std::env::temp_dir();
        assert!(load_or_create_jwt_secret(&dir, Some("short")).is_err());
    }
}
