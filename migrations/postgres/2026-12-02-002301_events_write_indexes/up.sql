-- Issue 15: writing an event must add at most 10 % to the change it records. Each index the
-- insert touches is more WAL and more work in the change's transaction, so the insert now
-- touches the table, its primary key and the small partial index of unsequenced events only:
-- * the unique index on position leaves out the NULL (unsequenced) positions;
-- * the type filter of the feed reads sequenced events only, so its index leaves out the
--   unsequenced ones too (the sequencer adds both entries when it numbers the event).
ALTER TABLE events DROP CONSTRAINT events_position_key;
CREATE UNIQUE INDEX events_position ON events (position) WHERE position IS NOT NULL;
DROP INDEX events_type_position;
CREATE INDEX events_type_position ON events (event_type, position) WHERE position IS NOT NULL;
