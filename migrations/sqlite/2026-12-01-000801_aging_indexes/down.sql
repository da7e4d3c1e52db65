DROP INDEX claims_aging;
DROP INDEX ledger_entries_aging;
