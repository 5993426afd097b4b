-- The hoarding caps count a buyer's unpaid orders in every placement: an index on (user_id,
-- status) makes that a lookup of those few rows. Without it SQLite chose (status, created_at)
-- and walked every buyer's unpaid orders.
CREATE INDEX orders_user_status ON orders (user_id, status);
