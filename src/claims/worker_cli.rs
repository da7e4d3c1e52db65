//! Worker settings from flags and environment variables, shared by `medbill serve` (which runs
//! a worker in-process unless `--no-worker`) and `medbill worker`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::clearinghouse::{Clearinghouse, FileDrop};
use super::http_adapter::{Auth, HttpPost};
use super::queue::RetryPolicy;
use super::settings::SubmitterSettings;
use super::sftp::args::SftpArgs;
use super::sftp::{Sftp, SftpSettings};
use super::worker::{default_owner, WorkerConfig};
use crate::eligibility::transport::Channel;
use crate::net::client::ClientSettings;

/// What the worker takes from the process's configuration besides its flags, read once at
/// start-up by `config::worker_env_from_env` (tests build it by hand).
#[derive(Debug, Clone)]
pub struct WorkerEnv {
    /// Who medbill says it is in the interchanges.
    pub submitter: SubmitterSettings,
    /// Where the worker sends pending eligibility checks.
    pub eligibility: Channel,
    /// CA certificates the http adapter trusts besides the bundled roots.
    pub http_ca_file: Option<PathBuf>,
}

/// Submission worker options.
#[derive(Debug, Clone, clap::Args)]
pub struct WorkerArgs {
    /// Clearinghouse adapter: filedrop, http or sftp.
    #[arg(long, env = "MEDBILL_CLEARINGHOUSE", default_value = "filedrop")]
    pub adapter: String,
    /// Folder the filedrop adapter writes interchanges to (default: <data dir>/outbox).
    #[arg(long, env = "MEDBILL_OUTBOX_DIR")]
    pub outbox_dir: Option<PathBuf>,
    /// Folder 999 and 277CA files are read from (default: <data dir>/inbox).
    #[arg(long, env = "MEDBILL_INBOX_DIR")]
    pub inbox_dir: Option<PathBuf>,
    /// URL the http adapter POSTs to (https://, or http://).
    #[arg(long, env = "MEDBILL_CLEARINGHOUSE_URL")]
    pub clearinghouse_url: Option<String>,
    /// Bearer token for the http adapter.
    #[arg(long, env = "MEDBILL_CLEARINGHOUSE_TOKEN", hide_env_values = true)]
    pub clearinghouse_token: Option<String>,
    /// Basic auth user for the http adapter (password in MEDBILL_CLEARINGHOUSE_PASSWORD).
    #[arg(long, env = "MEDBILL_CLEARINGHOUSE_USER")]
    pub clearinghouse_user: Option<String>,
    /// Basic auth password for the http adapter.
    #[arg(long, env = "MEDBILL_CLEARINGHOUSE_PASSWORD", hide_env_values = true)]
    pub clearinghouse_password: Option<String>,
    /// Connect, read and write timeout of the http and sftp adapters, in seconds.
    #[arg(long, env = "MEDBILL_CLEARINGHOUSE_TIMEOUT_SECS", default_value_t = 30)]
    pub clearinghouse_timeout_secs: u64,
    /// Most claims leased at once (and per interchange).
    #[arg(long, env = "MEDBILL_WORKER_BATCH", default_value_t = 500)]
    pub batch_size: i64,
    /// Lease length in seconds: a worker that dies gives its jobs back after this.
    #[arg(long, env = "MEDBILL_WORKER_LEASE_SECS", default_value_t = 60)]
    pub lease_secs: u64,
    /// Pause when the queue is idle, in milliseconds.
    #[arg(long, env = "MEDBILL_WORKER_POLL_MS", default_value_t = 500)]
    pub poll_ms: u64,
    /// Wait after the first failure, in milliseconds (doubled after each further failure).
    #[arg(long, env = "MEDBILL_RETRY_BASE_MS", default_value_t = 30_000)]
    pub retry_base_ms: u64,
    /// Longest wait between attempts, in milliseconds.
    #[arg(long, env = "MEDBILL_RETRY_CAP_MS", default_value_t = 3_600_000)]
    pub retry_cap_ms: u64,
    /// Attempts before a job is dead-lettered.
    #[arg(long, env = "MEDBILL_MAX_ATTEMPTS", default_value_t = 8)]
    pub max_attempts: i32,
    /// The sftp adapter's options.
    #[command(flatten)]
    pub sftp: SftpArgs,
}

impl WorkerArgs {
    /// The sftp adapter's settings (MEDBILL_SFTP_*, with the clearinghouse timeout).
    pub fn sftp_settings(&self) -> Result<SftpSettings, String> {
        let timeout = Duration::from_secs(self.clearinghouse_timeout_secs.max(1));
        self.sftp.settings(timeout)
    }

    /// The worker configuration and adapter these options and `env` describe.
    pub fn build(
        &self,
        data_dir: &Path,
        env: WorkerEnv,
    ) -> Result<(WorkerConfig, Arc<dyn Clearinghouse>), String> {
        if !(1..=5000).contains(&self.batch_size) {
            return Err("the worker batch size must be 1 to 5000".into());
        }
        if self.max_attempts < 1 {
            return Err("max attempts must be at least 1".into());
        }
        let mut sftp_collect = None;
        let adapter: Arc<dyn Clearinghouse> = match self.adapter.as_str() {
            "filedrop" => Arc::new(FileDrop::new(
                self.outbox_dir
                    .clone()
                    .unwrap_or_else(|| data_dir.join("outbox")),
            )),
            "http" => {
                let url = self
                    .clearinghouse_url
                    .as_deref()
                    .ok_or("the http adapter needs MEDBILL_CLEARINGHOUSE_URL")?;
                let auth = match (
                    &self.clearinghouse_token,
                    &self.clearinghouse_user,
                    &self.clearinghouse_password,
                ) {
                    (Some(t), _, _) => Auth::Bearer(t.clone()),
                    (None, Some(u), Some(p)) => Auth::Basic {
                        user: u.clone(),
                        password: p.clone(),
                    },
                    _ => Auth::None,
                };
                let timeout = Duration::from_secs(self.clearinghouse_timeout_secs.max(1));
                let client = ClientSettings::new(timeout, env.http_ca_file.clone());
                Arc::new(HttpPost::with_settings(url, auth, &client)?)
            }
            "sftp" => {
                let sftp = Arc::new(Sftp::new(self.sftp_settings()?));
                sftp_collect = Some(sftp.clone());
                sftp
            }
            other => {
                return Err(format!(
                    "unknown clearinghouse adapter {other}: use filedrop, http or sftp"
                ))
            }
        };
        let cfg = WorkerConfig {
            owner: default_owner(),
            batch_size: self.batch_size,
            lease: Duration::from_secs(self.lease_secs.max(1)),
            poll: Duration::from_millis(self.poll_ms.max(10)),
            retry: RetryPolicy {
                base: Duration::from_millis(self.retry_base_ms),
                cap: Duration::from_millis(self.retry_cap_ms),
                max_attempts: self.max_attempts,
            },
            submitter: env.submitter,
            inbox: Some(
                self.inbox_dir
                    .clone()
                    .unwrap_or_else(|| data_dir.join("inbox")),
            ),
            line_breaks: false,
            sftp_collect,
            eligibility: Some(env.eligibility),
        };
        Ok((cfg, adapter))
    }
}
