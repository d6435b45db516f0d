-- Nothing reads payments by customer: a customer's payments are found through their orders
-- (payments_order_idx), intents through payments_intent_uq. The index on (user_id, id) was one more
-- B-tree page written by every checkout (about 3 % of the writes of the checkout benchmark). No
-- auth_users row is ever deleted (accounts are anonymised), so the foreign key never needs it.
DROP INDEX payments_user_idx;
