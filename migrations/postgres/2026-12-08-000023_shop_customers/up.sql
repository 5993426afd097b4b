-- Who has paid for an order of which shop, kept by promotions (it decides "new customers only")
-- and written when checkout records a payment. Filled from the orders paid so far; a prize order
-- (nothing paid) does not make its winner a customer.
CREATE TABLE shop_customers (
    user_id BIGINT NOT NULL,
    shop_id BIGINT NOT NULL,
    first_paid_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, shop_id)
);
INSERT INTO shop_customers (user_id, shop_id, first_paid_at)
SELECT user_id, shop_id, MIN(paid_at) FROM orders WHERE paid_at IS NOT NULL AND total > 0 GROUP BY user_id, shop_id;
