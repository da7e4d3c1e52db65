-- Encounters: a visit with its diagnoses and service lines, fee schedules that price lines,
-- and admin overrides of scrubber findings.

CREATE TABLE encounters (
    id text PRIMARY KEY,
    patient_id text NOT NULL REFERENCES patients (id),
    -- Copied from the coverage (whose payer never changes) so the work queue filters by payer.
    payer_id text REFERENCES payers (id),
    date_of_service date NOT NULL,
    date_of_service_to date,
    place_of_service text,
    rendering_provider_id text REFERENCES providers (id),
    billing_provider_id text REFERENCES providers (id),
    referring_provider_id text REFERENCES providers (id),
    coverage_id text REFERENCES coverages (id),
    status text NOT NULL,
    hold_reason text,
    void_reason text,
    notes text,
    -- Unoverridden scrubber errors and warnings as of the last write, validate or sign-off.
    error_count integer NOT NULL DEFAULT 0,
    warning_count integer NOT NULL DEFAULT 0,
    signed_off_at text,
    signed_off_by text,
    version integer NOT NULL DEFAULT 1,
    created_at text NOT NULL,
    updated_at text NOT NULL
);
CREATE INDEX encounters_patient ON encounters (patient_id);
CREATE INDEX encounters_status_date ON encounters (status, date_of_service);
CREATE INDEX encounters_date ON encounters (date_of_service);
CREATE INDEX encounters_rendering ON encounters (rendering_provider_id);
CREATE INDEX encounters_billing ON encounters (billing_provider_id);
CREATE INDEX encounters_payer ON encounters (payer_id);
CREATE INDEX encounters_errors ON encounters (id) WHERE error_count > 0;

CREATE TABLE encounter_diagnoses (
    encounter_id text NOT NULL REFERENCES encounters (id) ON DELETE CASCADE,
    position integer NOT NULL,
    code text NOT NULL,
    PRIMARY KEY (encounter_id, position)
);

CREATE TABLE encounter_lines (
    id text PRIMARY KEY,
    encounter_id text NOT NULL REFERENCES encounters (id) ON DELETE CASCADE,
    position integer NOT NULL,
    code text NOT NULL,
    code_system text NOT NULL,
    modifiers text NOT NULL,
    units integer NOT NULL,
    charge_cents bigint NOT NULL,
    charge_source text NOT NULL,
    diagnosis_pointers text NOT NULL,
    date_of_service date,
    place_of_service text,
    ndc text,
    ndc_quantity real,
    ndc_unit text,
    specimen_id text,
    on_hold boolean NOT NULL DEFAULT false,
    UNIQUE (encounter_id, position)
);

CREATE TABLE fee_schedules (
    id text PRIMARY KEY,
    payer_id text REFERENCES payers (id),
    code text NOT NULL,
    modifier text,
    charge_cents bigint NOT NULL,
    effective_from date NOT NULL,
    effective_to date,
    version integer NOT NULL DEFAULT 1,
    created_at text NOT NULL,
    updated_at text NOT NULL
);
CREATE INDEX fee_schedules_code ON fee_schedules (code, effective_from);
CREATE INDEX fee_schedules_payer ON fee_schedules (payer_id, code);

CREATE TABLE finding_overrides (
    id text PRIMARY KEY,
    encounter_id text NOT NULL REFERENCES encounters (id) ON DELETE CASCADE,
    rule text NOT NULL,
    path text NOT NULL,
    message text NOT NULL,
    reason text NOT NULL,
    overridden_by text NOT NULL,
    at text NOT NULL,
    UNIQUE (encounter_id, rule, path)
);
