-- The search index, owned by the search module and written in the catalog's transactions through
-- catalog::SearchIndexer. One row per product in search_documents (filters, sorts, facets) with
-- InnoDB FULLTEXT indexes for ranked matching (name and compounds weighted through their own index),
-- the category path of every product so a category filter includes sub-categories through an
-- indexed join, and a vocabulary with its deletion neighbourhood (SymSpell) so a query word with one
-- typo finds the indexed word. Keys for prefix completion use a binary collation so a range scan
-- [prefix, prefix + U+10FFFF) is exact.

CREATE TABLE search_documents (
  product_id BIGINT NOT NULL,
  name VARCHAR(255) NOT NULL,
  name_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  compounds TEXT NOT NULL,
  slug VARCHAR(255) NOT NULL,
  description TEXT NOT NULL,
  brand VARCHAR(255) NOT NULL,
  brand_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  category_id BIGINT NOT NULL,
  category_names TEXT NOT NULL,
  variant_text TEXT NOT NULL,
  min_price BIGINT NOT NULL,
  max_price BIGINT NOT NULL,
  currency CHAR(3) CHARACTER SET ascii NOT NULL,
  in_stock TINYINT NOT NULL,
  rating_x100 INT NOT NULL,
  rating_count INT NOT NULL,
  popularity BIGINT NOT NULL,
  status VARCHAR(16) CHARACTER SET ascii NOT NULL,
  exclusive_until BIGINT NULL,
  image_url VARCHAR(2048) NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (product_id),
  KEY search_documents_name_key_idx (status, name_key),
  KEY search_documents_brand_key_idx (status, brand_key),
  KEY search_documents_newest_idx (status, created_at, product_id),
  KEY search_documents_price_idx (status, min_price, product_id),
  KEY search_documents_rating_idx (status, rating_x100, product_id),
  KEY search_documents_popular_idx (status, popularity, product_id),
  FULLTEXT KEY search_documents_name_ft (name, compounds),
  FULLTEXT KEY search_documents_all_ft (name, compounds, brand, category_names, variant_text, description)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE search_categories (
  category_id BIGINT NOT NULL,
  product_id BIGINT NOT NULL,
  PRIMARY KEY (category_id, product_id),
  KEY search_categories_product_idx (product_id)
) ENGINE=InnoDB;

CREATE TABLE search_terms (
  term VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  PRIMARY KEY (term)
) ENGINE=InnoDB;

CREATE TABLE search_term_deletes (
  del_key VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  term VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  PRIMARY KEY (del_key, term)
) ENGINE=InnoDB;
