-- Points (积分). Every change is a ledger row naming why and what it refers to; (reason,
-- reference) is unique, so earning for an order, returning what an order spent or checking in
-- on a day happens once however often it is asked. The balance row moves in the same
-- transaction, by a conditional update where points are spent, so it never goes below zero
-- except by a clawback of points earned on a refunded order (shown as such in the ledger).
CREATE TABLE point_balances (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    balance BIGINT NOT NULL
);

CREATE TABLE point_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    delta BIGINT NOT NULL,
    balance_after BIGINT NOT NULL,
    -- check_in, order_spent, order_returned, order_earned, order_clawback
    reason TEXT NOT NULL,
    reference TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX point_entries_once ON point_entries (user_id, reason, reference);
CREATE INDEX point_entries_by_user ON point_entries (user_id, id);

-- One check-in per user per China-time day; the streak counts consecutive days.
CREATE TABLE check_ins (
    user_id BIGINT NOT NULL REFERENCES users (id),
    day TEXT NOT NULL,
    streak INTEGER NOT NULL,
    points BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, day)
);
