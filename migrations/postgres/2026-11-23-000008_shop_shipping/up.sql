-- Each shop's shipping rule: a flat fee per order, free from a threshold (fen).
ALTER TABLE shops ADD COLUMN shipping_fee BIGINT NOT NULL DEFAULT 1000;
ALTER TABLE shops ADD COLUMN free_shipping_from BIGINT NOT NULL DEFAULT 9900;
