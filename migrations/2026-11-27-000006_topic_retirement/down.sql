-- Back to one row per name and no 'deleted' status: deleted topics become
-- rejected (their record and links kept), and their subscriptions' removal
-- events read as unsubscriptions. Fails on a name that was requested
-- again after its deletion, rather than lose either topic.

PRAGMA foreign_keys = OFF;

BEGIN IMMEDIATE;

CREATE TABLE topics_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL UNIQUE,
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
    updated_at TIMESTAMP NOT NULL,
    kafka_state TEXT NOT NULL DEFAULT 'not_created'
        CHECK (kafka_state IN ('not_created', 'creating', 'created', 'failed',
                               'conflict', 'drifted', 'deleted')),
    kafka_error TEXT,
    kafka_partitions INTEGER,
    kafka_replication_factor INTEGER,
    kafka_checked_at TIMESTAMP
);

INSERT INTO topics_old (id, name, status, partitions, replication_factor, data_type,
                        created_by, description, created_at, approved_at, activated_at,
                        updated_at, kafka_state, kafka_error, kafka_partitions,
                        kafka_replication_factor, kafka_checked_at)
    SELECT id, name, CASE status WHEN 'deleted' THEN 'rejected' ELSE status END,
           partitions, replication_factor, data_type,
           created_by, description, created_at, approved_at, activated_at,
           updated_at, kafka_state, kafka_error, kafka_partitions,
           kafka_replication_factor, kafka_checked_at
    FROM topics;

DROP TABLE topics;
ALTER TABLE topics_old RENAME TO topics;

CREATE INDEX topics_by_status ON topics (status);
CREATE INDEX topics_by_collision_key ON topics (replace(lower(name), '.', '_'));

CREATE TABLE subscription_events_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (
        action IN ('subscribed', 'unsubscribed', 'deactivated', 'reactivated')
    ),
    actor TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);

INSERT INTO subscription_events_old (id, topic_id, user_id, action, actor, at)
    SELECT id, topic_id, user_id,
           CASE action WHEN 'deleted' THEN 'unsubscribed' ELSE action END, actor, at
    FROM subscription_events;

DROP TABLE subscription_events;
ALTER TABLE subscription_events_old RENAME TO subscription_events;
CREATE INDEX subscription_events_by_topic ON subscription_events (topic_id);

COMMIT;

PRAGMA foreign_keys = ON;
