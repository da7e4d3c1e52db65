//! The delivery worker: sequence committed events (feed positions, one delivery per
//! subscribed endpoint), lease due deliveries, POST each signed event, and record every
//! attempt. A failure backs off (about three days in all); a delivery that fails its last
//! attempt is dead-lettered and its endpoint disabled, with a `webhook_endpoint.disabled`
//! event. Per-endpoint ordering is not promised: retries and parallel workers reorder.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::model::{Attempt, AttemptId, EndpointId, EndpointRow};
use super::queue::{self, Delivery};
use super::{send, signing, ssrf, store, WebhookSettings};
use crate::claims::queue::RetryPolicy;
use crate::db::types::Timestamp;
use crate::db::{AnyConnection, DbPool};
use crate::events::{self, store as event_store, types, Event, EventId};
use crate::net::client::{self, ClientSettings};

/// How a delivery worker runs.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// The lease owner name (unique per worker).
    pub owner: String,
    /// Most deliveries leased at once.
    pub batch_size: i64,
    /// Threads sending a batch's deliveries at once (over the one agent's kept-alive
    /// connections); 1 sends them one after the other.
    pub senders: usize,
    /// How long a lease lasts; a worker that dies gives its deliveries back after this.
    pub lease: Duration,
    /// The pause when nothing is due.
    pub poll: Duration,
    /// Backoff and dead-lettering.
    pub retry: RetryPolicy,
    /// URL rules and the delivery timeout.
    pub settings: WebhookSettings,
    /// CA certificates trusted besides the bundled roots (`MEDBILL_HTTP_CA_FILE`, through
    /// `config`; none by default).
    pub ca_file: Option<std::path::PathBuf>,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            owner: crate::claims::worker::default_owner(),
            batch_size: 200,
            senders: 4,
            lease: Duration::from_secs(120),
            poll: Duration::from_millis(500),
            retry: queue::default_policy(),
            settings: WebhookSettings::default(),
            ca_file: None,
        }
    }
}

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tick {
    /// Events given feed positions.
    pub sequenced: usize,
    /// Deliveries leased.
    pub leased: usize,
    /// Delivered (2xx).
    pub delivered: usize,
    /// Failed (retried later or dead-lettered).
    pub failed: usize,
    /// Endpoints disabled after a dead-lettered delivery.
    pub disabled: usize,
}

/// A delivery worker: its settings and its HTTP client (kept-alive connections).
pub struct Deliverer {
    cfg: DeliveryConfig,
    agent: ureq::Agent,
}

/// What one attempt gave: the attempt record, and the error when it failed.
pub(super) struct Outcome {
    pub(super) delivery: Delivery,
    pub(super) attempt: Attempt,
    pub(super) error: Option<String>,
}

/// An endpoint of the batch and the result of its URL check.
pub(super) struct Target {
    ep: EndpointRow,
    check: Result<(), String>,
}

/// One delivery to attempt: the endpoint, and the event's body shared by its deliveries.
pub(super) struct Job<'a> {
    pub(super) delivery: Delivery,
    target: &'a Target,
    body: &'a Result<Vec<u8>, String>,
}

impl Deliverer {
    /// A worker for `cfg`.
    pub fn new(cfg: DeliveryConfig) -> Result<Self, String> {
        let settings = ClientSettings {
            connect_timeout: cfg.settings.timeout.min(Duration::from_secs(5)),
            timeout: cfg.settings.timeout,
            ca_file: cfg.ca_file.clone(),
        };
        // The addresses connected to are checked as they are resolved (DNS rebinding).
        let resolver = ssrf::CheckingResolver::new(cfg.settings.policy);
        let agent = client::agent_with_resolver(&settings, resolver)?;
        Ok(Deliverer { cfg, agent })
    }

    /// Its settings.
    pub fn config(&self) -> &DeliveryConfig {
        &self.cfg
    }

    /// One tick at the real time.
    pub fn tick(&self, pool: &DbPool) -> Result<Tick, String> {
        self.tick_at(pool, Timestamp::now())
    }

