// @generated automatically by Diesel CLI.

diesel::table! {
    kafka_acl_grants (principal, resource_type, resource_name, operation) {
        principal -> Text,
        resource_type -> Text,
        resource_name -> Text,
        operation -> Text,
    }
}

diesel::table! {
    schemas (id) {
        id -> Integer,
        topic_id -> Integer,
        subject -> Text,
        version -> Nullable<Integer>,
        schema -> Text,
        status -> Text,
        requested_by -> Text,
        created_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    subject_configs (subject) {
        subject -> Text,
        compatibility -> Text,
    }
}

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
    topic_configs (topic_id, key) {
        topic_id -> Integer,
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    topic_change_requests (id) {
        id -> Integer,
        topic_id -> Integer,
        partitions_from -> Integer,
        partitions_to -> Integer,
        status -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        reason -> Nullable<Text>,
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
    topic_kafka_events (id) {
        id -> Integer,
        topic_id -> Integer,
        from_state -> Text,
        to_state -> Text,
        error -> Nullable<Text>,
        actor -> Text,
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
        kafka_state -> Text,
        kafka_error -> Nullable<Text>,
        kafka_partitions -> Nullable<Integer>,
        kafka_replication_factor -> Nullable<Integer>,
        kafka_checked_at -> Nullable<Timestamp>,
        value_format -> Text,
    }
}

diesel::table! {
    user_events (id) {
        id -> Integer,
        user_id -> Text,
        action -> Text,
        actor -> Text,
        at -> Timestamp,
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

diesel::table! {
    user_tokens (id) {
        id -> Integer,
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    users (user_id) {
        user_id -> Text,
        roles -> Text,
        created_at -> Timestamp,
        created_by -> Text,
        deleted_at -> Nullable<Timestamp>,
        kafka_generation -> Integer,
        kafka_applied_generation -> Nullable<Integer>,
    }
}

diesel::joinable!(schemas -> topics (topic_id));
diesel::joinable!(subscription_events -> topics (topic_id));
diesel::joinable!(topic_configs -> topics (topic_id));
diesel::joinable!(topic_change_requests -> topics (topic_id));
diesel::joinable!(topic_events -> topics (topic_id));
diesel::joinable!(topic_kafka_events -> topics (topic_id));
diesel::joinable!(user_subscriptions -> topics (topic_id));
diesel::joinable!(user_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    kafka_acl_grants,
    schemas,
    subject_configs,
    subscription_events,
    topic_configs,
    topic_change_requests,
    topic_events,
    topic_kafka_events,
    topics,
    user_events,
    user_subscriptions,
    user_tokens,
    users,
);
