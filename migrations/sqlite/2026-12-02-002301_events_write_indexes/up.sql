-- Issue 15: writing an event must add at most 10 % to the change it records. Each index the
-- insert touches is another page in the commit's WAL (synced with synchronous = FULL), so the
-- insert now touches the table, its primary key and the position index only:
-- * unsequenced events are found through the UNIQUE index on position, which holds the NULL
--   positions too (in rowid order, which on SQLite, one writer at a time, is commit order);
--   the separate partial index on them is gone;
-- * the type filter of the feed reads sequenced events only, so its index leaves out the
--   unsequenced ones and an insert no longer touches it (the sequencer adds the entry).
DROP INDEX events_unsequenced;
DROP INDEX events_type_position;
CREATE INDEX events_type_position ON events (event_type, position) WHERE position IS NOT NULL;
