DROP TABLE codeset_import_rows;
DROP TABLE codeset_imports;
