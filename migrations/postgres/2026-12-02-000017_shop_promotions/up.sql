-- Automatic promotions, applied without a claim: threshold tiers (满 199 减 20, 满 399 减 50) and
-- N items percent off (满 2 件 9 折) on a shop's orders, and limited-time prices (限时折扣) on one
-- SKU. Checkout takes at most one limited-time price per SKU and at most one order promotion per
-- shop order, then coupons and points; `combinable` says whether coupons may stack on top.
CREATE TABLE shop_promotions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id BIGINT NOT NULL REFERENCES shops (id),
    name TEXT NOT NULL,
    -- tiers, items_percent or timed_price
    kind TEXT NOT NULL,
    -- tiers: JSON [[min_spend, amount_off], ...] in fen, both ascending
    tiers TEXT NOT NULL,
    -- items_percent: at least min_items units take percent_off percent off
    min_items INTEGER NOT NULL,
    percent_off INTEGER NOT NULL,
    -- timed_price: the SKU, its price during the window and its price when the promotion was made
    sku_id BIGINT REFERENCES skus (id),
    price BIGINT,
    list_price BIGINT,
    combinable BOOLEAN NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    -- active or ended; upcoming and live follow from the window
    status TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX shop_promotions_by_shop ON shop_promotions (shop_id, ends_at);
CREATE INDEX shop_promotions_by_sku ON shop_promotions (sku_id, ends_at);

-- The order promotion an adjustment came from (coupon adjustments name their coupon instead).
ALTER TABLE order_adjustments ADD COLUMN promotion_id BIGINT REFERENCES shop_promotions (id);
