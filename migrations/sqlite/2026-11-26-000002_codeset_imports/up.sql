-- Code tables imported by an office (a licensed CPT file, CMS MUE, a newer ICD-10-CM or HCPCS
-- release). Loaded at start as overlays on the bundled tables.
CREATE TABLE codeset_imports (
    id text PRIMARY KEY,
    system text NOT NULL,
    label text NOT NULL,
    effective_from date NOT NULL,
    effective_to date,
    complete boolean NOT NULL,
    row_count integer NOT NULL,
    imported_at text NOT NULL,
    imported_by text NOT NULL
);

CREATE TABLE codeset_import_rows (
    import_id text NOT NULL REFERENCES codeset_imports (id),
    code text NOT NULL,
    title text NOT NULL,
    billable boolean NOT NULL,
    max_units integer,
    PRIMARY KEY (import_id, code)
);
