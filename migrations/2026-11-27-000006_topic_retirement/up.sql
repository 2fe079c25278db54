-- Topics can be deleted: the record stays, with status 'deleted', and its
-- name may be requested again. SQLite can alter neither the CHECK on
-- status nor the UNIQUE on name, so `topics` is rebuilt (SQLite's
-- twelve-step way): ids, rows and every link to them are kept. Names, and
-- their collision keys, stay unique only among topics not deleted.
--
-- Foreign keys are off while the old table is dropped: with them on, the
-- drop would delete every subscription and audit row of every topic. The
-- pragma only takes effect outside a transaction, hence metadata.toml.

PRAGMA foreign_keys = OFF;

BEGIN IMMEDIATE;

CREATE TABLE topics_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'active', 'inactive', 'rejected', 'deleted')),
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

INSERT INTO topics_new (id, name, status, partitions, replication_factor, data_type,
                        created_by, description, created_at, approved_at, activated_at,
                        updated_at, kafka_state, kafka_error, kafka_partitions,
                        kafka_replication_factor, kafka_checked_at)
    SELECT id, name, status, partitions, replication_factor, data_type,
           created_by, description, created_at, approved_at, activated_at,
           updated_at, kafka_state, kafka_error, kafka_partitions,
           kafka_replication_factor, kafka_checked_at
    FROM topics;

DROP TABLE topics;
ALTER TABLE topics_new RENAME TO topics;

CREATE INDEX topics_by_status ON topics (status);
CREATE UNIQUE INDEX topics_live_name ON topics (name) WHERE status <> 'deleted';
-- The expression must stay identical to the one in src/db/topics.rs, and
-- so must the WHERE, for SQLite to use it.
CREATE INDEX topics_by_collision_key ON topics (replace(lower(name), '.', '_'))
    WHERE status <> 'deleted';

-- A deleted topic's subscriptions are removed, each removal audited.
CREATE TABLE subscription_events_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (
        action IN ('subscribed', 'unsubscribed', 'deactivated', 'reactivated', 'deleted')
    ),
    actor TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);

INSERT INTO subscription_events_new (id, topic_id, user_id, action, actor, at)
    SELECT id, topic_id, user_id, action, actor, at FROM subscription_events;

DROP TABLE subscription_events;
ALTER TABLE subscription_events_new RENAME TO subscription_events;
CREATE INDEX subscription_events_by_topic ON subscription_events (topic_id);

COMMIT;

PRAGMA foreign_keys = ON;
