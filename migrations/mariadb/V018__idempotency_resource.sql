-- What a request created, named before its work began (an order's number), so that a key whose
-- request never answered (its process stopped between the order's two transactions) can later be
-- completed with that resource as stored instead of answering "still being processed" for a day.
ALTER TABLE idempotency_keys ADD COLUMN resource VARCHAR(64) NULL;
