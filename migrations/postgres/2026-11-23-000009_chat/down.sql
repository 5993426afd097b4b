DROP TABLE chat_reports;
DROP TABLE chat_sensitive_words;
DROP TABLE chat_shop_settings;
DROP TABLE chat_messages;
DROP TABLE chat_conversations;
