ALTER TABLE draw_plays DROP COLUMN pickup_code;
ALTER TABLE draw_prizes DROP COLUMN pickup;
