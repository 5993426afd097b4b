-- The outbox: catalog and order changes appended in the same transaction as the change, read by
-- followers (the search indexer, caches) in id order.
CREATE TABLE outbox_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_events_topic_id ON outbox_events (topic, id);

-- How far each follower got, so it resumes there after a restart.
CREATE TABLE outbox_positions (
    follower TEXT PRIMARY KEY NOT NULL,
    position BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
