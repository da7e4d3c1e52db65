DROP TRIGGER specimen_events_no_delete;
DROP TRIGGER specimen_events_no_update;
DROP TABLE specimen_events;
DROP TABLE specimens;
DROP TABLE accession_counters;
