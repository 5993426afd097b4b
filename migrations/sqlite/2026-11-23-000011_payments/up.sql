-- Payments: one row per trade opened at a provider. A trade pays the orders linked in
-- payment_orders (the unpaid orders of one checkout, or one in-store order); payer_id is who pays
-- (the owner, or a friend paying for them).
CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    out_trade_no TEXT NOT NULL UNIQUE,
    checkout_id BIGINT REFERENCES checkouts (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    payer_id BIGINT NOT NULL REFERENCES users (id),
    provider TEXT NOT NULL,
    channel TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    provider_trade_no TEXT,
    instructions TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    paid_at TIMESTAMP,
    closed_at TIMESTAMP,
    queried_at TIMESTAMP
);
CREATE INDEX payments_status ON payments (status, created_at);
CREATE INDEX payments_checkout ON payments (checkout_id);

CREATE TABLE payment_orders (
    payment_id BIGINT NOT NULL REFERENCES payments (id),
    order_id BIGINT NOT NULL REFERENCES orders (id),
    amount BIGINT NOT NULL,
    PRIMARY KEY (payment_id, order_id)
);
CREATE INDEX payment_orders_order ON payment_orders (order_id);

-- Money going back: after-sales refunds and automatic refunds of payments that arrived for orders
-- no longer payable. out_refund_no makes the provider refund once however often it is sent.
CREATE TABLE payment_refunds (
    id INTEGER PRIMARY KEY,
    payment_id BIGINT NOT NULL REFERENCES payments (id),
    order_id BIGINT REFERENCES orders (id),
    refund_request_id BIGINT REFERENCES refund_requests (id),
    out_refund_no TEXT NOT NULL UNIQUE,
    amount BIGINT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    provider_refund_id TEXT,
    created_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP
);
CREATE INDEX payment_refunds_status ON payment_refunds (status);

-- Every notification exactly as it arrived, and what became of it (audit and security review).
CREATE TABLE payment_notifications (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    out_trade_no TEXT,
    payment_id BIGINT,
    headers TEXT NOT NULL,
    body TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX payment_notifications_trade ON payment_notifications (out_trade_no);

-- Pay for another (代付): a code the owner of an unpaid checkout shares; it ends with the orders.
CREATE TABLE payment_shares (
    code TEXT PRIMARY KEY,
    checkout_id BIGINT NOT NULL REFERENCES checkouts (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

-- Face-to-face: a shop's request for an amount, shown as a QR code; the first buyer to pay it
-- gets an order in the shop's orders.
CREATE TABLE in_store_payments (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    shop_id BIGINT NOT NULL REFERENCES shops (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    amount BIGINT NOT NULL,
    note TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    order_id BIGINT REFERENCES orders (id)
);

ALTER TABLE orders ADD COLUMN payer_id BIGINT REFERENCES users (id);
-- Payments look up a checkout's unpaid orders on every trade they open.
CREATE INDEX orders_checkout ON orders (checkout_id, status);
