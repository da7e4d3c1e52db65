-- PLB provider-level adjustments posted to the ledger: money a payer adds to (interest L6, a
-- negative amount) or withholds from (overpayment recovery WO, forwarding balance FB, levy LE,
-- ...) a payment, which belongs to no claim line. One row per PLB reason/amount pair of a posted
-- payment, tied to its remittance and payer. Append-only like the rest of the ledger.

CREATE TABLE ledger_provider_adjustments (
    id uuid PRIMARY KEY,
    remittance_id uuid NOT NULL REFERENCES remittances (id),
    -- The payer of the payment's claims, when one could be told.
    payer_id uuid REFERENCES payers (id),
    -- The 835's payer id (N1*PR N104 or REF*2U), else the sender (ISA06): with the trace number
    -- and position, the same payment inside two files posts its PLB once.
    payer_key text NOT NULL,
    trace_number text NOT NULL,
    -- 0-based position of the reason/amount pair among the payment's PLB pairs.
    position integer NOT NULL,
    -- PLB01 and PLB02.
    provider_identifier text NOT NULL,
    fiscal_period_date date,
    -- PLB03-1 (L6, FB, WO, LE, CS, 72, J1, ...) and PLB03-2.
    reason_code text NOT NULL,
    reference text,
    -- As received: positive reduces the payment (the provider owes it), negative adds to it.
    amount_cents bigint NOT NULL,
    paid_on date,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    UNIQUE (payer_key, trace_number, position)
);
CREATE INDEX ledger_provider_adjustments_remittance ON ledger_provider_adjustments (remittance_id);
CREATE INDEX ledger_provider_adjustments_payer ON ledger_provider_adjustments (payer_id);

CREATE TRIGGER ledger_provider_adjustments_append_only
    BEFORE UPDATE OR DELETE ON ledger_provider_adjustments
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_provider_adjustments_no_truncate BEFORE TRUNCATE ON ledger_provider_adjustments
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
