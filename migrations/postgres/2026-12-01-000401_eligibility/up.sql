-- Eligibility checks (270/271, docs/eligibility.md): one row per inquiry, with the 270 sent,
-- the raw and parsed 271 and the front-desk summary. Looked up by coverage and date (the
-- encounter and the scrubber ask for the latest check of a coverage on a date of service) and
-- by trace number (a 271 coming back through the file queue names its 270 by TRN02).

CREATE TABLE eligibility_checks (
    id uuid PRIMARY KEY NOT NULL,
    coverage_id uuid NOT NULL REFERENCES coverages (id),
    patient_id uuid NOT NULL REFERENCES patients (id),
    provider_id uuid NOT NULL REFERENCES providers (id),
    service_date date NOT NULL,
    -- EQ01 codes asked for, comma-joined.
    service_types text NOT NULL,
    -- queued (270 in the outbox, waiting for the 271), complete, failed.
    status text NOT NULL,
    -- http (real time) or filedrop (queued).
    channel text NOT NULL,
    trace_number text NOT NULL UNIQUE,
    request_x12 text NOT NULL,
    response_x12 text,
    -- JSON of the parsed 271 and of the summary.
    result text,
    summary text,
    -- The summary's verdict (NULL: no answer, or the payer rejected the inquiry).
    active boolean,
    error text,
    -- JSON of the corrections the payer offered (member id, name, birth date), if any.
    correction text,
    correction_applied_at timestamptz,
    version integer NOT NULL,
    created_at timestamptz NOT NULL,
    completed_at timestamptz
);
CREATE INDEX eligibility_checks_coverage ON eligibility_checks (coverage_id, service_date, created_at);
