DROP TABLE codeset_version;
