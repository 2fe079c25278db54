-- The consumer's message store on PostgreSQL: the same columns and unique
-- key as store_migrations/ (SQLite), so consumers sharing one store keep
-- each Kafka position once, however many of them receive it.

CREATE TABLE messages (
    -- Insertion order; `history` shows the newest rows by it.
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic TEXT NOT NULL,
    kafka_partition INTEGER NOT NULL,
    kafka_offset BIGINT NOT NULL,
    message_key TEXT,
    data_type TEXT NOT NULL,
    -- The envelope's timestamp as the producer wrote it (RFC 3339).
    sent_at TEXT NOT NULL,
    -- The envelope's payload, as JSON text.
    payload TEXT NOT NULL,
    -- When the consumer stored it (RFC 3339, UTC).
    received_at TEXT NOT NULL,
    UNIQUE (topic, kafka_partition, kafka_offset)
);
