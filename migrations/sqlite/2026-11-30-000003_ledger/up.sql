-- The receivables ledger: every posting (one payer decision about one claim, or a manual EOB),
-- the money entries per claim line, and the denial reasons of lines left open for work.
-- All three are append-only: a correction is a new row that names what it reverses.

CREATE TABLE ledger_postings (
    id text PRIMARY KEY,
    claim_id text NOT NULL REFERENCES claims (id),
    payer_id text NOT NULL REFERENCES payers (id),
    -- CLP02 (1, 2, 3, 4, 19, 20, 21, 22).
    status_code text NOT NULL,
    -- TRN02 check/EFT number or the manual reference ('' when none was given).
    payment_ref text NOT NULL,
    remittance_id text,
    payer_claim_number text,
    paid_cents bigint NOT NULL,
    patient_responsibility_cents bigint NOT NULL,
    paid_on date,
    -- Set on a reversal (CLP02 22): the posting it undoes.
    reverses_posting_id text REFERENCES ledger_postings (id),
    created_at text NOT NULL,
    created_by text NOT NULL,
    -- A payment posts once: the same 835 twice, or the same payment in two files.
    UNIQUE (payer_id, payment_ref, claim_id, status_code)
);
CREATE INDEX ledger_postings_claim ON ledger_postings (claim_id);
CREATE INDEX ledger_postings_reverses ON ledger_postings (reverses_posting_id);

CREATE TABLE ledger_entries (
    id text PRIMARY KEY,
    claim_id text NOT NULL REFERENCES claims (id),
    -- 1-based position in the claim snapshot's lines.
    line_number integer NOT NULL,
    posting_id text REFERENCES ledger_postings (id),
    -- charge, payment, adjustment, patient_responsibility, transfer_to_payer,
    -- transfer_to_patient, patient_payment, refund, write_off.
    kind text NOT NULL,
    amount_cents bigint NOT NULL,
    -- The entry's effect on the line's open balance, split by who owes it.
    payer_cents bigint NOT NULL,
    patient_cents bigint NOT NULL,
    next_payer_cents bigint NOT NULL,
    payer_id text REFERENCES payers (id),
    group_code text,
    reason_code text,
    -- RARC remark codes, comma-separated.
    remark_codes text,
    -- control_number, fallback or manual.
    matched_by text,
    note text,
    reverses_entry_id text UNIQUE REFERENCES ledger_entries (id),
    created_at text NOT NULL,
    created_by text NOT NULL
);
CREATE INDEX ledger_entries_line ON ledger_entries (claim_id, line_number);
CREATE INDEX ledger_entries_posting ON ledger_entries (posting_id);

CREATE TABLE ledger_denials (
    id text PRIMARY KEY,
    posting_id text NOT NULL REFERENCES ledger_postings (id),
    claim_id text NOT NULL REFERENCES claims (id),
    line_number integer NOT NULL,
    group_code text NOT NULL,
    reason_code text NOT NULL,
    amount_cents bigint NOT NULL,
    remark_codes text
);
CREATE INDEX ledger_denials_claim ON ledger_denials (claim_id);

CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
BEGIN
    SELECT RAISE(ABORT, 'ledger_postings is append-only');
END;
CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
BEGIN
    SELECT RAISE(ABORT, 'ledger_postings is append-only');
END;

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;

CREATE TRIGGER ledger_denials_no_update BEFORE UPDATE ON ledger_denials
BEGIN
    SELECT RAISE(ABORT, 'ledger_denials is append-only');
END;
CREATE TRIGGER ledger_denials_no_delete BEFORE DELETE ON ledger_denials
BEGIN
    SELECT RAISE(ABORT, 'ledger_denials is append-only');
END;
