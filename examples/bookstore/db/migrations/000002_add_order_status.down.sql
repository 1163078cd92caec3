DROP INDEX CONCURRENTLY orders_status_idx;
ALTER TABLE orders DROP COLUMN status;
