DROP TABLE topic_events;
DROP TABLE user_subscriptions;
DROP TABLE topics;
