-- Expand: the previous release ignores the new column.
ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'placed';
CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);
