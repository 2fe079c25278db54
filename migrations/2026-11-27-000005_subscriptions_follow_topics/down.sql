-- Back to the two actions of 000002; the status changes' events go.

CREATE TABLE subscription_events_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('subscribed', 'unsubscribed')),
    actor TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);

INSERT INTO subscription_events_old (id, topic_id, user_id, action, actor, at)
    SELECT id, topic_id, user_id, action, actor, at FROM subscription_events
    WHERE action IN ('subscribed', 'unsubscribed');

DROP INDEX subscription_events_by_topic;
DROP TABLE subscription_events;
ALTER TABLE subscription_events_old RENAME TO subscription_events;
CREATE INDEX subscription_events_by_topic ON subscription_events (topic_id);
