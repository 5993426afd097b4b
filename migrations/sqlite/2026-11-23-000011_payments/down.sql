DROP INDEX orders_checkout;
ALTER TABLE orders DROP COLUMN payer_id;
DROP TABLE in_store_payments;
DROP TABLE payment_shares;
DROP TABLE payment_notifications;
DROP TABLE payment_refunds;
DROP TABLE payment_orders;
DROP TABLE payments;
