-- The consumer's local message store: every record it has received, once
-- per Kafka position, so a redelivered record is not stored twice.

CREATE TABLE messages (
    -- Insertion order; `history` shows the newest rows by it.
    id INTEGER PRIMARY KEY NOT NULL,
    topic TEXT NOT NULL,
    kafka_partition INTEGER NOT NULL,
    kafka_offset BIGINT NOT NULL,
    message_key TEXT,
    data_type TEXT NOT NULL,
    -- The envelope's timestamp as the producer wrote it (RFC 3339).
    sent_at TEXT NOT NULL,
    -- The envelope's payload, as JSON text.
    payload TEXT NOT NULL,
    -- When the consumer stored it (RFC 3339, UTC); text like sent_at, and
    -- formatted once per batch rather than once per row.
    received_at TEXT NOT NULL,
    UNIQUE (topic, kafka_partition, kafka_offset)
);