    /// One tick as if it were `now` (due times and backoff use it; the signed
    /// `webhook-timestamp` is always the real time, which receivers check).
    pub fn tick_at(&self, pool: &DbPool, now: Timestamp) -> Result<Tick, String> {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        let sequenced = event_store::sequence(&mut conn, 1000).map_err(|e| e.to_string())?;
        let leased = queue::lease(
            &mut conn,
            &self.cfg.owner,
            self.cfg.lease,
            self.cfg.batch_size,
            now,
        )
        .map_err(|e| e.to_string())?;
        let mut tick = Tick {
            sequenced,
            leased: leased.len(),
            ..Tick::default()
        };
        if leased.is_empty() {
            return Ok(tick);
        }
        let ids: Vec<_> = leased.iter().map(|d| d.event_id).collect();
        let events: HashMap<_, _> = event_store::find_many(&mut conn, &ids)
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        // Each endpoint is read and its URL checked once per batch, each event's body made
        // once, however many deliveries share them.
        let mut targets: HashMap<EndpointId, Option<Target>> = HashMap::new();
        for d in &leased {
            if let Entry::Vacant(slot) = targets.entry(d.endpoint_id) {
                let ep = store::find(&mut conn, d.endpoint_id).map_err(|e| e.to_string())?;
                slot.insert(ep.map(|ep| Target {
                    check: self.check(&ep),
                    ep,
                }));
            }
        }
        let mut bodies: HashMap<EventId, Result<Vec<u8>, String>> = HashMap::new();
        for (id, ev) in &events {
            let body = serde_json::to_vec(&Event::from(ev.clone())).map_err(|e| e.to_string());
            bodies.insert(*id, body);
        }
        // A delivery whose endpoint or event is gone is left to its lease (as before).
        let jobs: Vec<Job> = leased
            .into_iter()
            .filter_map(|d| {
                let target = targets.get(&d.endpoint_id)?.as_ref()?;
                let body = bodies.get(&d.event_id)?;
                Some(Job {
                    delivery: d,
                    target,
                    body,
                })
            })
            .collect();
        let sent = send::send_all(self, jobs);
        self.record(&mut conn, sent.outcomes, now, &mut tick)?;
        let owner = &self.cfg.owner;
        let soon = queue::plus(now, self.cfg.retry.base);
        let (later, retry_soon) = (sent.later, sent.retry_soon);
        conn.write_transaction(|c| {
            queue::release(c, &later, owner, now, now)?;
            queue::release(c, &retry_soon, owner, soon, now)
        })
        .map_err(|e| e.to_string())?;
        tick.leased -= later.len() + retry_soon.len();
        Ok(tick)
    }

    /// The URL rules, checked again before delivering (the address may have changed since
    /// the endpoint was saved).
    fn check(&self, ep: &EndpointRow) -> Result<(), String> {
        let policy = self.cfg.settings.policy;
        let target = ssrf::parse(&ep.url, policy).map_err(|e| format!("refused: {e}"))?;
        ssrf::check_resolved(&target, policy).map_err(|e| format!("refused: {e}"))
    }

    /// POSTs a job's event to its endpoint once.
    pub(super) fn attempt(&self, job: &Job) -> Outcome {
        let started = Instant::now();
        let attempted_at = Timestamp::now();
        let (status, excerpt, error) = match self.post(job, attempted_at) {
            Ok((s, text)) if (200..300).contains(&s) => (Some(s), text, None),
            Ok((s, text)) => (Some(s), text, Some(format!("HTTP {s}"))),
            Err(e) => (None, e.clone(), Some(e)),
        };
        let d = &job.delivery;
        let attempt = Attempt {
            id: AttemptId::new(),
            delivery_id: d.id,
            endpoint_id: d.endpoint_id,
            event_id: d.event_id,
            attempted_at,
            status_code: status.map(i32::from),
            latency_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
            succeeded: error.is_none(),
            response_excerpt: Some(excerpt).filter(|e| !e.is_empty()),
        };
        Outcome {
            delivery: d.clone(),
            attempt,
            error,
        }
    }

