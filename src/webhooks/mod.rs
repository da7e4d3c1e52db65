//! Webhooks (issue 15): endpoints subscribe to event types; each event is delivered to each
//! subscribed endpoint at least once, signed per Standard Webhooks, by the delivery worker
//! over the shared HTTP client. See docs/events.md.

pub mod deliver;
pub mod model;
pub mod queue;
pub mod routes;
mod send;
pub mod service;
pub mod signing;
pub mod ssrf;
pub mod store;

use std::time::Duration;

/// What deliveries and endpoint URLs are allowed, and how long a delivery may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Server-side request forgery rules.
    pub policy: ssrf::UrlPolicy,
    /// Time for one delivery (connect, send, answer).
    pub timeout: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            policy: ssrf::UrlPolicy::default(),
            timeout: Duration::from_secs(10),
        }
    }
}
