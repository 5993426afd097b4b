-- Search synonym groups (a JSON array of phrases each), seeded with common ones; admins edit them.
CREATE TABLE search_synonyms (
    id INTEGER PRIMARY KEY,
    members TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO search_synonyms (members, created_at) VALUES
    ('["充电宝","移动电源","power bank"]', '2026-11-23 00:00:00'),
    ('["手机","mobile phone","smartphone"]', '2026-11-23 00:00:00'),
    ('["耳机","earphones","headphones"]', '2026-11-23 00:00:00');
CREATE INDEX shops_location ON shops (latitude, longitude);
