-- Coordination of benefits: a claim billed to the next payer (secondary, tertiary) names the
-- claim it follows; the balance it carries came from that claim by ledger transfers.
CREATE TABLE claim_cob (
    -- The claim billed to the next payer.
    claim_id uuid PRIMARY KEY REFERENCES claims (id),
    -- The claim whose payer adjudicated before (a claim goes to the next payer once).
    prior_claim_id uuid NOT NULL UNIQUE REFERENCES claims (id),
    -- The first (primary) claim of the chain: ledger lines balance over the chain.
    root_claim_id uuid NOT NULL REFERENCES claims (id),
    -- 2 secondary, 3 tertiary.
    sequence integer NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL
);
CREATE INDEX claim_cob_root ON claim_cob (root_claim_id);

-- Bill the next payer automatically when this payer's remittance is posted.
ALTER TABLE payers ADD COLUMN auto_bill_secondary boolean NOT NULL DEFAULT false;
