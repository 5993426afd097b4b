-- One checkout per idempotency key: the request it answered (hash) and the answer, so a retry gets
-- the same result and a different request under the same key is refused.
CREATE TABLE checkouts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX checkouts_key ON checkouts (user_id, idempotency_key);

-- One order per shop in a checkout, with the address as it was when ordering.
CREATE TABLE orders (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
);
CREATE INDEX orders_user ON orders (user_id, id);
CREATE INDEX orders_shop ON orders (shop_id, status, id);

-- What was bought, at the price and with the title it had then.
CREATE TABLE order_items (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    sku_id BIGINT NOT NULL REFERENCES skus (id),
    product_id BIGINT NOT NULL REFERENCES products (id),
    title TEXT NOT NULL,
    specs TEXT NOT NULL,
    unit_price BIGINT NOT NULL,
    quantity INTEGER NOT NULL
);
CREATE INDEX order_items_order ON order_items (order_id);

-- Every state change of an order: who, why, when.
CREATE TABLE order_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    reason TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, id);
