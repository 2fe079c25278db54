-- Subscriptions and unsubscriptions are audited apart from topic_events:
-- they change who reads a topic, not the topic's state.

CREATE TABLE subscription_events (
    id SERIAL PRIMARY KEY,
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    user_id TEXT COLLATE "C" NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('subscribed', 'unsubscribed')),
    actor TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);

CREATE INDEX subscription_events_by_topic ON subscription_events (topic_id);
