-- Billed services for the scrubber's history checks (claim.duplicate_service): one row per
-- service line of every claim, written when the claim is created. Looked up by patient, date
-- of service and code, hence the index.

CREATE TABLE claim_services (
    claim_id uuid NOT NULL REFERENCES claims (id),
    -- 1-based line number on the claim.
    line_no integer NOT NULL,
    patient_id uuid NOT NULL REFERENCES patients (id),
    -- The line's own date of service.
    date_of_service date NOT NULL,
    code text NOT NULL,
    -- The line's modifiers, upper case, sorted, comma-joined ('' when none).
    modifiers text NOT NULL,
    units integer NOT NULL,
    PRIMARY KEY (claim_id, line_no)
);
CREATE INDEX claim_services_lookup ON claim_services (patient_id, date_of_service, code);