    fn post(&self, job: &Job, at: Timestamp) -> Result<(u16, String), String> {
        job.target.check.clone()?;
        let body = job.body.as_ref().map_err(Clone::clone)?;
        let ep = &job.target.ep;
        let id = job.delivery.event_id.to_string();
        let ts = at.0.timestamp();
        let signature = signing::header(&ep.signing_secrets(at), &id, ts, body)?;
        let resp = self
            .agent
            .post(&ep.url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", signature)
            .send(&body[..]);
        match resp {
            Ok(mut r) => {
                let text = client::excerpt(r.body_mut(), 200);
                Ok((r.status().as_u16(), text))
            }
            Err(e) => Err(e.to_string().chars().take(200).collect()),
        }
    }

    /// Stores the attempts and their consequences in one transaction.
    fn record(
        &self,
        conn: &mut AnyConnection,
        outcomes: Vec<Outcome>,
        now: Timestamp,
        tick: &mut Tick,
    ) -> Result<(), String> {
        let owner = &self.cfg.owner;
        conn.write_transaction(|c| {
            let attempts: Vec<_> = outcomes.iter().map(|o| o.attempt.clone()).collect();
            store::insert_attempts(c, &attempts)?;
            let ok: Vec<_> = outcomes
                .iter()
                .filter(|o| o.error.is_none())
                .map(|o| o.delivery.id)
                .collect();
            tick.delivered += queue::complete(c, &ok, owner, now)?;
            for o in &outcomes {
                let Some(err) = &o.error else { continue };
                tick.failed += 1;
                if queue::fail(c, &o.delivery, owner, &self.cfg.retry, err, now)? {
                    let reason = format!(
                        "event {} failed all {} delivery attempts (last: {err})",
                        o.delivery.event_id, o.delivery.attempts
                    );
                    if let Some(version) = store::disable(c, o.delivery.endpoint_id, &reason, now)? {
                        tick.disabled += 1;
                        events::record(
                            c,
                            types::WEBHOOK_ENDPOINT_DISABLED,
                            o.delivery.endpoint_id.0,
                            version,
                            serde_json::json!({ "endpoint_id": o.delivery.endpoint_id, "reason": reason }),
                        )?;
                        tracing::warn!(endpoint = %o.delivery.endpoint_id, "webhook endpoint disabled after failing deliveries");
                    }
                }
            }
            Ok::<_, diesel::result::Error>(())
        })
        .map_err(|e| e.to_string())
    }

    /// Ticks until nothing is due at `now` (tests and `medbill worker --once`).
    pub fn drain_at(&self, pool: &DbPool, now: Timestamp) -> Result<Tick, String> {
        let mut total = Tick::default();
        loop {
            let t = self.tick_at(pool, now)?;
            total.sequenced += t.sequenced;
            total.leased += t.leased;
            total.delivered += t.delivered;
            total.failed += t.failed;
            total.disabled += t.disabled;
            if t.leased == 0 && t.sequenced == 0 {
                return Ok(total);
            }
        }
    }

    /// Runs until `stop` is set: ticks while work is due, sleeps `poll` when idle. Errors are
    /// logged (no PHI: events carry ids only) and retried after a pause.
    pub fn run(&self, pool: DbPool, stop: Arc<AtomicBool>) {
        tracing::info!(owner = %self.cfg.owner, "webhook delivery worker started");
        while !stop.load(Ordering::Relaxed) {
            let busy = match self.tick(&pool) {
                Ok(t) => t.leased > 0 || t.sequenced > 0,
                Err(e) => {
                    tracing::error!(error = %e, "webhook delivery error");
                    false
                }
            };
            if !busy {
                std::thread::sleep(self.cfg.poll);
            }
        }
        tracing::info!(owner = %self.cfg.owner, "webhook delivery worker stopped");
    }
}

/// A delivery worker on its own thread; dropping the handle stops it after its current batch.
pub struct DelivererHandle {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Starts [`Deliverer::run`] on a new thread.
pub fn spawn(pool: DbPool, cfg: DeliveryConfig) -> Result<DelivererHandle, String> {
    let d = Deliverer::new(cfg)?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("webhook-worker".into())
        .spawn(move || d.run(pool, flag))
        .map_err(|e| e.to_string())?;
    Ok(DelivererHandle {
        stop,
        thread: Some(thread),
    })
}

impl DelivererHandle {
    /// The flag that stops the worker after its current batch.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }
}

impl Drop for DelivererHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
