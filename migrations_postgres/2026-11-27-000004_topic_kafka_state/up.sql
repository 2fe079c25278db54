-- Kafka's side of each topic, as the producer's reconciler last found it:
-- the registry's status is the desired state, these columns the actual one.

ALTER TABLE topics ADD COLUMN kafka_state TEXT NOT NULL DEFAULT 'not_created'
    CHECK (kafka_state IN ('not_created', 'creating', 'created', 'failed',
                           'conflict', 'drifted', 'deleted'));
ALTER TABLE topics ADD COLUMN kafka_error TEXT;
ALTER TABLE topics ADD COLUMN kafka_partitions INTEGER;
ALTER TABLE topics ADD COLUMN kafka_replication_factor INTEGER;
ALTER TABLE topics ADD COLUMN kafka_checked_at TIMESTAMP;

UPDATE topics SET kafka_state = 'created' WHERE status IN ('active', 'inactive');

-- One row per change of Kafka state or error, never per repeated report.
CREATE TABLE topic_kafka_events (
    id SERIAL PRIMARY KEY,
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL
        CHECK (to_state IN ('not_created', 'creating', 'created', 'failed',
                            'conflict', 'drifted', 'deleted')),
    error TEXT,
    actor TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);

CREATE INDEX topic_kafka_events_by_topic ON topic_kafka_events (topic_id);
CREATE INDEX topic_kafka_events_by_time ON topic_kafka_events (at);
