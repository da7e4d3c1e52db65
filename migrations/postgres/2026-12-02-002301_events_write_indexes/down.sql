DROP INDEX events_type_position;
CREATE INDEX events_type_position ON events (event_type, position);
DROP INDEX events_position;
ALTER TABLE events ADD CONSTRAINT events_position_key UNIQUE (position);
