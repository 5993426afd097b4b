ALTER TABLE shops DROP COLUMN free_shipping_from;
ALTER TABLE shops DROP COLUMN shipping_fee;
