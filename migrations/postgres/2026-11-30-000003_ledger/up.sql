-- The receivables ledger: every posting (one payer decision about one claim, or a manual EOB),
-- the money entries per claim line, and the denial reasons of lines left open for work.
-- All three are append-only: a correction is a new row that names what it reverses.

CREATE TABLE ledger_postings (
    id uuid PRIMARY KEY,
    claim_id uuid NOT NULL REFERENCES claims (id),
    payer_id uuid NOT NULL REFERENCES payers (id),
    -- CLP02 (1, 2, 3, 4, 19, 20, 21, 22).
    status_code text NOT NULL,
    -- TRN02 check/EFT number or the manual reference ('' when none was given).
    payment_ref text NOT NULL,
    remittance_id uuid,
    payer_claim_number text,
    paid_cents bigint NOT NULL,
    patient_responsibility_cents bigint NOT NULL,
    paid_on date,
    -- Set on a reversal (CLP02 22): the posting it undoes.
    reverses_posting_id uuid REFERENCES ledger_postings (id),
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    -- A payment posts once: the same 835 twice, or the same payment in two files.
    UNIQUE (payer_id, payment_ref, claim_id, status_code)
);
CREATE INDEX ledger_postings_claim ON ledger_postings (claim_id);
CREATE INDEX ledger_postings_reverses ON ledger_postings (reverses_posting_id);

CREATE TABLE ledger_entries (
    id uuid PRIMARY KEY,
    claim_id uuid NOT NULL REFERENCES claims (id),
    -- 1-based position in the claim snapshot's lines.
    line_number integer NOT NULL,
    posting_id uuid REFERENCES ledger_postings (id),
    -- charge, payment, adjustment, patient_responsibility, transfer_to_payer,
    -- transfer_to_patient, patient_payment, refund, write_off.
    kind text NOT NULL,
    amount_cents bigint NOT NULL,
    -- The entry's effect on the line's open balance, split by who owes it.
    payer_cents bigint NOT NULL,
    patient_cents bigint NOT NULL,
    next_payer_cents bigint NOT NULL,
    payer_id uuid REFERENCES payers (id),
    group_code text,
    reason_code text,
    -- RARC remark codes, comma-separated.
    remark_codes text,
    -- control_number, fallback or manual.
    matched_by text,
    note text,
    reverses_entry_id uuid UNIQUE REFERENCES ledger_entries (id),
    created_at timestamptz NOT NULL,
    created_by text NOT NULL
);
CREATE INDEX ledger_entries_line ON ledger_entries (claim_id, line_number);
CREATE INDEX ledger_entries_posting ON ledger_entries (posting_id);

CREATE TABLE ledger_denials (
    id uuid PRIMARY KEY,
    posting_id uuid NOT NULL REFERENCES ledger_postings (id),
    claim_id uuid NOT NULL REFERENCES claims (id),
    line_number integer NOT NULL,
    group_code text NOT NULL,
    reason_code text NOT NULL,
    amount_cents bigint NOT NULL,
    remark_codes text
);
CREATE INDEX ledger_denials_claim ON ledger_denials (claim_id);

CREATE FUNCTION ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_denials_append_only BEFORE UPDATE OR DELETE ON ledger_denials
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_denials_no_truncate BEFORE TRUNCATE ON ledger_denials
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
