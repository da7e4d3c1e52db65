DROP TABLE remittance_unmatched;
DROP TABLE remittances;
