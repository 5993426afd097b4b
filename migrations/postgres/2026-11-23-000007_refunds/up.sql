-- After-sales refund requests: requested → approved / rejected; approved → refunded once the
-- payment provider has paid the money back. One open request per order.
CREATE TABLE refund_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    decision_reason TEXT,
    decided_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    refunded_at TIMESTAMP
);
CREATE UNIQUE INDEX refund_requests_one_open ON refund_requests (order_id) WHERE status = 'requested';
CREATE INDEX refund_requests_order ON refund_requests (order_id, id);
