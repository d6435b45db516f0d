-- An order's payments are found through payments.order_id (indexed); the copy in orders.payment_id
-- cost every checkout an UPDATE and was looked up with a table scan.

ALTER TABLE orders DROP COLUMN payment_id;
