-- An item prize may be collected at the shop instead of shipped: the winner shows a code.
ALTER TABLE draw_prizes ADD COLUMN pickup BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE draw_plays ADD COLUMN pickup_code TEXT;
