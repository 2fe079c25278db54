DROP INDEX subscription_events_by_topic;
DROP TABLE subscription_events;
