-- Back to the shape of 2026-12-02-002301: position UNIQUE on the column (NULLs indexed).
PRAGMA defer_foreign_keys = ON;
CREATE TABLE events_rebuild AS
    SELECT id, event_type, occurred_at, resource_type, resource_id, resource_version, payload,
           position
    FROM events
    ORDER BY rowid;
DROP TABLE events;
CREATE TABLE events (
    id text PRIMARY KEY,
    event_type text NOT NULL,
    occurred_at text NOT NULL,
    resource_type text NOT NULL,
    resource_id text NOT NULL,
    resource_version integer NOT NULL,
    payload text NOT NULL,
    position bigint UNIQUE
);
INSERT INTO events (id, event_type, occurred_at, resource_type, resource_id, resource_version,
                    payload, position)
    SELECT id, event_type, occurred_at, resource_type, resource_id, resource_version, payload,
           position
    FROM events_rebuild
    ORDER BY rowid;
DROP TABLE events_rebuild;
CREATE INDEX events_type_position ON events (event_type, position) WHERE position IS NOT NULL;
