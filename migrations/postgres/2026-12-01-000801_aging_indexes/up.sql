-- Nothing on PostgreSQL. The SQLite migration of this name adds covering indexes for the aging
-- query; PostgreSQL answers aging with a hash join over sequential scans (92 ms p99 over 102,000
-- open lines, docs/performance.md) and did not use them, so it would only pay for them on every
-- ledger insert. The migration exists so both backends keep the same list.
SELECT 1;
