-- Aging (reports/aging.rs) sums each claim's entries made before the cutoff, then joins the
-- claim for its payer or patient and day. Both indexes cover what that query reads, so it scans
-- the ledger in claim order without touching the entry rows and finds each claim in the index
-- alone (docs/performance.md, issue 12).
CREATE INDEX ledger_entries_aging
    ON ledger_entries (claim_id, created_at, payer_cents, patient_cents, next_payer_cents);
CREATE INDEX claims_aging
    ON claims (id, date_of_service, payer_id, patient_id, submitted_at, created_at);
