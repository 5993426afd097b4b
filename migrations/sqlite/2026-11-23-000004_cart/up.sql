-- Shopping carts: one line per (buyer, SKU), with the price seen when it was added so the cart
-- can flag a price change.
CREATE TABLE cart_items (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    sku_id BIGINT NOT NULL REFERENCES skus (id),
    quantity INTEGER NOT NULL,
    price_at_add BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX cart_items_user_sku ON cart_items (user_id, sku_id);
