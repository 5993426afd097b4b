DROP TABLE order_adjustments;
DROP TABLE coupons;
DROP TABLE coupon_claim_counts;
DROP TABLE coupon_templates;
