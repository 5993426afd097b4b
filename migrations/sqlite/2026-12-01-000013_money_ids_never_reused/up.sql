-- Money-bearing rows never get an id back: with AUTOINCREMENT, SQLite hands out ids above any it
-- ever handed out, even after the newest row is gone (a rolled-back storage fault, a deletion), so
-- an id in a receipt, a provider's record or a log always means one row. SQLite can change a
-- column's definition only by rebuilding the table: each is copied into a new one with the same
-- columns, ids and indexes. The migration runner turns foreign keys off for the rebuild (SQLite
-- allows that only outside a transaction) and checks every reference before committing.

CREATE TABLE checkouts_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO checkouts_rebuilt SELECT * FROM checkouts;
DROP TABLE checkouts;
ALTER TABLE checkouts_rebuilt RENAME TO checkouts;
CREATE UNIQUE INDEX checkouts_key ON checkouts (user_id, idempotency_key);

CREATE TABLE orders_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    checkout_id BIGINT NOT NULL REFERENCES checkouts (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    shop_id BIGINT NOT NULL REFERENCES shops (id),
    status TEXT NOT NULL,
    subtotal BIGINT NOT NULL,
    shipping_fee BIGINT NOT NULL,
    total BIGINT NOT NULL,
    address TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
, paid_at TIMESTAMP, shipped_at TIMESTAMP, carrier TEXT, tracking_number TEXT, payer_id BIGINT REFERENCES users (id));
INSERT INTO orders_rebuilt SELECT * FROM orders;
DROP TABLE orders;
ALTER TABLE orders_rebuilt RENAME TO orders;
CREATE INDEX orders_user ON orders (user_id, id);
CREATE INDEX orders_shop ON orders (shop_id, status, id);
CREATE INDEX orders_status_created ON orders (status, created_at);
CREATE INDEX orders_checkout ON orders (checkout_id, status);
CREATE INDEX orders_user_status ON orders (user_id, status);

CREATE TABLE order_items_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    sku_id BIGINT NOT NULL REFERENCES skus (id),
    product_id BIGINT NOT NULL REFERENCES products (id),
    title TEXT NOT NULL,
    specs TEXT NOT NULL,
    unit_price BIGINT NOT NULL,
    quantity INTEGER NOT NULL
);
INSERT INTO order_items_rebuilt SELECT * FROM order_items;
DROP TABLE order_items;
ALTER TABLE order_items_rebuilt RENAME TO order_items;
CREATE INDEX order_items_order ON order_items (order_id);

CREATE TABLE refund_requests_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO refund_requests_rebuilt SELECT * FROM refund_requests;
DROP TABLE refund_requests;
ALTER TABLE refund_requests_rebuilt RENAME TO refund_requests;
CREATE UNIQUE INDEX refund_requests_one_open ON refund_requests (order_id) WHERE status = 'requested';
CREATE INDEX refund_requests_order ON refund_requests (order_id, id);

CREATE TABLE payments_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO payments_rebuilt SELECT * FROM payments;
DROP TABLE payments;
ALTER TABLE payments_rebuilt RENAME TO payments;
CREATE INDEX payments_status ON payments (status, created_at);
CREATE INDEX payments_checkout ON payments (checkout_id);

CREATE TABLE payment_refunds_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO payment_refunds_rebuilt SELECT * FROM payment_refunds;
DROP TABLE payment_refunds;
ALTER TABLE payment_refunds_rebuilt RENAME TO payment_refunds;
CREATE INDEX payment_refunds_status ON payment_refunds (status);

CREATE TABLE in_store_payments_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    shop_id BIGINT NOT NULL REFERENCES shops (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    amount BIGINT NOT NULL,
    note TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    order_id BIGINT REFERENCES orders (id)
);
INSERT INTO in_store_payments_rebuilt SELECT * FROM in_store_payments;
DROP TABLE in_store_payments;
ALTER TABLE in_store_payments_rebuilt RENAME TO in_store_payments;
