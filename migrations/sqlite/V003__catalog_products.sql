-- Catalog: a category tree, products with denormalised price/stock/rating/popularity columns (so the
-- list filters and keyset sorts read one table through an index), images and variants.
-- Soft delete: deleted_at is set, rows stay for order history.

CREATE TABLE catalog_categories (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  parent_id BIGINT NULL REFERENCES catalog_categories (id),
  name TEXT NOT NULL,
  slug TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  position INT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT NULL
);
CREATE INDEX catalog_categories_parent_idx ON catalog_categories (parent_id, position);

CREATE TABLE catalog_products (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  category_id BIGINT NOT NULL REFERENCES catalog_categories (id),
  name TEXT NOT NULL,
  slug TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  brand TEXT NOT NULL DEFAULT '',
  attributes TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('draft', 'active', 'archived')),
  exclusive_until BIGINT NULL,
  min_price BIGINT NOT NULL DEFAULT 0,
  max_price BIGINT NOT NULL DEFAULT 0,
  currency CHAR(3) NOT NULL DEFAULT '',
  in_stock INT NOT NULL DEFAULT 0,
  rating_x100 INT NOT NULL DEFAULT 0,
  rating_count INT NOT NULL DEFAULT 0,
  popularity BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT NULL
);
CREATE INDEX catalog_products_newest_idx ON catalog_products (status, deleted_at, created_at, id);
CREATE INDEX catalog_products_price_idx ON catalog_products (status, deleted_at, min_price, id);
CREATE INDEX catalog_products_rating_idx ON catalog_products (status, deleted_at, rating_x100, id);
CREATE INDEX catalog_products_popular_idx ON catalog_products (status, deleted_at, popularity, id);
CREATE INDEX catalog_products_category_idx ON catalog_products (category_id, status, deleted_at, created_at, id);

CREATE TABLE catalog_product_images (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  product_id BIGINT NOT NULL REFERENCES catalog_products (id),
  url TEXT NOT NULL,
  alt TEXT NOT NULL DEFAULT '',
  position INT NOT NULL DEFAULT 0
);
CREATE INDEX catalog_product_images_product_idx ON catalog_product_images (product_id, position);

CREATE TABLE catalog_variants (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  product_id BIGINT NOT NULL REFERENCES catalog_products (id),
  sku TEXT NOT NULL UNIQUE,
  options TEXT NOT NULL DEFAULT '{}',
  price BIGINT NOT NULL,
  compare_at_price BIGINT NULL,
  currency CHAR(3) NOT NULL,
  weight_grams BIGINT NOT NULL DEFAULT 0,
  barcode TEXT NOT NULL DEFAULT '',
  position INT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT NULL
);
CREATE INDEX catalog_variants_product_idx ON catalog_variants (product_id, position);
