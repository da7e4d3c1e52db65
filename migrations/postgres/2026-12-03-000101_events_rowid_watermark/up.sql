-- Nothing on PostgreSQL. The SQLite migration of this name rebuilds `events` so an insert
-- touches two b-trees, finding unsequenced events by rowid; PostgreSQL has no commit-ordered
-- row number and keeps its small partial index of the unsequenced (2026-12-02-002301). The
-- migration exists so both backends keep the same list.
SELECT 1;
