ALTER TABLE draw_plays DROP COLUMN order_id;
