DROP INDEX events_type_position;
CREATE INDEX events_type_position ON events (event_type, position);
CREATE INDEX events_unsequenced ON events (id) WHERE position IS NULL;
