DROP TABLE coverages;
DROP TABLE payers;
DROP TABLE providers;
DROP TABLE patients;
DROP TABLE idempotency_keys;
DROP TABLE audit_log;
DROP TABLE service_accounts;
DROP TABLE users;
