ALTER TABLE refund_requests DROP COLUMN whole;
ALTER TABLE refund_requests DROP COLUMN points;
ALTER TABLE refund_requests DROP COLUMN amount;
ALTER TABLE refund_requests DROP COLUMN lines;
