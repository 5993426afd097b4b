-- Coupons. A template is what a shop (or the platform) offers; each coupon a buyer claims is
-- its own row in their wallet with its own state. Every limit moves by a conditional update or a
-- unique key inside the transaction that claims or spends: a template's issued count against its
-- quantity, a buyer's claims against the per-user and per-day limits, a coupon's state from
-- unused to locked (by one pending order) to used.
CREATE TABLE coupon_templates (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL for a platform coupon, funded by the platform and usable in every shop.
    shop_id BIGINT REFERENCES shops (id),
    name TEXT NOT NULL,
    -- fixed: amount_off; percent: percent_off of the eligible lines, at most max_discount.
    kind TEXT NOT NULL,
    amount_off BIGINT NOT NULL,
    percent_off INTEGER NOT NULL,
    max_discount BIGINT,
    -- The eligible lines must add up to at least this (门槛); 0 for none.
    min_spend BIGINT NOT NULL,
    -- shop, products, categories or except_products; scope_ids lists the products or categories.
    scope TEXT NOT NULL,
    scope_ids TEXT NOT NULL,
    claim_starts_at TIMESTAMP NOT NULL,
    claim_ends_at TIMESTAMP NOT NULL,
    -- Either a fixed use window, or valid_days from the claim.
    use_starts_at TIMESTAMP,
    use_ends_at TIMESTAMP,
    valid_days INTEGER,
    total_quantity BIGINT NOT NULL,
    issued_count BIGINT NOT NULL,
    used_count BIGINT NOT NULL,
    discount_given BIGINT NOT NULL,
    per_user_limit BIGINT NOT NULL,
    per_user_per_day BIGINT,
    new_customers_only BOOLEAN NOT NULL,
    -- public: anyone may claim it; code: only with redeem_code; issued: only given by the shop or a campaign.
    visibility TEXT NOT NULL,
    redeem_code TEXT UNIQUE,
    -- Whether it combines with the shop's automatic promotions and with the other kind of coupon.
    combinable BOOLEAN NOT NULL,
    -- Whether a full refund returns the coupon to the buyer's wallet.
    returned_on_refund BOOLEAN NOT NULL,
    -- active, paused (no claims until resumed) or ended (no more claims; issued coupons stay usable).
    status TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX coupon_templates_by_shop ON coupon_templates (shop_id, id);

-- How many coupons of a template a buyer has claimed: in all (day = '') and per China-time day.
CREATE TABLE coupon_claim_counts (
    template_id BIGINT NOT NULL REFERENCES coupon_templates (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    day TEXT NOT NULL,
    claimed BIGINT NOT NULL,
    PRIMARY KEY (template_id, user_id, day)
);

CREATE TABLE coupons (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    template_id BIGINT NOT NULL REFERENCES coupon_templates (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    -- unused, locked (by order_id, unpaid), used (by order_id, paid), returned (by a refund) or expired.
    status TEXT NOT NULL,
    valid_from TIMESTAMP NOT NULL,
    valid_until TIMESTAMP NOT NULL,
    order_id BIGINT REFERENCES orders (id),
    claimed_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX coupons_wallet ON coupons (user_id, status, valid_until);
CREATE INDEX coupons_by_order ON coupons (order_id);

-- What promotions took off an order, and how each discount is spread over the order's lines, so
-- a refund of some lines returns exactly their share.
CREATE TABLE order_adjustments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    -- Negative: a discount, in fen.
    amount BIGINT NOT NULL,
    -- shop or platform: who pays for the discount at settlement.
    funder TEXT NOT NULL,
    coupon_id BIGINT REFERENCES coupons (id),
    template_id BIGINT REFERENCES coupon_templates (id),
    -- [{"sku_id": …, "amount": "-1.23"}, …]: the discount per line, adding up to amount.
    allocations TEXT NOT NULL
);
CREATE INDEX order_adjustments_by_order ON order_adjustments (order_id);
