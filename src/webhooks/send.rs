//! Sending a leased batch: the deliveries go out from a few threads at once over the one
//! shared agent (its kept-alive connections), so a batch costs about its slowest share of
//! round trips instead of the sum of all of them. Two phases keep one dead host from costing
//! a timeout per delivery: first one delivery per endpoint (in parallel across endpoints);
//! an endpoint that did not answer at all gets the rest of its deliveries back uncounted,
//! the others' rest go out in parallel. Past half the lease, what is left is given back too,
//! so another worker never takes over a lease still being worked.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use super::deliver::{Deliverer, Job, Outcome};
use super::model::{DeliveryId, EndpointId};

/// What became of a batch.
#[derive(Default)]
pub(super) struct Sent {
    /// Attempts made.
    pub outcomes: Vec<Outcome>,
    /// Not tried: past half the lease (due again at once).
    pub later: Vec<DeliveryId>,
    /// Not tried: their endpoint did not answer in this batch (due after a short wait).
    pub retry_soon: Vec<DeliveryId>,
}

/// Sends `jobs` (in their order, oldest due first).
pub(super) fn send_all(d: &Deliverer, jobs: Vec<Job<'_>>) -> Sent {
    let started = Instant::now();
    let unreachable = Mutex::new(HashSet::new());
    let mut seen = HashSet::new();
    let (first, rest): (Vec<_>, Vec<_>) = jobs
        .into_iter()
        .partition(|j| seen.insert(j.delivery.endpoint_id));
    let mut sent = run(d, first, started, &unreachable);
    let more = run(d, rest, started, &unreachable);
    sent.outcomes.extend(more.outcomes);
    sent.later.extend(more.later);
    sent.retry_soon.extend(more.retry_soon);
    sent
}

/// Sends `jobs` from up to `senders` threads, each taking the next job in order.
fn run(
    d: &Deliverer,
    jobs: Vec<Job<'_>>,
    started: Instant,
    unreachable: &Mutex<HashSet<EndpointId>>,
) -> Sent {
    let next = AtomicUsize::new(0);
    let one = || {
        let mut out = Sent::default();
        while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
            let id = job.delivery.id;
            if started.elapsed() > d.config().lease / 2 {
                out.later.push(id);
                continue;
            }
            let ep = job.delivery.endpoint_id;
            if lock(unreachable).contains(&ep) {
                out.retry_soon.push(id);
                continue;
            }
            let o = d.attempt(job);
            if o.attempt.status_code.is_none() {
                lock(unreachable).insert(ep);
            }
            out.outcomes.push(o);
        }
        out
    };
    let threads = d.config().senders.clamp(1, jobs.len().max(1));
    if threads == 1 {
        return one();
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|_| s.spawn(one)).collect();
        let mut all = Sent::default();
        for h in handles {
            // A sender that panicked made no attempt it could report; its leased deliveries
            // run out their lease and are sent again (at least once).
            if let Ok(part) = h.join() {
                all.outcomes.extend(part.outcomes);
                all.later.extend(part.later);
                all.retry_soon.extend(part.retry_soon);
            }
        }
        all
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
