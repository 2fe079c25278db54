DROP TABLE subscription_events;
