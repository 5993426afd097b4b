-- The category tree. `path` is the chain of ids from the root ("/1/5/"), so a category and all its
-- descendants are `path LIKE '/1/%'`.
CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    parent_id BIGINT REFERENCES categories (id),
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    path TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX categories_path ON categories (path);

-- The shop page.
ALTER TABLE shops ADD COLUMN logo_url TEXT;
ALTER TABLE shops ADD COLUMN banner_url TEXT;
ALTER TABLE shops ADD COLUMN brand_story TEXT;
ALTER TABLE shops ADD COLUMN address TEXT;
ALTER TABLE shops ADD COLUMN latitude DOUBLE PRECISION;
ALTER TABLE shops ADD COLUMN longitude DOUBLE PRECISION;
ALTER TABLE shops ADD COLUMN business_hours TEXT;
ALTER TABLE shops ADD COLUMN service_hours TEXT;
ALTER TABLE shops ADD COLUMN followers_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE shops ADD COLUMN rating_avg DOUBLE PRECISION;
ALTER TABLE shops ADD COLUMN rating_count BIGINT NOT NULL DEFAULT 0;

CREATE TABLE shop_follows (
    user_id BIGINT NOT NULL REFERENCES users (id),
    shop_id BIGINT NOT NULL REFERENCES shops (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, shop_id)
);

-- Products. Lists (tags, attributes, images, specs) are JSON text. Price range, total stock and
-- sales are derived from the SKUs and rewritten in the same transaction as any SKU change.
-- `version` grows with every change: it is the ETag.
CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    shop_id BIGINT NOT NULL REFERENCES shops (id),
    category_id BIGINT NOT NULL REFERENCES categories (id),
    title TEXT NOT NULL,
    subtitle TEXT NOT NULL,
    description TEXT NOT NULL,
    brand TEXT NOT NULL,
    tags TEXT NOT NULL,
    attributes TEXT NOT NULL,
    images TEXT NOT NULL,
    video_url TEXT,
    specs TEXT NOT NULL,
    status TEXT NOT NULL,
    price_min BIGINT NOT NULL,
    price_max BIGINT NOT NULL,
    total_stock BIGINT NOT NULL,
    sales_count BIGINT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP
);
CREATE INDEX products_newest ON products (status, created_at, id);
CREATE INDEX products_price ON products (status, price_min, id);
CREATE INDEX products_sales ON products (status, sales_count, id);
CREATE INDEX products_shop ON products (shop_id, status, created_at);
CREATE INDEX products_category ON products (category_id, status);

-- One SKU per combination of spec values. Removed combinations stay (inactive) with their history.
CREATE TABLE skus (
    id INTEGER PRIMARY KEY,
    product_id BIGINT NOT NULL REFERENCES products (id),
    spec_key TEXT NOT NULL,
    spec_values TEXT NOT NULL,
    price BIGINT NOT NULL,
    original_price BIGINT,
    stock BIGINT NOT NULL,
    code TEXT,
    image_url TEXT,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX skus_product_spec ON skus (product_id, spec_key);

-- Every stock change. For each SKU, stock = SUM(delta).
CREATE TABLE inventory_ledger (
    id INTEGER PRIMARY KEY,
    sku_id BIGINT NOT NULL REFERENCES skus (id),
    delta BIGINT NOT NULL,
    stock_after BIGINT NOT NULL,
    reason TEXT NOT NULL,
    note TEXT,
    actor_id BIGINT REFERENCES users (id),
    order_id BIGINT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX inventory_ledger_sku ON inventory_ledger (sku_id, id);

-- The latest view of each product by each buyer (recently viewed; later, recommendations).
CREATE TABLE product_views (
    user_id BIGINT NOT NULL REFERENCES users (id),
    product_id BIGINT NOT NULL REFERENCES products (id),
    viewed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, product_id)
);
CREATE INDEX product_views_recent ON product_views (user_id, viewed_at);

-- The default bilingual category tree.
INSERT INTO categories (parent_id, name_zh, name_en, path, position, created_at) VALUES
    (NULL, '服饰', 'Apparel', '', 1, CURRENT_TIMESTAMP),
    (NULL, '数码', 'Electronics', '', 2, CURRENT_TIMESTAMP),
    (NULL, '食品', 'Food', '', 3, CURRENT_TIMESTAMP),
    (NULL, '家居', 'Home', '', 4, CURRENT_TIMESTAMP),
    (NULL, '美妆', 'Beauty', '', 5, CURRENT_TIMESTAMP),
    (NULL, '运动户外', 'Sports & Outdoors', '', 6, CURRENT_TIMESTAMP);
INSERT INTO categories (parent_id, name_zh, name_en, path, position, created_at)
SELECT parent.id, child.name_zh, child.name_en, '', child.position, CURRENT_TIMESTAMP
FROM categories parent JOIN (
    SELECT 'Apparel' AS parent_en, '女装' AS name_zh, 'Women' AS name_en, 1 AS position
    UNION ALL SELECT 'Apparel', '男装', 'Men', 2
    UNION ALL SELECT 'Apparel', '童装', 'Kids', 3
    UNION ALL SELECT 'Electronics', '手机', 'Phones', 1
    UNION ALL SELECT 'Electronics', '电脑', 'Computers', 2
    UNION ALL SELECT 'Electronics', '耳机音响', 'Audio', 3
    UNION ALL SELECT 'Electronics', '手机配件', 'Phone Accessories', 4
    UNION ALL SELECT 'Food', '零食', 'Snacks', 1
    UNION ALL SELECT 'Food', '茶饮', 'Tea & Drinks', 2
    UNION ALL SELECT 'Food', '生鲜', 'Fresh', 3
    UNION ALL SELECT 'Home', '厨具', 'Kitchen', 1
    UNION ALL SELECT 'Home', '家纺', 'Bedding', 2
    UNION ALL SELECT 'Beauty', '护肤', 'Skincare', 1
    UNION ALL SELECT 'Beauty', '彩妆', 'Makeup', 2
    UNION ALL SELECT 'Sports & Outdoors', '运动鞋', 'Sneakers', 1
    UNION ALL SELECT 'Sports & Outdoors', '户外装备', 'Outdoor Gear', 2
) child ON child.parent_en = parent.name_en
WHERE parent.parent_id IS NULL;
UPDATE categories SET path = '/' || id || '/' WHERE parent_id IS NULL;
UPDATE categories SET path = (SELECT p.path FROM categories p WHERE p.id = categories.parent_id) || id || '/'
WHERE parent_id IS NOT NULL;
