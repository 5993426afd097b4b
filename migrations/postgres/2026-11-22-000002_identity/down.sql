DROP TABLE sms_messages;
DROP TABLE shop_applications;
DROP TABLE shop_members;
DROP TABLE shops;
DROP TABLE addresses;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE users;
