-- Refunds of some of an order's units. A request names its lines (SKU and units; all that is
-- left when it names none), and keeps what it gives back, worked out when it was asked: the
-- money (the units' value less exactly their share of each discount, and the shipping fee with
-- the last units), the points share returned as points, and whether it completes the order's
-- refund. Rows from before have NULL amount: the order's whole share.
ALTER TABLE refund_requests ADD COLUMN lines TEXT NOT NULL DEFAULT '[]';
ALTER TABLE refund_requests ADD COLUMN amount BIGINT;
ALTER TABLE refund_requests ADD COLUMN points BIGINT NOT NULL DEFAULT 0;
ALTER TABLE refund_requests ADD COLUMN whole BOOLEAN NOT NULL DEFAULT 1;
