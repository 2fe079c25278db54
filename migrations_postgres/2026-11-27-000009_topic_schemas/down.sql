ALTER TABLE topics DROP COLUMN value_format;
DROP TABLE subject_configs;
DROP TABLE schemas;
