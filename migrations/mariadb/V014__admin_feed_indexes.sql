-- Indexes for the live admin feed (admin.metrics, computed every few seconds while staff watch):
-- each figure is a range read over today's (or the last 24 hours') rows only, never a table scan.
--   orders and revenue today: orders paid since the start of the store's day, counted and summed
--     from the index alone (paid_at, currency, total cover the query);
--   open carts: carts touched in the last 24 hours.

CREATE INDEX orders_paid_idx ON orders (paid_at, currency, total);
CREATE INDEX carts_updated_idx ON carts (updated_at);
