-- Batch eligibility runs (issue 16, docs/eligibility.md): one row per
-- `POST /v1/eligibility/run?date=`, with what it found; its checks name it in `run_id`.
-- Checks the run queued wait as `pending` until the worker sends them, hence the status index.

CREATE TABLE eligibility_runs (
    id text PRIMARY KEY NOT NULL,
    service_date date NOT NULL,
    -- Re-check coverages already checked for that date.
    force boolean NOT NULL,
    actor text NOT NULL,
    -- Distinct active coverages with an encounter on the date.
    coverages integer NOT NULL,
    queued integer NOT NULL,
    -- Coverages skipped because a check for the date exists (without force).
    already_checked integer NOT NULL,
    -- JSON [{coverage_id, reason}] of coverages no 270 could be built for.
    not_sendable text NOT NULL,
    created_at text NOT NULL
);
ALTER TABLE eligibility_checks ADD COLUMN run_id text REFERENCES eligibility_runs (id);
CREATE INDEX eligibility_checks_run ON eligibility_checks (run_id);
CREATE INDEX eligibility_checks_status ON eligibility_checks (status, created_at);
