ALTER TABLE order_adjustments DROP COLUMN promotion_id;
DROP TABLE shop_promotions;
