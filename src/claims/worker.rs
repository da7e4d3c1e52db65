//! The submission worker: lease due jobs, batch them per payer into interchanges (re-sending
//! the interchange a job was already built into, if any), hand each to the clearinghouse
//! adapter, and mark its claims submitted only after the adapter confirms. Failures back off
//! and end in the dead letters. Between batches it sends the eligibility checks of batch runs
//! and imports 835s, 271s and acknowledgments from the inbox.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::clearinghouse::{Clearinghouse, Outgoing};
use super::interchange::{self, BuildError, Interchange, InterchangeStatus};
use super::model::InterchangeId;
use super::queue::{self, Job, RetryPolicy};
use super::settings::SubmitterSettings;
use crate::db::{AnyConnection, DbPool};
use crate::payers::model::PayerId;

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The lease owner name (unique per worker: host, process and a random part).
    pub owner: String,
    /// Most jobs leased (and claims per interchange) at once.
    pub batch_size: i64,
    /// How long a lease lasts; a worker that dies gives its jobs back after this.
    pub lease: Duration,
    /// The pause when nothing is due.
    pub poll: Duration,
    /// Backoff and dead-lettering.
    pub retry: RetryPolicy,
    /// The envelope identity.
    pub submitter: SubmitterSettings,
    /// Where acknowledgments arrive (none: not imported by this worker).
    pub inbox: Option<PathBuf>,
    /// Line breaks after segment terminators in the interchanges written (off by default).
    pub line_breaks: bool,
    /// The SFTP clearinghouse whose outbound folder is collected into `inbox` every
    /// `settings().poll` (none: nothing to collect).
    pub sftp_collect: Option<Arc<super::sftp::Sftp>>,
    /// Where the eligibility checks of batch runs go (none: this worker does not send them).
    pub eligibility: Option<crate::eligibility::transport::Channel>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            owner: default_owner(),
            batch_size: 500,
            lease: Duration::from_secs(60),
            poll: Duration::from_millis(500),
            retry: RetryPolicy::default(),
            submitter: SubmitterSettings::default(),
            inbox: None,
            line_breaks: false,
            sftp_collect: None,
            eligibility: None,
        }
    }
}

/// A worker name unique to this process: `<host>-<pid>-<random>`.
pub fn default_owner() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".into());
    let rnd = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &rnd[..8])
}

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tick {
    /// Jobs leased.
    pub leased: usize,
    /// Claims marked submitted.
    pub submitted: usize,
    /// Interchanges handed over.
    pub interchanges: usize,
    /// Jobs that failed (retried later or dead-lettered).
    pub failed: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Resend(InterchangeId),
    New(PayerId),
}

