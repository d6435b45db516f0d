-- The search index, owned by the search module and written in the catalog's transactions through
-- catalog::SearchIndexer. One row per product in search_documents (filters, sorts, facets), an FTS5
-- table keyed by the same rowid for ranked matching, the category path of every product so a
-- category filter includes sub-categories through an indexed join, and a vocabulary with its
-- deletion neighbourhood (SymSpell) so a query word with one typo finds the indexed word.

CREATE TABLE search_documents (
  product_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  slug TEXT NOT NULL,
  description TEXT NOT NULL,
  brand TEXT NOT NULL,
  brand_key TEXT NOT NULL,
  category_id BIGINT NOT NULL,
  category_names TEXT NOT NULL,
  variant_text TEXT NOT NULL,
  min_price BIGINT NOT NULL,
  max_price BIGINT NOT NULL,
  currency TEXT NOT NULL,
  in_stock INTEGER NOT NULL,
  rating_x100 INTEGER NOT NULL,
  rating_count INTEGER NOT NULL,
  popularity BIGINT NOT NULL,
  status TEXT NOT NULL,
  exclusive_until BIGINT NULL,
  image_url TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX search_documents_name_key_idx ON search_documents (status, name_key);
CREATE INDEX search_documents_brand_key_idx ON search_documents (status, brand_key);
CREATE INDEX search_documents_newest_idx ON search_documents (status, created_at, product_id);
CREATE INDEX search_documents_price_idx ON search_documents (status, min_price, product_id);
CREATE INDEX search_documents_rating_idx ON search_documents (status, rating_x100, product_id);
CREATE INDEX search_documents_popular_idx ON search_documents (status, popularity, product_id);

CREATE TABLE search_categories (
  category_id BIGINT NOT NULL,
  product_id BIGINT NOT NULL,
  PRIMARY KEY (category_id, product_id)
);
CREATE INDEX search_categories_product_idx ON search_categories (product_id);

CREATE VIRTUAL TABLE search_fts USING fts5(
  name, compounds, brand, category_names, variant_text, description,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3 4'
);

CREATE TABLE search_terms (
  term TEXT NOT NULL PRIMARY KEY
);

CREATE TABLE search_term_deletes (
  del_key TEXT NOT NULL,
  term TEXT NOT NULL,
  PRIMARY KEY (del_key, term)
);
