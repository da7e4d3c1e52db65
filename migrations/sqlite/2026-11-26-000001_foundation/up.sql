CREATE TABLE users (
    id text PRIMARY KEY,
    username text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    role text NOT NULL,
    active boolean NOT NULL DEFAULT true,
    version integer NOT NULL DEFAULT 1,
    created_at text NOT NULL,
    updated_at text NOT NULL
);

CREATE TABLE service_accounts (
    id text PRIMARY KEY,
    client_id text NOT NULL UNIQUE,
    secret_hash text NOT NULL,
    name text NOT NULL,
    role text NOT NULL,
    active boolean NOT NULL DEFAULT true,
    version integer NOT NULL DEFAULT 1,
    created_at text NOT NULL,
    updated_at text NOT NULL
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id text NOT NULL UNIQUE,
    occurred_at text NOT NULL,
    actor text NOT NULL,
    actor_role text NOT NULL,
    action text NOT NULL,
    resource_type text NOT NULL,
    resource_id text,
    request_id text,
    outcome text NOT NULL,
    seq bigint UNIQUE,
    prev_hash text,
    hash text
);
CREATE INDEX audit_log_unsealed ON audit_log (id) WHERE seq IS NULL;
CREATE INDEX audit_log_actor ON audit_log (actor, occurred_at);
CREATE INDEX audit_log_resource ON audit_log (resource_type, resource_id);
CREATE INDEX audit_log_time ON audit_log (occurred_at);

-- Append-only: rows are never deleted; the only update allowed is sealing an unsealed row.
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_seal_only BEFORE UPDATE ON audit_log
WHEN OLD.seq IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.event_id IS NOT OLD.event_id
  OR NEW.occurred_at IS NOT OLD.occurred_at OR NEW.actor IS NOT OLD.actor
  OR NEW.actor_role IS NOT OLD.actor_role OR NEW.action IS NOT OLD.action
  OR NEW.resource_type IS NOT OLD.resource_type OR NEW.resource_id IS NOT OLD.resource_id
  OR NEW.request_id IS NOT OLD.request_id OR NEW.outcome IS NOT OLD.outcome
BEGIN
    SELECT RAISE(ABORT, 'audit_log rows cannot be changed once written');
END;

CREATE TABLE idempotency_keys (
    actor text NOT NULL,
    idem_key text NOT NULL,
    method text NOT NULL,
    path text NOT NULL,
    body_hash text NOT NULL,
    status integer NOT NULL,
    response_body text NOT NULL,
    location text,
    etag text,
    created_at text NOT NULL,
    PRIMARY KEY (actor, idem_key)
);

CREATE TABLE patients (
    id text PRIMARY KEY,
    mrn text NOT NULL UNIQUE,
    first_name text NOT NULL,
    middle_name text,
    last_name text NOT NULL,
    birth_date date NOT NULL,
    sex text NOT NULL,
    address_line1 text,
    address_line2 text,
    city text,
    state text,
    postal_code text,
    phone text,
    search_first text NOT NULL,
    search_last text NOT NULL,
    active boolean NOT NULL DEFAULT true,
    version integer NOT NULL DEFAULT 1,
    created_at text NOT NULL,
    updated_at text NOT NULL
);
CREATE INDEX patients_search_last ON patients (search_last, search_first);
CREATE INDEX patients_birth_date ON patients (birth_date);

CREATE TABLE providers (
    id text PRIMARY KEY,
    npi text NOT NULL UNIQUE,
    entity_type text NOT NULL,
    first_name text,
    last_name text NOT NULL,
    taxonomy text,
    roles text NOT NULL,
    tax_id text,
    address_line1 text,
    city text,
    state text,
    postal_code text,
    phone text,
    active boolean NOT NULL DEFAULT true,
    version integer NOT NULL DEFAULT 1,
    created_at text NOT NULL,
    updated_at text NOT NULL
);

CREATE TABLE payers (
    id text PRIMARY KEY,
    name text NOT NULL,
    edi_payer_id text NOT NULL,
    claim_filing_indicator text NOT NULL,
    timely_filing_days integer NOT NULL,
    address_line1 text,
    city text,
    state text,
    postal_code text,
    active boolean NOT NULL DEFAULT true,
    version integer NOT NULL DEFAULT 1,
    created_at text NOT NULL,
    updated_at text NOT NULL
);
CREATE INDEX payers_edi_payer_id ON payers (edi_payer_id);

CREATE TABLE coverages (
    id text PRIMARY KEY,
    patient_id text NOT NULL REFERENCES patients (id),
    payer_id text NOT NULL REFERENCES payers (id),
    member_id text NOT NULL,
    group_number text,
    relationship_code text NOT NULL,
    subscriber_first_name text,
    subscriber_last_name text,
    subscriber_birth_date date,
    subscriber_sex text,
    priority text NOT NULL,
    effective_from date NOT NULL,
    effective_to date,
    active boolean NOT NULL DEFAULT true,
    version integer NOT NULL DEFAULT 1,
    created_at text NOT NULL,
    updated_at text NOT NULL
);
CREATE INDEX coverages_patient ON coverages (patient_id);
CREATE INDEX coverages_payer ON coverages (payer_id);
