-- SQLite drops payments_user_idx in this version (nothing reads payments by customer). InnoDB keeps
-- it: payments_user_fk needs an index that starts with user_id, and would build the same one if this
-- were dropped. Nothing to change here.
DO 0;
