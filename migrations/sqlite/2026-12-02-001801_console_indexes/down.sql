DROP INDEX encounters_patient_id;
DROP INDEX encounters_status_id;
DROP INDEX encounters_status_errors;
