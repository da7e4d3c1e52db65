DROP TABLE specimen_events;
DROP FUNCTION specimen_events_guard();
DROP TABLE specimens;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT sequencename FROM pg_sequences WHERE sequencename LIKE 'accession\_seq\_%' LOOP
        EXECUTE 'DROP SEQUENCE ' || quote_ident(r.sequencename);
    END LOOP;
END $$;
