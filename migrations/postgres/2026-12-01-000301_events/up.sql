-- Events (issue 15): a transactional outbox of state changes, the feed order, webhook
-- endpoints, their delivery queue (the submission queue's lease/backoff/dead-letter shape)
-- and every delivery attempt.

CREATE TABLE events (
    -- UUID v7, written in the transaction of the change.
    id uuid PRIMARY KEY,
    event_type text NOT NULL,
    occurred_at timestamptz NOT NULL,
    resource_type text NOT NULL,
    resource_id uuid NOT NULL,
    resource_version integer NOT NULL,
    -- JSON object: ids and statuses only, never PHI.
    payload text NOT NULL,
    -- The feed position: given after commit by the sequencer, in commit order (NULL until then).
    position bigint UNIQUE
);
CREATE INDEX events_unsequenced ON events (id) WHERE position IS NULL;
CREATE INDEX events_type_position ON events (event_type, position);

-- One row: the last feed position handed out (taken under a row lock).
CREATE TABLE event_sequence (
    id integer PRIMARY KEY NOT NULL CHECK (id = 1),
    last_position bigint NOT NULL
);
INSERT INTO event_sequence (id, last_position) VALUES (1, 0);

CREATE TABLE webhook_endpoints (
    id uuid PRIMARY KEY,
    url text NOT NULL,
    -- JSON array of event types; ["*"] for all.
    event_types text NOT NULL,
    description text,
    -- whsec_<base64>; the previous one stays valid until previous_secret_expires_at.
    secret text NOT NULL,
    previous_secret text,
    previous_secret_expires_at timestamptz,
    enabled boolean NOT NULL,
    disabled_reason text,
    version integer NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE webhook_deliveries (
    id uuid PRIMARY KEY,
    event_id uuid NOT NULL REFERENCES events (id),
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- pending, leased, done, dead or cancelled.
    status text NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    lease_owner text,
    lease_expires_at timestamptz,
    last_error text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, status);

CREATE TABLE webhook_attempts (
    id uuid PRIMARY KEY,
    delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id uuid NOT NULL,
    attempted_at timestamptz NOT NULL,
    -- HTTP status, or NULL when no answer came (refused, timed out).
    status_code integer,
    latency_ms bigint NOT NULL,
    succeeded boolean NOT NULL,
    -- The first 200 characters of the answer or the error.
    response_excerpt text
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);
