-- Issue 15: an event insert now touches two b-trees (the table and its primary key) instead of
-- three. The unsequenced events are no longer found through NULL entries of a UNIQUE position
-- index but by rowid: one writer at a time makes rowid order commit order, and the sequencer
-- numbers events in rowid order, so every event above the rowid of the last numbered one is
-- unsequenced (src/events/store.rs). SQLite cannot drop a column's UNIQUE constraint, so the
-- table is rebuilt; the copy keeps numbered events first, in position order, then the
-- unsequenced in their commit order, so the rule holds for the rows carried over too.
-- webhook_deliveries references events(id): the drop's implicit delete is a deferred violation
-- that the re-inserted parent rows resolve before the migration's transaction commits.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE events_rebuild AS
    SELECT id, event_type, occurred_at, resource_type, resource_id, resource_version, payload,
           position
    FROM events
    ORDER BY position IS NULL, position, rowid;
DROP TABLE events;
CREATE TABLE events (
    -- UUID v7, written in the transaction of the change.
    id text PRIMARY KEY,
    event_type text NOT NULL,
    occurred_at text NOT NULL,
    resource_type text NOT NULL,
    resource_id text NOT NULL,
    resource_version integer NOT NULL,
    -- JSON object: ids and statuses only, never PHI.
    payload text NOT NULL,
    -- The feed position: given after commit by the sequencer, in commit (rowid) order.
    position bigint
);
INSERT INTO events (id, event_type, occurred_at, resource_type, resource_id, resource_version,
                    payload, position)
    SELECT id, event_type, occurred_at, resource_type, resource_id, resource_version, payload,
           position
    FROM events_rebuild
    ORDER BY rowid;
DROP TABLE events_rebuild;
CREATE UNIQUE INDEX events_position ON events (position) WHERE position IS NOT NULL;
CREATE INDEX events_type_position ON events (event_type, position) WHERE position IS NOT NULL;
