DROP TABLE outbox_positions;
DROP TABLE outbox_events;
