CREATE TABLE link_visits_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    link_id BIGINT NOT NULL REFERENCES short_links (id),
    visited_at TIMESTAMP NOT NULL,
    day TEXT NOT NULL,
    client TEXT NOT NULL,
    device TEXT NOT NULL,
    bot BOOLEAN NOT NULL,
    user_id BIGINT REFERENCES users (id),
    visitor TEXT
);
INSERT INTO link_visits_old (id, link_id, visited_at, day, client, device, bot, user_id, visitor)
    SELECT id, link_id, visited_at, day, client, device, bot, user_id, visitor FROM link_visits;
DROP TABLE link_visits;
ALTER TABLE link_visits_old RENAME TO link_visits;
CREATE INDEX link_visits_by_link ON link_visits (link_id, day);
CREATE INDEX link_visits_by_user ON link_visits (user_id, visited_at) WHERE user_id IS NOT NULL;
CREATE INDEX link_visits_by_visitor ON link_visits (visitor, visited_at);
