-- Specimens: the specimen log (accession numbers from a per-year counter), and its append-only
-- chain of custody. See docs/specimens.md.

-- One row per accession year; the create transaction takes the next number from it.
CREATE TABLE accession_counters (
    year integer PRIMARY KEY,
    next_seq bigint NOT NULL
);

CREATE TABLE specimens (
    id text PRIMARY KEY,
    accession_number text NOT NULL UNIQUE,
    patient_id text NOT NULL REFERENCES patients (id),
    encounter_id text REFERENCES encounters (id),
    ordering_provider_id text NOT NULL REFERENCES providers (id),
    specimen_type text NOT NULL,
    source_site text,
    container text,
    volume double precision,
    volume_unit text,
    collected_at text NOT NULL,
    collected_by text NOT NULL,
    -- JSON array of {code, code_system, loinc}.
    tests text NOT NULL,
    priority text NOT NULL,
    status text NOT NULL,
    -- When the status last changed (drives "overdue in transit").
    status_changed_at text NOT NULL,
    location text,
    reject_reason text,
    reject_note text,
    recollection_of text REFERENCES specimens (id),
    received_at text,
    billed_lines_added boolean NOT NULL DEFAULT false,
    notes text,
    created_by text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_at text NOT NULL,
    updated_at text NOT NULL
);
CREATE INDEX specimens_patient ON specimens (patient_id);
CREATE INDEX specimens_encounter ON specimens (encounter_id);
CREATE INDEX specimens_status ON specimens (status, status_changed_at);
CREATE INDEX specimens_collected ON specimens (collected_at);
CREATE UNIQUE INDEX specimens_recollection ON specimens (recollection_of);

CREATE TABLE specimen_events (
    id text PRIMARY KEY,
    specimen_id text NOT NULL REFERENCES specimens (id),
    seq integer NOT NULL,
    action text NOT NULL,
    from_status text,
    to_status text,
    from_location text,
    to_location text,
    condition text,
    temperature_c double precision,
    actor text NOT NULL,
    at text NOT NULL,
    note text,
    UNIQUE (specimen_id, seq)
);

-- Chain of custody is append-only: the storage refuses to change or remove an event.
CREATE TRIGGER specimen_events_no_update BEFORE UPDATE ON specimen_events
BEGIN
    SELECT RAISE(ABORT, 'specimen_events is append-only');
END;
CREATE TRIGGER specimen_events_no_delete BEFORE DELETE ON specimen_events
BEGIN
    SELECT RAISE(ABORT, 'specimen_events is append-only');
END;
