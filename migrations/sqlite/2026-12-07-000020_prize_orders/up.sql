-- An item prize, once its winner gives an address, is an order of the shop (nothing to pay) that
-- the shop ships like any other: the play points at it.
ALTER TABLE draw_plays ADD COLUMN order_id BIGINT REFERENCES orders (id);
