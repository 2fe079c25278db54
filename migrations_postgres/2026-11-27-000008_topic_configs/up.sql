-- Kafka topic configs a request asked for (a whitelist, checked by the
-- admin service), applied when the producer creates the topic. A table of
-- its own rather than columns on topics: one row per key set.

CREATE TABLE topic_configs (
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    key TEXT NOT NULL
        CHECK (key IN ('retention.ms', 'cleanup.policy', 'max.message.bytes')),
    value TEXT NOT NULL,
    PRIMARY KEY (topic_id, key)
);
