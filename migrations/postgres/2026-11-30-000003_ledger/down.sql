DROP TABLE ledger_denials;
DROP TABLE ledger_entries;
DROP TABLE ledger_postings;
DROP FUNCTION ledger_append_only();
