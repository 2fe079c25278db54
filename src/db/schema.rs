// @generated automatically by Diesel CLI.

diesel::table! {
    subscription_events (id) {
        id -> Integer,
        topic_id -> Integer,
        user_id -> Text,
        action -> Text,
        actor -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    topic_events (id) {
        id -> Integer,
        topic_id -> Integer,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor -> Text,
        reason -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    topics (id) {
        id -> Integer,
        name -> Text,
        status -> Text,
        partitions -> Integer,
        replication_factor -> Integer,
        data_type -> Text,
        created_by -> Text,
        description -> Text,
        created_at -> Timestamp,
        approved_at -> Nullable<Timestamp>,
        activated_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_subscriptions (id) {
        id -> Integer,
        user_id -> Text,
        topic_id -> Integer,
        subscribed_at -> Timestamp,
        status -> Text,
    }
}

diesel::joinable!(subscription_events -> topics (topic_id));
diesel::joinable!(topic_events -> topics (topic_id));
diesel::joinable!(user_subscriptions -> topics (topic_id));

diesel::allow_tables_to_appear_in_same_query!(
    subscription_events,
    topic_events,
    topics,
    user_subscriptions,
);
