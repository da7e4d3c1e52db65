DROP TABLE finding_overrides;
DROP TABLE fee_schedules;
DROP TABLE encounter_lines;
DROP TABLE encounter_diagnoses;
DROP TABLE encounters;
