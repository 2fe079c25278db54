DROP INDEX topic_events_newest;
DROP INDEX user_subscriptions_newest;
