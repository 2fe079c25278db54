-- A topic's deactivation and reactivation now change its subscriptions'
-- status, and each such change is audited. SQLite cannot alter a CHECK
-- constraint, so the table is rebuilt with the two new actions; its rows
-- and ids are kept.

CREATE TABLE subscription_events_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (
        action IN ('subscribed', 'unsubscribed', 'deactivated', 'reactivated')
    ),
    actor TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);

INSERT INTO subscription_events_new (id, topic_id, user_id, action, actor, at)
    SELECT id, topic_id, user_id, action, actor, at FROM subscription_events;

DROP INDEX subscription_events_by_topic;
DROP TABLE subscription_events;
ALTER TABLE subscription_events_new RENAME TO subscription_events;
CREATE INDEX subscription_events_by_topic ON subscription_events (topic_id);

-- Registries from before this change may hold active subscriptions of
-- deactivated topics: they become inactive too, each change audited.
INSERT INTO subscription_events (topic_id, user_id, action, actor, at)
    SELECT s.topic_id, s.user_id, 'deactivated', 'migration', CURRENT_TIMESTAMP
    FROM user_subscriptions s JOIN topics t ON t.id = s.topic_id
    WHERE t.status = 'inactive' AND s.status = 'active';

UPDATE user_subscriptions SET status = 'inactive'
    WHERE status = 'active'
      AND topic_id IN (SELECT id FROM topics WHERE status = 'inactive');