fn fail_all(
    conn: &mut AnyConnection,
    cfg: &WorkerConfig,
    jobs: &[Job],
    error: &str,
    tick: &mut Tick,
) -> Result<(), String> {
    tracing::warn!(jobs = jobs.len(), error, "submission failed");
    conn.write_transaction(|c| {
        for j in jobs {
            queue::fail(c, j, &cfg.owner, &cfg.retry, error)?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .map_err(|e| e.to_string())?;
    tick.failed += jobs.len();
    Ok(())
}

/// Dead-letters `job` at once (its claim cannot be written, retrying will not help).
fn bury(
    conn: &mut AnyConnection,
    cfg: &WorkerConfig,
    job: &Job,
    error: &str,
) -> Result<(), String> {
    let mut last = job.clone();
    last.attempts = cfg.retry.max_attempts.max(job.attempts);
    conn.write_transaction(|c| queue::fail(c, &last, &cfg.owner, &cfg.retry, error))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Builds the interchange of new jobs of one payer, dead-lettering claims the writer refuses.
fn build_new(
    conn: &mut AnyConnection,
    cfg: &WorkerConfig,
    payer: PayerId,
    mut jobs: Vec<Job>,
    tick: &mut Tick,
) -> Result<Option<(Interchange, Vec<Job>)>, String> {
    while !jobs.is_empty() {
        match interchange::build(conn, &cfg.submitter, cfg.line_breaks, payer, &jobs) {
            Ok(ic) => return Ok(Some((ic, jobs))),
            Err(BuildError::Claim(i, why)) if i < jobs.len() => {
                let job = jobs.remove(i);
                bury(conn, cfg, &job, &why)?;
                tick.failed += 1;
            }
            Err(BuildError::Claim(_, why)) | Err(BuildError::Other(why)) => {
                fail_all(conn, cfg, &jobs, &why, tick)?;
                return Ok(None);
            }
        }
    }
    Ok(None)
}

fn hand_over(
    conn: &mut AnyConnection,
    cfg: &WorkerConfig,
    adapter: &dyn Clearinghouse,
    ic: &Interchange,
    jobs: &[Job],
    tick: &mut Tick,
) -> Result<(), String> {
    let out = Outgoing {
        id: ic.id,
        file_name: &ic.file_name,
        content: &ic.content,
    };
    match adapter.send(&out) {
        Ok(()) => {
            tick.interchanges += 1;
            tick.submitted += interchange::complete(conn, ic.id).map_err(|e| e.to_string())?;
            Ok(())
        }
        Err(e) => fail_all(conn, cfg, jobs, &e, tick),
    }
}

/// Leases one batch and sends it. Returns what it did (nothing leased: the queue is idle).
pub fn tick(
    pool: &DbPool,
    cfg: &WorkerConfig,
    adapter: &dyn Clearinghouse,
) -> Result<Tick, String> {
    tick_until(pool, cfg, adapter, &AtomicBool::new(false))
}

/// Gives back the leases of groups not started when the worker was told to stop.
fn release_rest(
    conn: &mut AnyConnection,
    cfg: &WorkerConfig,
    rest: impl Iterator<Item = Vec<Job>>,
) -> Result<(), String> {
    let ids: Vec<_> = rest.flatten().map(|j| j.id).collect();
    if ids.is_empty() {
        return Ok(());
    }
    let n = conn
        .write_transaction(|c| queue::release(c, &ids, &cfg.owner))
        .map_err(|e| e.to_string())?;
    tracing::info!(jobs = n, "stopping: released leases for another worker");
    Ok(())
}

/// [`tick`] that stops between interchanges once `stop` is set: the hand-off under way is
/// finished, the leases of the rest are released at once.
pub fn tick_until(
    pool: &DbPool,
    cfg: &WorkerConfig,
    adapter: &dyn Clearinghouse,
    stop: &AtomicBool,
) -> Result<Tick, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let jobs = queue::lease(&mut conn, &cfg.owner, cfg.lease, cfg.batch_size)
        .map_err(|e| e.to_string())?;
    let mut tick = Tick {
        leased: jobs.len(),
        ..Tick::default()
    };
    let mut groups: BTreeMap<Group, Vec<Job>> = BTreeMap::new();
    for j in jobs {
        let key = match j.interchange_id {
            Some(ic) => Group::Resend(ic),
            None => Group::New(j.payer_id),
        };
        groups.entry(key).or_default().push(j);
    }
    let mut groups = groups.into_iter();
    while let Some((group, jobs)) = groups.next() {
        if stop.load(Ordering::Relaxed) {
            let rest = std::iter::once(jobs).chain(groups.map(|(_, j)| j));
            release_rest(&mut conn, cfg, rest)?;
            break;
        }
        match group {
            Group::Resend(id) => {
                let found = interchange::find(&mut conn, id).map_err(|e| e.to_string())?;
                let Some(ic) = found else {
                    fail_all(&mut conn, cfg, &jobs, "interchange missing", &mut tick)?;
                    continue;
                };
                if ic.status != InterchangeStatus::Built {
                    // Sent already by another worker: only the bookkeeping is left.
                    interchange::complete(&mut conn, id).map_err(|e| e.to_string())?;
                    continue;
                }
                hand_over(&mut conn, cfg, adapter, &ic, &jobs, &mut tick)?;
            }
            Group::New(payer) => {
                if let Some((ic, jobs)) = build_new(&mut conn, cfg, payer, jobs, &mut tick)? {
                    hand_over(&mut conn, cfg, adapter, &ic, &jobs, &mut tick)?;
                }
            }
        }
    }
    adapter.end_batch();
    Ok(tick)
}

/// Sends up to one batch of the pending eligibility checks of batch runs. Returns how many
/// were handed over.
fn send_eligibility(pool: &DbPool, cfg: &WorkerConfig) -> Result<usize, String> {
    let Some(channel) = &cfg.eligibility else {
        return Ok(0);
    };
    let r = crate::eligibility::batch::send_pending(pool, channel, cfg.batch_size)?;
    Ok(r.exchanged + r.written)
}

/// Runs ticks until nothing is due (for `medbill worker --once` and tests).
pub fn drain(
    pool: &DbPool,
    cfg: &WorkerConfig,
    adapter: &dyn Clearinghouse,
) -> Result<Tick, String> {
    let mut total = Tick::default();
    if let (Some(sftp), Some(inbox)) = (&cfg.sftp_collect, &cfg.inbox) {
        sftp.collect(pool, inbox)?;
    }
    loop {
        let t = tick(pool, cfg, adapter)?;
        let sent = send_eligibility(pool, cfg)?;
        if let Some(inbox) = &cfg.inbox {
            // 835s and 271s first: they are moved aside, so the acknowledgment import never
            // sees them.
            crate::remits::inbox::import_dir(pool, inbox, &cfg.submitter)?;
            crate::eligibility::inbox::import_dir(pool, inbox)?;
            super::acks::import_dir(pool, inbox)?;
        }
        total.leased += t.leased;
        total.submitted += t.submitted;
        total.interchanges += t.interchanges;
        total.failed += t.failed;
        if t.leased == 0 && sent == 0 {
            return Ok(total);
        }
    }
}

/// Runs the worker until `stop` is set: ticks while work is due, imports acknowledgments,
/// and sleeps `poll` when idle. Errors are logged (no PHI) and retried after a pause.
pub fn run(
    pool: DbPool,
    cfg: WorkerConfig,
    adapter: Arc<dyn Clearinghouse>,
    stop: Arc<AtomicBool>,
) {
    tracing::info!(owner = %cfg.owner, adapter = adapter.name(), "submission worker started");
    let mut next_collect = std::time::Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let busy = match tick_until(&pool, &cfg, adapter.as_ref(), &stop) {
            Ok(t) => {
                if t.leased > 0 {
                    tracing::info!(
                        leased = t.leased,
                        submitted = t.submitted,
                        failed = t.failed,
                        "submission batch"
                    );
                }
                t.leased > 0
            }
            Err(e) => {
                tracing::error!(error = %e, "submission worker error");
                false
            }
        };
        let busy = match send_eligibility(&pool, &cfg) {
            Ok(n) => busy || n > 0,
            Err(e) => {
                tracing::error!(error = %e, "eligibility sending error");
                busy
            }
        };
        if stop.load(Ordering::Relaxed) {
            break;
        }
        if let (Some(sftp), Some(inbox)) = (&cfg.sftp_collect, &cfg.inbox) {
            if std::time::Instant::now() >= next_collect {
                if let Err(e) = sftp.collect(&pool, inbox) {
                    tracing::error!(error = %e, "SFTP collection error");
                }
                next_collect = std::time::Instant::now() + sftp.settings().poll;
            }
        }
        if let Some(inbox) = &cfg.inbox {
            if let Err(e) = crate::remits::inbox::import_dir(&pool, inbox, &cfg.submitter) {
                tracing::error!(error = %e, "remittance import error");
            }
            if let Err(e) = crate::eligibility::inbox::import_dir(&pool, inbox) {
                tracing::error!(error = %e, "eligibility response import error");
            }
            if let Err(e) = super::acks::import_dir(&pool, inbox) {
                tracing::error!(error = %e, "acknowledgment import error");
            }
        }
        if !busy {
            std::thread::sleep(cfg.poll);
        }
    }
    tracing::info!(owner = %cfg.owner, "submission worker stopped");
}

/// A worker running on its own thread; dropping the handle stops it after its current batch.
pub struct WorkerHandle {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Starts [`run`] on a new thread.
pub fn spawn(
    pool: DbPool,
    cfg: WorkerConfig,
    adapter: Arc<dyn Clearinghouse>,
) -> std::io::Result<WorkerHandle> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("submission-worker".into())
        .spawn(move || run(pool, cfg, adapter, flag))?;
    Ok(WorkerHandle {
        stop,
        thread: Some(thread),
    })
}

impl WorkerHandle {
    /// The flag that stops the worker after its current hand-off (set it from a signal handler).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
