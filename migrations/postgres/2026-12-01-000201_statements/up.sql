-- Patient statements (a snapshot of what a patient owes, rendered as JSON and PDF) and patient
-- payments and refunds at the desk or by mail. See docs/statements.md.

CREATE TABLE statements (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients (id),
    statement_date date NOT NULL,
    due_date date NOT NULL,
    -- What the patient owes on the statement (open patient balance less unapplied credit).
    amount_due_cents bigint NOT NULL,
    -- The whole snapshot as JSON (practice, address, visits, lines, aging): never changed.
    content text NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL
);
CREATE INDEX statements_patient ON statements (patient_id, created_at);

-- Money from (payment) or back to (refund) a patient. No card numbers: only a reference.
CREATE TABLE patient_payments (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients (id),
    -- payment or refund.
    kind text NOT NULL,
    -- cash, check or card.
    method text NOT NULL,
    -- desk or mail.
    channel text NOT NULL,
    -- Check number or card authorisation reference.
    reference text,
    amount_cents bigint NOT NULL,
    received_on date NOT NULL,
    note text,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL
);
CREATE INDEX patient_payments_patient ON patient_payments (patient_id, created_at);

-- Which ledger entries (patient_payment, refund) each payment or refund wrote.
CREATE TABLE patient_payment_entries (
    entry_id uuid PRIMARY KEY REFERENCES ledger_entries (id),
    payment_id uuid NOT NULL REFERENCES patient_payments (id)
);
CREATE INDEX patient_payment_entries_payment ON patient_payment_entries (payment_id);

CREATE TRIGGER patient_payments_append_only BEFORE UPDATE OR DELETE ON patient_payments
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER patient_payments_no_truncate BEFORE TRUNCATE ON patient_payments
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER statements_append_only BEFORE UPDATE ON statements
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
