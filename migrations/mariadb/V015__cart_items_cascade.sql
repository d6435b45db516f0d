-- A cart's lines go with it: deleting the cart (an order paid, a cart emptied) is one statement.

ALTER TABLE cart_items DROP FOREIGN KEY cart_items_cart_fk;
ALTER TABLE cart_items ADD CONSTRAINT cart_items_cart_fk FOREIGN KEY (user_id) REFERENCES carts (user_id)
  ON DELETE CASCADE;
