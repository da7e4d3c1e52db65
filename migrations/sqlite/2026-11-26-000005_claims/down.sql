DROP TABLE acknowledgments;
DROP TABLE control_counters;
DROP TABLE submission_jobs;
DROP TABLE interchanges;
DROP TABLE claim_events;
DROP TABLE claims;
