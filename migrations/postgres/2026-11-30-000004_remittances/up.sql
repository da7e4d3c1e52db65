-- Remittances: one row per 835 payment (transaction set, BPR/TRN) with the raw file, the parsed
-- payment, its balance check and warnings; and the unmatched queue of claim payments that could
-- not be tied to a claim (or whose lines fit none of the claim's) until a person attaches them.

CREATE TABLE remittances (
    id uuid PRIMARY KEY,
    file_name text NOT NULL,
    -- ISA06, ISA13, ST02, TRN02: the same payment of the same interchange is stored (and posted) once.
    sender_id text NOT NULL,
    interchange_control_number text NOT NULL,
    transaction_control_number text NOT NULL,
    trace_number text NOT NULL,
    payer_name text NOT NULL,
    -- N1*PR N104 or REF*2U, when given.
    payer_identifier text,
    payment_cents bigint NOT NULL,
    credit_debit text NOT NULL,
    payment_method text NOT NULL,
    payment_date date,
    -- posted, out_of_balance, partially_unmatched, unmatched.
    status text NOT NULL,
    balanced boolean NOT NULL,
    claims_total integer NOT NULL,
    claims_posted integer NOT NULL,
    claims_unmatched integer NOT NULL,
    -- JSON: x12::era::Payment (PHI), the balance check, the reader's and matcher's warnings,
    -- and the per-claim posting outcomes.
    parsed text NOT NULL,
    balance text NOT NULL,
    warnings text NOT NULL,
    postings text NOT NULL,
    -- The whole 835 file as received (PHI).
    raw text NOT NULL,
    received_by text NOT NULL,
    received_at timestamptz NOT NULL,
    version integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX remittances_payment ON remittances
    (sender_id, interchange_control_number, transaction_control_number, trace_number);
CREATE INDEX remittances_received ON remittances (received_at, id);
CREATE INDEX remittances_status ON remittances (status);

CREATE TABLE remittance_unmatched (
    id uuid PRIMARY KEY,
    remittance_id uuid NOT NULL REFERENCES remittances (id),
    -- 0-based position of the CLP in its payment.
    claim_index integer NOT NULL,
    patient_control_number text NOT NULL,
    -- unknown_claim or unmatched_lines.
    reason text NOT NULL,
    -- The claim found by CLP01 when only lines failed.
    candidate_claim_id uuid REFERENCES claims (id),
    -- JSON: x12::era::ClaimPayment (PHI).
    claim_payment text NOT NULL,
    -- open or matched.
    status text NOT NULL,
    matched_claim_id uuid REFERENCES claims (id),
    matched_by text,
    matched_at timestamptz,
    created_at timestamptz NOT NULL,
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX remittance_unmatched_status ON remittance_unmatched (status, created_at, id);
CREATE INDEX remittance_unmatched_remittance ON remittance_unmatched (remittance_id);
