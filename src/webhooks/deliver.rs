//! The delivery worker: sequence committed events (feed positions, one delivery per
//! subscribed endpoint), lease due deliveries, POST each signed event, and record every
//! attempt. A failure backs off (about three days in all); a delivery that fails its last
//! attempt is dead-lettered and its endpoint disabled, with a `webhook_endpoint.disabled`
//! event. Per-endpoint ordering is not promised: retries and parallel workers reorder.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::model::{Attempt, AttemptId, EndpointId, EndpointRow};
use super::queue::{self, Delivery};
use super::{signing, ssrf, store, WebhookSettings};
use crate::claims::queue::RetryPolicy;
use crate::db::types::Timestamp;
use crate::db::{AnyConnection, DbPool};
use crate::events::{self, store as event_store, types, Event, EventRow};
use crate::net::client::{self, ClientSettings};

/// How a delivery worker runs.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// The lease owner name (unique per worker).
    pub owner: String,
    /// Most deliveries leased at once.
    pub batch_size: i64,
    /// How long a lease lasts; a worker that dies gives its deliveries back after this.
    pub lease: Duration,
    /// The pause when nothing is due.
    pub poll: Duration,
    /// Backoff and dead-lettering.
    pub retry: RetryPolicy,
    /// URL rules and the delivery timeout.
    pub settings: WebhookSettings,
    /// Trusted roots (`MEDBILL_HTTP_CA_FILE`).
    pub ca_file: Option<std::path::PathBuf>,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            owner: crate::claims::worker::default_owner(),
            batch_size: 200,
            lease: Duration::from_secs(120),
            poll: Duration::from_millis(500),
            retry: queue::default_policy(),
            settings: WebhookSettings::default(),
            ca_file: ClientSettings::default().ca_file,
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

struct Outcome {
    delivery: Delivery,
    attempt: Attempt,
    error: Option<String>,
}

impl Deliverer {
    /// A worker for `cfg`.
    pub fn new(cfg: DeliveryConfig) -> Result<Self, String> {
        let agent = client::agent(&ClientSettings {
            connect_timeout: cfg.settings.timeout.min(Duration::from_secs(5)),
            timeout: cfg.settings.timeout,
            ca_file: cfg.ca_file.clone(),
        })?;
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
        let mut endpoints: HashMap<EndpointId, Option<EndpointRow>> = HashMap::new();
        let mut outcomes = Vec::with_capacity(leased.len());
        // Deliveries not tried in this batch go back uncounted: all of them once half the
        // lease is used (so another worker never takes over a lease still being worked), and
        // those of an endpoint that did not answer at all (so one dead host does not hold
        // the batch for a timeout per delivery).
        let started = Instant::now();
        let mut unreachable: std::collections::HashSet<EndpointId> = Default::default();
        let (mut later, mut retry_soon) = (Vec::new(), Vec::new());
        for d in leased {
            if started.elapsed() > self.cfg.lease / 2 {
                later.push(d.id);
                continue;
            }
            if unreachable.contains(&d.endpoint_id) {
                retry_soon.push(d.id);
                continue;
            }
            let ep = match endpoints.get(&d.endpoint_id) {
                Some(e) => e.clone(),
                None => {
                    let e = store::find(&mut conn, d.endpoint_id).map_err(|e| e.to_string())?;
                    endpoints.insert(d.endpoint_id, e.clone());
                    e
                }
            };
            let (Some(ep), Some(ev)) = (ep, events.get(&d.event_id)) else {
                continue;
            };
            let o = self.attempt(d, &ep, ev);
            if o.attempt.status_code.is_none() {
                unreachable.insert(ep.id);
            }
            outcomes.push(o);
        }
        self.record(&mut conn, outcomes, now, &mut tick)?;
        let owner = &self.cfg.owner;
        let soon = queue::plus(now, self.cfg.retry.base);
        conn.write_transaction(|c| {
            queue::release(c, &later, owner, now, now)?;
            queue::release(c, &retry_soon, owner, soon, now)
        })
        .map_err(|e| e.to_string())?;
        tick.leased -= later.len() + retry_soon.len();
        Ok(tick)
    }

    /// POSTs `ev` to `ep` once.
    fn attempt(&self, d: Delivery, ep: &EndpointRow, ev: &EventRow) -> Outcome {
        let started = Instant::now();
        let attempted_at = Timestamp::now();
        let (status, excerpt, error) = match self.post(ep, ev, attempted_at) {
            Ok((s, text)) if (200..300).contains(&s) => (Some(s), text, None),
            Ok((s, text)) => (Some(s), text, Some(format!("HTTP {s}"))),
            Err(e) => (None, e.clone(), Some(e)),
        };
        let attempt = Attempt {
            id: AttemptId::new(),
            delivery_id: d.id,
            endpoint_id: ep.id,
            event_id: ev.id,
            attempted_at,
            status_code: status.map(i32::from),
            latency_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
            succeeded: error.is_none(),
            response_excerpt: Some(excerpt).filter(|e| !e.is_empty()),
        };
        Outcome {
            delivery: d,
            attempt,
            error,
        }
    }

    fn post(
        &self,
        ep: &EndpointRow,
        ev: &EventRow,
        at: Timestamp,
    ) -> Result<(u16, String), String> {
        let policy = self.cfg.settings.policy;
        let target = ssrf::parse(&ep.url, policy).map_err(|e| format!("refused: {e}"))?;
        ssrf::check_resolved(&target, policy).map_err(|e| format!("refused: {e}"))?;
        let body = serde_json::to_vec(&Event::from(ev.clone())).map_err(|e| e.to_string())?;
        let id = ev.id.to_string();
        let ts = at.0.timestamp();
        let signature = signing::header(&ep.signing_secrets(at), &id, ts, &body)?;
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
