-- One row counting code-table imports: every server polls it and reloads its tables when it
-- changes (issue 19).
CREATE TABLE codeset_version (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO codeset_version (id, version) VALUES (1, 0);
