//! Chat's tables: conversations (one per buyer and shop), their messages, reports, the
//! masked words and each shop's greeting and away message.

use super::{shops, users};

diesel::table! {
    chat_conversations (id) {
        id -> BigInt,
        buyer_id -> BigInt,
        shop_id -> BigInt,
        last_seq -> BigInt,
        last_message_at -> Nullable<Timestamp>,
        last_preview -> Nullable<Text>,
        buyer_read_seq -> BigInt,
        shop_read_seq -> BigInt,
        buyer_unread -> BigInt,
        shop_unread -> BigInt,
        buyer_delivered_seq -> BigInt,
        shop_delivered_seq -> BigInt,
        blocked_at -> Nullable<Timestamp>,
        blocked_by -> Nullable<BigInt>,
        away_sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    chat_messages (id) {
        id -> BigInt,
        conversation_id -> BigInt,
        seq -> BigInt,
        side -> Text,
        sender_id -> Nullable<BigInt>,
        kind -> Text,
        body -> Text,
        card -> Nullable<Text>,
        client_msg_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    chat_shop_settings (shop_id) {
        shop_id -> BigInt,
        greeting -> Nullable<Text>,
        away_message -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    chat_sensitive_words (word) {
        word -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    chat_reports (id) {
        id -> BigInt,
        conversation_id -> BigInt,
        reporter_id -> BigInt,
        reason -> Text,
        status -> Text,
        created_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        closed_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    search_synonyms (id) {
        id -> BigInt,
        members -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(chat_messages -> chat_conversations (conversation_id));
diesel::joinable!(chat_reports -> chat_conversations (conversation_id));
diesel::joinable!(chat_conversations -> shops (shop_id));
diesel::joinable!(chat_conversations -> users (buyer_id));
