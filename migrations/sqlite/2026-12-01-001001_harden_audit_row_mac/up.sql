-- Issue 10 item 3: a keyed MAC the service computes over each audit row it writes (key held
-- outside the database), so the sealer can tell rows inserted behind the service's back.
ALTER TABLE audit_log ADD COLUMN mac text;
