-- Specimens: the specimen log and its append-only chain of custody. See docs/specimens.md.
-- Accession numbers come from one sequence per year (accession_seq_2026, ...), made by the
-- service on first use; sequences take no row lock, so several servers accession in parallel.

CREATE TABLE specimens (
    id uuid PRIMARY KEY,
    accession_number text NOT NULL UNIQUE,
    patient_id uuid NOT NULL REFERENCES patients (id),
    encounter_id uuid REFERENCES encounters (id),
    ordering_provider_id uuid NOT NULL REFERENCES providers (id),
    specimen_type text NOT NULL,
    source_site text,
    container text,
    volume double precision,
    volume_unit text,
    collected_at timestamptz NOT NULL,
    collected_by text NOT NULL,
    -- JSON array of {code, code_system, loinc}.
    tests text NOT NULL,
    priority text NOT NULL,
    status text NOT NULL,
    -- When the status last changed (drives "overdue in transit").
    status_changed_at timestamptz NOT NULL,
    location text,
    reject_reason text,
    reject_note text,
    recollection_of uuid REFERENCES specimens (id),
    received_at timestamptz,
    billed_lines_added boolean NOT NULL DEFAULT false,
    notes text,
    created_by text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX specimens_patient ON specimens (patient_id);
CREATE INDEX specimens_encounter ON specimens (encounter_id);
CREATE INDEX specimens_status ON specimens (status, status_changed_at);
CREATE INDEX specimens_collected ON specimens (collected_at);
CREATE UNIQUE INDEX specimens_recollection ON specimens (recollection_of);

CREATE TABLE specimen_events (
    id uuid PRIMARY KEY,
    specimen_id uuid NOT NULL REFERENCES specimens (id),
    seq integer NOT NULL,
    action text NOT NULL,
    from_status text,
    to_status text,
    from_location text,
    to_location text,
    condition text,
    temperature_c double precision,
    actor text NOT NULL,
    at timestamptz NOT NULL,
    note text,
    UNIQUE (specimen_id, seq)
);

-- Chain of custody is append-only: the storage refuses to change or remove an event.
CREATE FUNCTION specimen_events_guard() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'specimen_events is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER specimen_events_guard_rows BEFORE UPDATE OR DELETE ON specimen_events
    FOR EACH ROW EXECUTE FUNCTION specimen_events_guard();
CREATE TRIGGER specimen_events_guard_truncate BEFORE TRUNCATE ON specimen_events
    FOR EACH STATEMENT EXECUTE FUNCTION specimen_events_guard();
