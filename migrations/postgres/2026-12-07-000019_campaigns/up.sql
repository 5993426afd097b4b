-- Campaigns (QR-code and link campaigns of a shop or the platform), their placements (a poster,
-- a flyer, a shelf tag: each with its own short link), short links and their visits, the orders
-- credited to a campaign touch, and lucky draws (抽奖) with prizes, chances and plays.
CREATE TABLE campaigns (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL for a platform campaign (administrators)
    shop_id BIGINT REFERENCES shops (id),
    name TEXT NOT NULL,
    -- product, shop, coupon, draw, search or campaign (its own landing page)
    target_kind TEXT NOT NULL,
    target_id BIGINT,
    -- the words of a search target
    target_text TEXT,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    attribution_days BIGINT NOT NULL,
    -- the coupon its landing page hands out, and how many it may (moved by a conditional update)
    coupon_template_id BIGINT REFERENCES coupon_templates (id),
    coupon_budget BIGINT NOT NULL,
    coupons_given BIGINT NOT NULL,
    -- points its draws' points prizes may give in all (moved by a conditional update)
    points_budget BIGINT NOT NULL,
    points_given BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX campaigns_by_shop ON campaigns (shop_id, id);

-- A short link: /s/{code} sends a visitor to its target while the link lives.
CREATE TABLE short_links (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    shop_id BIGINT REFERENCES shops (id),
    campaign_id BIGINT REFERENCES campaigns (id),
    -- where it sends: an H5 path of ours, or an allowed external URL
    target TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP,
    max_visits BIGINT,
    -- counted visits (bots and link previews are not), added in batches
    visits BIGINT NOT NULL,
    disabled BOOLEAN NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE campaign_placements (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    name TEXT NOT NULL,
    link_id BIGINT NOT NULL UNIQUE REFERENCES short_links (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX campaign_placements_by_campaign ON campaign_placements (campaign_id, id);

-- One row per visit, written in batches off the redirect's path. `client` is a hash of the IP
-- and user agent salted with the day, so UV needs no personal data; `visitor` is the
-- first-party attribution cookie's random id.
CREATE TABLE link_visits (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    link_id BIGINT NOT NULL REFERENCES short_links (id),
    visited_at TIMESTAMP NOT NULL,
    -- the China-time day
    day TEXT NOT NULL,
    client TEXT NOT NULL,
    device TEXT NOT NULL,
    bot BOOLEAN NOT NULL,
    user_id BIGINT REFERENCES users (id),
    visitor TEXT
);
CREATE INDEX link_visits_by_link ON link_visits (link_id, day);
-- Most visits are anonymous: only signed-in ones are indexed by user.
CREATE INDEX link_visits_by_user ON link_visits (user_id, visited_at) WHERE user_id IS NOT NULL;
CREATE INDEX link_visits_by_visitor ON link_visits (visitor, visited_at);

-- Steps of the funnel that are not visits or orders: a landing view, a coupon claimed there.
CREATE TABLE campaign_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    placement_id BIGINT REFERENCES campaign_placements (id),
    -- landing_view or coupon_claimed
    kind TEXT NOT NULL,
    day TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX campaign_events_by_campaign ON campaign_events (campaign_id, day);

-- The campaign touch an order is credited to: one row per order (its key), so no path credits
-- an order twice.
CREATE TABLE order_attributions (
    order_id BIGINT PRIMARY KEY REFERENCES orders (id),
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    placement_id BIGINT REFERENCES campaign_placements (id),
    link_id BIGINT NOT NULL REFERENCES short_links (id),
    touched_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX order_attributions_by_campaign ON order_attributions (campaign_id);

-- A lucky draw. `seed` is secret until the end (32 random bytes, hex); `commitment` is its
-- SHA-256, public from the start.
CREATE TABLE draws (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id BIGINT REFERENCES shops (id),
    campaign_id BIGINT REFERENCES campaigns (id),
    name TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    -- everyone (signed in), followers or buyers
    audience TEXT NOT NULL,
    daily_free_chances BIGINT NOT NULL,
    scan_chances BOOLEAN NOT NULL,
    -- a chance per paid order of at least this (fen), when set
    order_min_amount BIGINT,
    -- a chance for this many points, when set
    points_per_chance BIGINT,
    consolation TEXT NOT NULL,
    seed TEXT NOT NULL,
    commitment TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX draws_by_shop ON draws (shop_id, id);

CREATE TABLE draw_prizes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    draw_id BIGINT NOT NULL REFERENCES draws (id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    -- none, points, coupon or item
    kind TEXT NOT NULL,
    points BIGINT,
    coupon_template_id BIGINT REFERENCES coupon_templates (id),
    -- what the prize is worth (fen): the law caps the top prize
    value BIGINT NOT NULL,
    weight BIGINT NOT NULL,
    -- NULL: unlimited; otherwise `remaining` moves by a conditional update
    stock BIGINT,
    remaining BIGINT,
    won BIGINT NOT NULL
);
CREATE INDEX draw_prizes_by_draw ON draw_prizes (draw_id, position);

-- A chance to play: earned once per (source, key) under the unique index, used once.
CREATE TABLE draw_chances (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    draw_id BIGINT NOT NULL REFERENCES draws (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    -- daily, scan, order or points
    source TEXT NOT NULL,
    source_key TEXT NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    UNIQUE (draw_id, user_id, source, source_key)
);
CREATE INDEX draw_chances_unused ON draw_chances (draw_id, user_id, used_at);

CREATE TABLE draw_plays (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    draw_id BIGINT NOT NULL REFERENCES draws (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    idempotency_key TEXT NOT NULL,
    chance_id BIGINT NOT NULL UNIQUE REFERENCES draw_chances (id),
    -- the prize the roll named, and the one given (NULL: the consolation)
    drawn_prize_id BIGINT REFERENCES draw_prizes (id),
    prize_id BIGINT REFERENCES draw_prizes (id),
    -- won, consolation, or sold_out (the drawn prize had none left: the consolation instead)
    outcome TEXT NOT NULL,
    -- what happened to a won prize: given (coupon, points), to_claim / to_ship / shipped (item)
    fulfilment TEXT NOT NULL,
    coupon_id BIGINT,
    ship_to TEXT,
    tracking_number TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (draw_id, user_id, idempotency_key)
);
CREATE INDEX draw_plays_by_user ON draw_plays (user_id, id);
