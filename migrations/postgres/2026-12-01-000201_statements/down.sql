DROP TABLE patient_payment_entries;
DROP TABLE patient_payments;
DROP TABLE statements;
