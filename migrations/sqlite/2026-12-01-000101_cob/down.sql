ALTER TABLE payers DROP COLUMN auto_bill_secondary;
DROP TABLE claim_cob;
