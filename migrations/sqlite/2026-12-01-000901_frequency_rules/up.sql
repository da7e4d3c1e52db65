-- Payer frequency limits (scrubber rule frequency.exceeded): how many units of a code a payer
-- pays per period. A rule applies to every payer, to one payer (payer_id), or to every payer
-- with a claim filing indicator (MB: Medicare Part B). Rows bundled with medbill
-- (codesets/tables/frequency_limits.tsv) carry their seed_key, so start-up adds new ones once and
-- never brings back one the office deactivated.
CREATE TABLE frequency_rules (
    id text PRIMARY KEY,
    code text NOT NULL,
    payer_id text REFERENCES payers (id),
    claim_filing_indicator text,
    max_units integer NOT NULL CHECK (max_units > 0),
    period_kind text NOT NULL
        CHECK (period_kind IN ('day', 'calendar_year', 'rolling_months', 'calendar_months', 'lifetime')),
    period_months integer CHECK (period_months IS NULL OR period_months BETWEEN 1 AND 1200),
    description text NOT NULL,
    source text,
    seed_key text UNIQUE,
    active boolean NOT NULL DEFAULT true,
    version integer NOT NULL DEFAULT 1,
    created_at text NOT NULL,
    updated_at text NOT NULL
);
CREATE INDEX frequency_rules_code ON frequency_rules (code);
