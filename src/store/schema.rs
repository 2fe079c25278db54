// @generated automatically by Diesel CLI.
// (`diesel print-schema --sqlite-integer-primary-key-is-bigint` against a
// store created from store_migrations/; tests/admin/schema.rs fails when
// the two disagree. PostgreSQL stores, from store_migrations_postgres/,
// have the same table; tests/consumer/store.rs checks that they do.)

diesel::table! {
    messages (id) {
        id -> BigInt,
        topic -> Text,
        kafka_partition -> Integer,
        kafka_offset -> BigInt,
        message_key -> Nullable<Text>,
        data_type -> Text,
        sent_at -> Text,
        payload -> Text,
        received_at -> Text,
    }
}
