DROP TABLE topic_kafka_events;
ALTER TABLE topics DROP COLUMN kafka_checked_at;
ALTER TABLE topics DROP COLUMN kafka_replication_factor;
ALTER TABLE topics DROP COLUMN kafka_partitions;
ALTER TABLE topics DROP COLUMN kafka_error;
ALTER TABLE topics DROP COLUMN kafka_state;
