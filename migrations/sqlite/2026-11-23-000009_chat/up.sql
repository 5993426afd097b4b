-- Buyer–seller chat. One conversation per (buyer, shop); the shop side is shared by its members.
-- last_seq is the conversation's message counter: a message takes last_seq + 1 in the same
-- transaction that inserts it, so seqs are gap-free and increasing per conversation.
-- Unread counters are kept per side so the conversation list and the badge need no counting.
CREATE TABLE chat_conversations (
    id INTEGER PRIMARY KEY,
    buyer_id BIGINT NOT NULL REFERENCES users (id),
    shop_id BIGINT NOT NULL REFERENCES shops (id),
    last_seq BIGINT NOT NULL DEFAULT 0,
    last_message_at TIMESTAMP,
    last_preview TEXT,
    buyer_read_seq BIGINT NOT NULL DEFAULT 0,
    shop_read_seq BIGINT NOT NULL DEFAULT 0,
    buyer_unread BIGINT NOT NULL DEFAULT 0,
    shop_unread BIGINT NOT NULL DEFAULT 0,
    buyer_delivered_seq BIGINT NOT NULL DEFAULT 0,
    shop_delivered_seq BIGINT NOT NULL DEFAULT 0,
    blocked_at TIMESTAMP,
    blocked_by BIGINT REFERENCES users (id),
    away_sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX chat_conversations_pair ON chat_conversations (buyer_id, shop_id);
CREATE INDEX chat_conversations_shop ON chat_conversations (shop_id, updated_at);
CREATE INDEX chat_conversations_buyer ON chat_conversations (buyer_id, updated_at);

-- side: buyer, shop or system. sender_id is null for automatic messages (greeting, away
-- message, order notices). client_msg_id makes a resend after a flaky network a no-op.
CREATE TABLE chat_messages (
    id INTEGER PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES chat_conversations (id),
    seq BIGINT NOT NULL,
    side TEXT NOT NULL,
    sender_id BIGINT REFERENCES users (id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    card TEXT,
    client_msg_id TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX chat_messages_seq ON chat_messages (conversation_id, seq);
CREATE UNIQUE INDEX chat_messages_client_id ON chat_messages (conversation_id, sender_id, client_msg_id);

-- A shop's automatic messages: a greeting when a buyer first writes, and an away message when
-- a buyer writes outside the shop's customer-service hours.
CREATE TABLE chat_shop_settings (
    shop_id BIGINT PRIMARY KEY REFERENCES shops (id),
    greeting TEXT,
    away_message TEXT,
    updated_at TIMESTAMP NOT NULL
);

-- Words masked in every message (admin-managed).
CREATE TABLE chat_sensitive_words (
    word TEXT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL
);

-- A participant's report of a conversation; it is what lets an admin read the conversation.
CREATE TABLE chat_reports (
    id INTEGER PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES chat_conversations (id),
    reporter_id BIGINT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP,
    closed_by BIGINT REFERENCES users (id)
);
CREATE INDEX chat_reports_status ON chat_reports (status, id);
