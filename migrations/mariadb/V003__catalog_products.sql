-- Catalog: a category tree, products with denormalised price/stock/rating/popularity columns (so the
-- list filters and keyset sorts read one table through an index), images and variants.
-- Soft delete: deleted_at is set, rows stay for order history.

CREATE TABLE catalog_categories (
  id BIGINT NOT NULL AUTO_INCREMENT,
  parent_id BIGINT NULL,
  name VARCHAR(200) NOT NULL,
  slug VARCHAR(200) CHARACTER SET ascii NOT NULL,
  description TEXT NOT NULL,
  position INT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY catalog_categories_slug_uq (slug),
  KEY catalog_categories_parent_idx (parent_id, position),
  CONSTRAINT catalog_categories_parent_fk FOREIGN KEY (parent_id) REFERENCES catalog_categories (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE catalog_products (
  id BIGINT NOT NULL AUTO_INCREMENT,
  category_id BIGINT NOT NULL,
  name VARCHAR(300) NOT NULL,
  slug VARCHAR(200) CHARACTER SET ascii NOT NULL,
  description TEXT NOT NULL,
  brand VARCHAR(200) NOT NULL DEFAULT '',
  attributes TEXT NOT NULL,
  status VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'active',
  exclusive_until BIGINT NULL,
  min_price BIGINT NOT NULL DEFAULT 0,
  max_price BIGINT NOT NULL DEFAULT 0,
  currency CHAR(3) CHARACTER SET ascii NOT NULL DEFAULT '',
  in_stock INT NOT NULL DEFAULT 0,
  rating_x100 INT NOT NULL DEFAULT 0,
  rating_count INT NOT NULL DEFAULT 0,
  popularity BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY catalog_products_slug_uq (slug),
  KEY catalog_products_newest_idx (status, deleted_at, created_at, id),
  KEY catalog_products_price_idx (status, deleted_at, min_price, id),
  KEY catalog_products_rating_idx (status, deleted_at, rating_x100, id),
  KEY catalog_products_popular_idx (status, deleted_at, popularity, id),
  KEY catalog_products_category_idx (category_id, status, deleted_at, created_at, id),
  CONSTRAINT catalog_products_status_ck CHECK (status IN ('draft', 'active', 'archived')),
  CONSTRAINT catalog_products_category_fk FOREIGN KEY (category_id) REFERENCES catalog_categories (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE catalog_product_images (
  id BIGINT NOT NULL AUTO_INCREMENT,
  product_id BIGINT NOT NULL,
  url VARCHAR(2000) NOT NULL,
  alt VARCHAR(500) NOT NULL DEFAULT '',
  position INT NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  KEY catalog_product_images_product_idx (product_id, position),
  CONSTRAINT catalog_product_images_product_fk FOREIGN KEY (product_id) REFERENCES catalog_products (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE catalog_variants (
  id BIGINT NOT NULL AUTO_INCREMENT,
  product_id BIGINT NOT NULL,
  sku VARCHAR(64) NOT NULL,
  options TEXT NOT NULL,
  price BIGINT NOT NULL,
  compare_at_price BIGINT NULL,
  currency CHAR(3) CHARACTER SET ascii NOT NULL,
  weight_grams BIGINT NOT NULL DEFAULT 0,
  barcode VARCHAR(64) NOT NULL DEFAULT '',
  position INT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY catalog_variants_sku_uq (sku),
  KEY catalog_variants_product_idx (product_id, position),
  CONSTRAINT catalog_variants_product_fk FOREIGN KEY (product_id) REFERENCES catalog_products (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
