-- The topic registry: topics, who subscribes to them, and every change of state.
-- PostgreSQL's spelling of migrations/ step 000001, with the same tables and
-- columns. Text that is listed in order is compared byte by byte
-- (COLLATE "C"), as SQLite does, so both registries sort alike.

CREATE TABLE topics (
    id SERIAL PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'active', 'inactive', 'rejected')),
    partitions INTEGER NOT NULL DEFAULT 3 CHECK (partitions >= 1),
    replication_factor INTEGER NOT NULL DEFAULT 1 CHECK (replication_factor >= 1),
    data_type TEXT NOT NULL,
    created_by TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    approved_at TIMESTAMP,
    activated_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);

CREATE INDEX topics_by_status ON topics (status);

CREATE TABLE user_subscriptions (
    id SERIAL PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL,
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    subscribed_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    UNIQUE (user_id, topic_id)
);

CREATE INDEX user_subscriptions_by_topic ON user_subscriptions (topic_id);

CREATE TABLE topic_events (
    id SERIAL PRIMARY KEY,
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    -- NULL for the event that records a topic's creation.
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT,
    at TIMESTAMP NOT NULL
);

CREATE INDEX topic_events_by_topic ON topic_events (topic_id);
