DROP TABLE specimen_events;
DROP FUNCTION specimen_events_guard();
DROP TABLE specimens;
DROP TABLE accession_counters;
