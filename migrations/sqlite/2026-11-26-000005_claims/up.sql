-- Claims: immutable snapshots of signed-off encounters with their history, the submission
-- queue (an outbox), the interchanges it sends, persisted X12 control numbers and the
-- acknowledgments received.

CREATE TABLE claims (
    id text PRIMARY KEY,
    encounter_id text NOT NULL REFERENCES encounters (id),
    patient_id text NOT NULL REFERENCES patients (id),
    coverage_id text NOT NULL REFERENCES coverages (id),
    payer_id text NOT NULL REFERENCES payers (id),
    date_of_service date NOT NULL,
    -- draft, validated, queued, submitted, accepted, rejected.
    status text NOT NULL,
    -- CLM05-3: 1 original, 7 replacement, 8 void.
    frequency text NOT NULL,
    -- CLM01, unique per office.
    patient_control_number text NOT NULL UNIQUE,
    -- The payer's claim control number: from a 277CA, or carried by a replacement or void.
    payer_claim_number text,
    replaces_claim_id text REFERENCES claims (id),
    total_charge_cents bigint NOT NULL,
    -- The immutable snapshot (JSON) the 837P is written from.
    snapshot text NOT NULL,
    submitted_at text,
    interchange_id text,
    version integer NOT NULL DEFAULT 1,
    created_at text NOT NULL,
    updated_at text NOT NULL
);
CREATE INDEX claims_status ON claims (status, id);
CREATE INDEX claims_payer ON claims (payer_id);
CREATE INDEX claims_encounter ON claims (encounter_id);
CREATE INDEX claims_date ON claims (date_of_service);
CREATE INDEX claims_submitted ON claims (submitted_at);
CREATE INDEX claims_replaces ON claims (replaces_claim_id);

CREATE TABLE claim_events (
    id text PRIMARY KEY,
    claim_id text NOT NULL REFERENCES claims (id),
    from_status text,
    to_status text NOT NULL,
    actor text NOT NULL,
    at text NOT NULL,
    reason text,
    -- JSON array of {code, meaning} (acknowledgment status codes), when any.
    codes text
);
CREATE INDEX claim_events_claim ON claim_events (claim_id, id);

CREATE TABLE interchanges (
    id text PRIMARY KEY,
    sender text NOT NULL,
    receiver text NOT NULL,
    payer_id text NOT NULL REFERENCES payers (id),
    isa_control bigint NOT NULL,
    gs_control bigint NOT NULL,
    st_control bigint NOT NULL,
    file_name text NOT NULL,
    content text NOT NULL,
    claim_count integer NOT NULL,
    -- built (control numbers taken, not yet confirmed sent), sent, accepted, rejected.
    status text NOT NULL,
    sent_at text,
    created_at text NOT NULL,
    UNIQUE (sender, isa_control)
);
CREATE INDEX interchanges_gs ON interchanges (sender, gs_control);

CREATE TABLE submission_jobs (
    id text PRIMARY KEY,
    claim_id text NOT NULL UNIQUE REFERENCES claims (id),
    payer_id text NOT NULL,
    -- pending, leased, done, dead.
    status text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at text NOT NULL,
    lease_owner text,
    lease_expires_at text,
    last_error text,
    interchange_id text REFERENCES interchanges (id),
    created_at text NOT NULL,
    updated_at text NOT NULL
);
CREATE INDEX submission_jobs_due ON submission_jobs (status, next_attempt_at);
CREATE INDEX submission_jobs_interchange ON submission_jobs (interchange_id);

CREATE TABLE control_counters (
    sender text PRIMARY KEY,
    next_isa bigint NOT NULL,
    next_gs bigint NOT NULL,
    next_st bigint NOT NULL
);

CREATE TABLE acknowledgments (
    id text PRIMARY KEY,
    -- 999 or 277CA (unknown when unreadable).
    kind text NOT NULL,
    file_name text NOT NULL,
    raw text NOT NULL,
    interchange_id text,
    -- JSON of the reader's result, or null when unreadable.
    parsed text,
    error text,
    received_at text NOT NULL
);
