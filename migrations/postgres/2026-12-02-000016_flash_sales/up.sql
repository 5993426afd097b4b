-- Flash sales (秒杀): a SKU at a flash price, a flash quantity and a per-buyer limit, from a
-- start to an end. `sold` moves by a conditional update (`sold + n <= quantity`, inside the
-- window) in the order's transaction, with one reservation row per order; cancelling or timing
-- out the unpaid order releases the reservation (once: its status guards it) and gives the units
-- back. What each buyer holds is a row under its primary key, moved the same way.
CREATE TABLE flash_sales (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id BIGINT NOT NULL REFERENCES shops (id),
    -- shop, or platform for the scheduled sessions admins run
    organizer TEXT NOT NULL,
    product_id BIGINT NOT NULL REFERENCES products (id),
    -- the product title and the SKU's list price when the sale was made: the "was" of "was ¥X, now ¥Y"
    title TEXT NOT NULL,
    list_price BIGINT NOT NULL,
    sku_id BIGINT NOT NULL REFERENCES skus (id),
    flash_price BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    sold BIGINT NOT NULL,
    per_user_limit BIGINT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    -- active or cancelled; upcoming, live and ended follow from the window
    status TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX flash_sales_by_end ON flash_sales (ends_at, starts_at);
CREATE INDEX flash_sales_by_sku ON flash_sales (sku_id, ends_at);
CREATE INDEX flash_sales_by_shop ON flash_sales (shop_id, id);

CREATE TABLE flash_buyers (
    flash_sale_id BIGINT NOT NULL REFERENCES flash_sales (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    bought BIGINT NOT NULL,
    PRIMARY KEY (flash_sale_id, user_id)
);

CREATE TABLE flash_reservations (
    order_id BIGINT PRIMARY KEY REFERENCES orders (id),
    flash_sale_id BIGINT NOT NULL REFERENCES flash_sales (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    quantity BIGINT NOT NULL,
    -- reserved, paid or released
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX flash_reservations_by_sale ON flash_reservations (flash_sale_id, status);
