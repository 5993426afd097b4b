-- Visits are written tens of thousands a second in a scan storm: without AUTOINCREMENT SQLite does
-- not update sqlite_sequence for each row, and the index by visitor no longer repeats the time
-- (a visitor has few visits; they are sorted after the lookup).
CREATE TABLE link_visits_lean (
    id INTEGER PRIMARY KEY,
    link_id BIGINT NOT NULL REFERENCES short_links (id),
    visited_at TIMESTAMP NOT NULL,
    -- the China-time day
    day TEXT NOT NULL,
    client TEXT NOT NULL,
    device TEXT NOT NULL,
    bot BOOLEAN NOT NULL,
    user_id BIGINT REFERENCES users (id),
    visitor TEXT
);
INSERT INTO link_visits_lean (id, link_id, visited_at, day, client, device, bot, user_id, visitor)
    SELECT id, link_id, visited_at, day, client, device, bot, user_id, visitor FROM link_visits;
DROP TABLE link_visits;
ALTER TABLE link_visits_lean RENAME TO link_visits;
CREATE INDEX link_visits_by_link ON link_visits (link_id, day);
CREATE INDEX link_visits_by_user ON link_visits (user_id, visited_at) WHERE user_id IS NOT NULL;
CREATE INDEX link_visits_by_visitor ON link_visits (visitor);
