CREATE TABLE users (
    id uuid PRIMARY KEY,
    username text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    role text NOT NULL,
    active boolean NOT NULL DEFAULT true,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE service_accounts (
    id uuid PRIMARY KEY,
    client_id text NOT NULL UNIQUE,
    secret_hash text NOT NULL,
    name text NOT NULL,
    role text NOT NULL,
    active boolean NOT NULL DEFAULT true,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    event_id uuid NOT NULL UNIQUE,
    occurred_at timestamptz NOT NULL,
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
CREATE FUNCTION audit_log_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'audit_log is append-only';
    END IF;
    IF OLD.seq IS NOT NULL
       OR (NEW.id, NEW.event_id, NEW.occurred_at, NEW.actor, NEW.actor_role, NEW.action,
           NEW.resource_type, NEW.resource_id, NEW.request_id, NEW.outcome)
          IS DISTINCT FROM
          (OLD.id, OLD.event_id, OLD.occurred_at, OLD.actor, OLD.actor_role, OLD.action,
           OLD.resource_type, OLD.resource_id, OLD.request_id, OLD.outcome) THEN
        RAISE EXCEPTION 'audit_log rows cannot be changed once written';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_guard_rows BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
CREATE TRIGGER audit_log_guard_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard();

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
    created_at timestamptz NOT NULL,
    PRIMARY KEY (actor, idem_key)
);

CREATE TABLE patients (
    id uuid PRIMARY KEY,
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
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX patients_search_last ON patients (search_last text_pattern_ops, search_first);
CREATE INDEX patients_birth_date ON patients (birth_date);

CREATE TABLE providers (
    id uuid PRIMARY KEY,
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
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE payers (
    id uuid PRIMARY KEY,
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
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX payers_edi_payer_id ON payers (edi_payer_id);

CREATE TABLE coverages (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients (id),
    payer_id uuid NOT NULL REFERENCES payers (id),
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
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX coverages_patient ON coverages (patient_id);
CREATE INDEX coverages_payer ON coverages (payer_id);
