DROP INDEX eligibility_checks_status;
DROP INDEX eligibility_checks_run;
ALTER TABLE eligibility_checks DROP COLUMN run_id;
DROP TABLE eligibility_runs;
