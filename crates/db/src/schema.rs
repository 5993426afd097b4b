//! The one portable schema. Both migration folders must produce exactly these tables and columns;
//! `tests/schema_parity.rs` holds them to it.

diesel::table! {
    outbox_events (id) {
        id -> BigInt,
        topic -> Text,
        entity_id -> BigInt,
        kind -> Text,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox_positions (follower) {
        follower -> Text,
        position -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(outbox_events, outbox_positions);
