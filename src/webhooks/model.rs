//! Webhook endpoints, deliveries and attempts: rows and the API documents.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema_events::{webhook_attempts, webhook_endpoints};
use crate::db::types::Timestamp;
use crate::events::EventId;

crate::typed_id!(
    /// Id of a webhook endpoint.
    EndpointId
);

crate::typed_id!(
    /// Id of a delivery (one event to one endpoint).
    DeliveryId
);

crate::typed_id!(
    /// Id of a delivery attempt.
    AttemptId
);

/// An endpoint as stored (with its secrets).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub struct EndpointRow {
    /// Id.
    pub id: EndpointId,
    /// Where deliveries go.
    pub url: String,
    /// JSON array of subscription patterns.
    pub event_types: String,
    /// A note for people.
    pub description: Option<String>,
    /// The signing secret (`whsec_...`).
    pub secret: String,
    /// The secret before the last rotation, still valid until `previous_secret_expires_at`.
    pub previous_secret: Option<String>,
    /// When the previous secret stops being used.
    pub previous_secret_expires_at: Option<Timestamp>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When created.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
}

impl crate::db::versioned::Versioned for EndpointRow {
    fn version(&self) -> i32 {
        self.version
    }
    fn stamp(&mut self, version: i32, at: Timestamp) {
        self.version = version;
        self.updated_at = at;
    }
}

impl EndpointRow {
    /// The subscription patterns.
    pub fn patterns(&self) -> Vec<String> {
        serde_json::from_str(&self.event_types).unwrap_or_default()
    }

    /// Whether the endpoint wants events of type `name`.
    pub fn wants(&self, name: &str) -> bool {
        self.patterns()
            .iter()
            .any(|p| crate::events::types::matches(p, name))
    }

    /// The secrets deliveries are signed with at `now` (the current one first).
    pub fn signing_secrets(&self, now: Timestamp) -> Vec<&str> {
        let mut out = vec![self.secret.as_str()];
        if let (Some(prev), Some(until)) = (&self.previous_secret, self.previous_secret_expires_at)
        {
            if now.0 < until.0 {
                out.push(prev);
            }
        }
        out
    }
}

/// An endpoint as the API shows it (never with its secret, except once in [`EndpointWithSecret`]).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Endpoint {
    /// Id.
    pub id: EndpointId,
    /// Where deliveries go.
    pub url: String,
    /// Subscribed event types (`*` for all, `claim.*` for a resource's).
    pub event_types: Vec<String>,
    /// A note for people.
    pub description: Option<String>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why it was disabled (by a person or after failing deliveries).
    pub disabled_reason: Option<String>,
    /// Until when the secret before the last rotation is still used too.
    pub previous_secret_valid_until: Option<Timestamp>,
    /// Optimistic-concurrency version (ETag).
    pub version: i32,
    /// When created.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
}

impl From<&EndpointRow> for Endpoint {
    fn from(r: &EndpointRow) -> Self {
        Endpoint {
            id: r.id,
            url: r.url.clone(),
            event_types: r.patterns(),
            description: r.description.clone(),
            enabled: r.enabled,
            disabled_reason: r.disabled_reason.clone(),
            previous_secret_valid_until: r
                .previous_secret_expires_at
                .filter(|t| t.0 > Timestamp::now().0),
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// An endpoint with its signing secret: the answer of create and rotate, the only times the
/// secret is shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EndpointWithSecret {
    /// The endpoint.
    #[serde(flatten)]
    pub endpoint: Endpoint,
    /// The signing secret (`whsec_` + base64): keep it, it is not shown again.
    pub secret: String,
}

/// The body of `POST /v1/webhook-endpoints`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    /// `https://...` (or `http://` to loopback when the server allows it).
    pub url: String,
    /// Event types, `claim.*` patterns or `["*"]`.
    #[schema(schema_with = crate::events::types::subscription_schema)]
    pub event_types: Vec<String>,
    /// A note for people (at most 500 characters).
    #[schema(max_length = 500, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub description: Option<String>,
}

/// The body of `PATCH /v1/webhook-endpoints/{id}`: the fields to change.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointPatch {
    /// A new URL.
    pub url: Option<String>,
    /// New subscriptions.
    #[schema(schema_with = crate::events::types::optional_subscription_schema)]
    pub event_types: Option<Vec<String>>,
    /// A new note.
    #[schema(max_length = 500, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub description: Option<String>,
    /// false disables the endpoint; true enables it again (clearing the reason).
    pub enabled: Option<bool>,
}

/// A delivery attempt as stored and shown.
#[derive(
    Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema,
)]
#[diesel(table_name = webhook_attempts)]
pub struct Attempt {
    /// Id.
    pub id: AttemptId,
    /// The delivery (event to endpoint).
    pub delivery_id: DeliveryId,
    /// The endpoint.
    pub endpoint_id: EndpointId,
    /// The event (the `webhook-id` sent).
    pub event_id: EventId,
    /// When the attempt started.
    pub attempted_at: Timestamp,
    /// The HTTP status answered (none: no answer, e.g. refused or timed out).
    pub status_code: Option<i32>,
    /// Milliseconds until the answer or the failure.
    pub latency_ms: i64,
    /// Whether it counted as delivered (a 2xx).
    pub succeeded: bool,
    /// The first 200 characters of the answer, or the error.
    pub response_excerpt: Option<String>,
}
