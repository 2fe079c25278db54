-- The dashboard lists the newest subscriptions and audit events on every
-- refresh. Without these indexes each refresh sorted the whole tables (a
-- hundred thousand subscriptions take a good part of a second); with them
-- the newest rows are read straight off the index.
CREATE INDEX user_subscriptions_newest ON user_subscriptions (subscribed_at, id);
CREATE INDEX topic_events_newest ON topic_events (at, id);
