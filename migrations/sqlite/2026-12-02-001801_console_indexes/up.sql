-- The console's billing queue and patient page (issue 18, docs/performance.md):
-- * the status tabs count encounters per status and error count: with this index the GROUP BY
--   reads the index alone instead of every encounter row;
-- * a queue page is one status in id order (50 rows): read straight off (status, id) instead
--   of sorting every encounter of that status;
-- * a patient's visits in id order (20 rows): likewise (patient_id, id).
CREATE INDEX encounters_status_errors ON encounters (status, error_count);
CREATE INDEX encounters_status_id ON encounters (status, id);
CREATE INDEX encounters_patient_id ON encounters (patient_id, id);
