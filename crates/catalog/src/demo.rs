//! `bazaar seed-demo`: a realistic bilingual catalog — shops, products with specs and SKUs,
//! ledgered stock — deterministic for a seed, written in large batches so 100k products take
//! seconds. The demo sellers are OTP-only accounts opened through identity's `open_demo_shop`:
//! going through sign-up would spend its time hashing passwords nobody will type.

use crate::CatalogError;
use crate::specs::{SpecDimension, all_keys};
use crate::text::json;
use bazaar_core::ids::{CategoryId, ShopId};
use bazaar_db::schema::categories;
use bazaar_db::{DbConn, write_transaction};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Per leaf category: nouns (中文, English), brands (中文, English), specs, and a price range in yuan.
struct Template {
    category: &'static str,
    nouns: &'static [(&'static str, &'static str)],
    brands: &'static [(&'static str, &'static str)],
    specs: &'static [(&'static str, &'static [&'static str])],
    price: (i64, i64),
}

const CLOTHES: &[(&str, &[&str])] = &[("颜色", &["黑", "白", "蓝", "红"]), ("尺码", &["S", "M", "L", "XL"])];
const COLOURS: &[(&str, &[&str])] = &[("颜色", &["黑", "白", "蓝"])];
const WEIGHT: &[(&str, &[&str])] = &[("规格", &["250g", "500g", "1kg"])];

const TEMPLATES: &[Template] = &[
    Template {
        category: "Phones",
        nouns: &[("手机", "Phone"), ("智能手机", "Smartphone")],
        brands: &[("华为", "Huawei"), ("小米", "Xiaomi"), ("荣耀", "Honor"), ("OPPO", "OPPO"), ("vivo", "vivo")],
        specs: &[("颜色", &["黑", "白", "紫"]), ("存储", &["128GB", "256GB", "512GB"])],
        price: (999, 7999),
    },
    Template {
        category: "Phone Accessories",
        nouns: &[
            ("充电宝", "Power Bank"),
            ("手机壳", "Phone Case"),
            ("数据线", "Charging Cable"),
            ("移动电源", "Portable Charger"),
        ],
        brands: &[("绿联", "Ugreen"), ("倍思", "Baseus"), ("安克", "Anker")],
        specs: COLOURS,
        price: (19, 299),
    },
    Template {
        category: "Audio",
        nouns: &[("蓝牙耳机", "Bluetooth Earbuds"), ("音箱", "Speaker"), ("头戴耳机", "Headphones")],
        brands: &[("漫步者", "Edifier"), ("索尼", "Sony"), ("华为", "Huawei")],
        specs: COLOURS,
        price: (99, 2999),
    },
    Template {
        category: "Computers",
        nouns: &[("笔记本电脑", "Laptop"), ("平板电脑", "Tablet"), ("机械键盘", "Mechanical Keyboard")],
        brands: &[("联想", "Lenovo"), ("华硕", "ASUS"), ("戴尔", "Dell")],
        specs: &[("内存", &["16GB", "32GB"])],
        price: (299, 12999),
    },
    Template {
        category: "Women",
        nouns: &[("连衣裙", "Dress"), ("T恤", "T-Shirt"), ("卫衣", "Hoodie")],
        brands: &[("优衣库", "Uniqlo"), ("太平鸟", "Peacebird"), ("森马", "Semir")],
        specs: CLOTHES,
        price: (49, 699),
    },
    Template {
        category: "Men",
        nouns: &[("衬衫", "Shirt"), ("牛仔裤", "Jeans"), ("夹克", "Jacket")],
        brands: &[("海澜之家", "HLA"), ("李宁", "Li-Ning"), ("优衣库", "Uniqlo")],
        specs: CLOTHES,
        price: (59, 899),
    },
    Template {
        category: "Sneakers",
        nouns: &[("跑步鞋", "Running Shoes"), ("篮球鞋", "Basketball Shoes"), ("板鞋", "Sneakers")],
        brands: &[("安踏", "Anta"), ("李宁", "Li-Ning"), ("耐克", "Nike"), ("阿迪达斯", "Adidas")],
        specs: &[("尺码", &["38", "39", "40", "41", "42", "43", "44"])],
        price: (199, 1499),
    },
    Template {
        category: "Snacks",
        nouns: &[("坚果", "Mixed Nuts"), ("牛肉干", "Beef Jerky"), ("薯片", "Potato Chips")],
        brands: &[("三只松鼠", "Three Squirrels"), ("良品铺子", "Bestore"), ("百草味", "Be&Cheery")],
        specs: WEIGHT,
        price: (9, 129),
    },
    Template {
        category: "Tea & Drinks",
        nouns: &[("龙井茶", "Longjing Tea"), ("普洱茶", "Pu-erh Tea"), ("挂耳咖啡", "Drip Coffee")],
        brands: &[("西湖", "West Lake"), ("大益", "Dayi"), ("雀巢", "Nestle")],
        specs: WEIGHT,
        price: (29, 899),
    },
    Template {
        category: "Kitchen",
        nouns: &[("电饭煲", "Rice Cooker"), ("炒锅", "Wok"), ("空气炸锅", "Air Fryer")],
        brands: &[("美的", "Midea"), ("苏泊尔", "Supor"), ("九阳", "Joyoung")],
        specs: COLOURS,
        price: (79, 1299),
    },
    Template {
        category: "Skincare",
        nouns: &[("面膜", "Face Mask"), ("精华液", "Serum"), ("防晒霜", "Sunscreen")],
        brands: &[("百雀羚", "Pechoin"), ("兰蔻", "Lancome"), ("欧莱雅", "L'Oreal")],
        specs: &[("容量", &["30ml", "50ml"])],
        price: (39, 1299),
    },
    Template {
        category: "Outdoor Gear",
        nouns: &[("帐篷", "Tent"), ("登山包", "Hiking Backpack")],
        brands: &[("探路者", "Toread"), ("北面", "The North Face")],
        specs: COLOURS,
        price: (99, 2999),
    },
];

const ADJECTIVES: &[(&str, &str)] = &[
    ("新款", "New"),
    ("经典", "Classic"),
    ("轻薄", "Slim"),
    ("加厚", "Thick"),
    ("智能", "Smart"),
    ("有机", "Organic"),
    ("限量", "Limited"),
    ("高端", "Premium"),
    ("便携", "Portable"),
    ("国潮", "Guochao"),
];

const PRODUCTS_PER_BATCH: usize = 500;

pub struct SeedSummary {
    pub shops: usize,
    pub products: usize,
    pub skus: usize,
    /// The demo shop owners' phone numbers (they sign in by SMS code), in shop order.
    pub owner_phones: Vec<String>,
}

/// The phone number of demo shop `n`'s owner for `seed`.
fn demo_owner_phone(seed: u64, n: usize) -> String {
    format!("+86199{:03}{:05}", seed % 1000, n)
}

/// Where demo shop `n` stands: on a small spiral around People's Square, Shanghai, so that
/// "nearby" finds them (within about 3 km of 31.2304, 121.4737).
fn demo_location(n: usize) -> (f64, f64) {
    let turn = n as f64 * 2.399_963; // the golden angle: points spread evenly
    let radius = 0.004 * (n as f64).sqrt().min(7.0);
    (31.2304 + radius * turn.sin(), 121.4737 + radius * turn.cos())
}

/// Seeds `shops` shops and `product_count` products; `progress(done, total)` after each batch.
pub fn seed(
    conn: &mut DbConn,
    shop_count: usize,
    product_count: usize,
    seed: u64,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<SeedSummary, CatalogError> {
    if shop_count == 0 || shop_count > 99_999 {
        return Err(CatalogError::invalid("shops", "must be between 1 and 99999"));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let category_ids: Vec<CategoryId> = TEMPLATES
        .iter()
        .map(|t| {
            categories::table.filter(categories::name_en.eq(t.category)).select(categories::id).first(conn).map_err(
                |_| CatalogError::invalid("categories", format!("the seeded category `{}` is missing", t.category)),
            )
        })
        .collect::<Result<_, _>>()?;
    let owner_phones: Vec<String> = (0..shop_count).map(|n| demo_owner_phone(seed, n)).collect();
    let shop_ids = write_transaction(conn, |conn| {
        let mut ids = Vec::with_capacity(shop_count);
        for n in 0..shop_count {
            let phone = demo_owner_phone(seed, n);
            let template = &TEMPLATES[n % TEMPLATES.len()];
            let (_, shop_id) = bazaar_identity::open_demo_shop(
                conn,
                &bazaar_identity::DemoShop {
                    owner_phone: &phone,
                    owner_nickname: &format!("店主{n}"),
                    name: &format!("{}{}号店", template.brands[0].0, n),
                    main_category: template.category,
                    description: "演示店铺 Demo shop",
                    location: demo_location(n),
                },
            )?;
            ids.push(shop_id);
        }
        Ok::<_, CatalogError>(ids)
    })?;
    let mut summary = SeedSummary { shops: shop_count, products: 0, skus: 0, owner_phones };
    while summary.products < product_count {
        let batch = PRODUCTS_PER_BATCH.min(product_count - summary.products);
        summary.skus += write_transaction(conn, |conn| {
            insert_batch(conn, &mut rng, batch, &shop_ids, &category_ids, summary.products)
        })?;
        summary.products += batch;
        progress(summary.products, product_count);
    }
    Ok(summary)
}

/// A literal for generated demo values. Never used with user input.
enum Lit<'a> {
    Int(i64),
    Text(&'a str),
    Time(chrono::NaiveDateTime),
    Bool(bool),
}

fn render(values: &[Lit<'_>], out: &mut String) {
    out.push('(');
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match value {
            Lit::Int(n) => out.push_str(&n.to_string()),
            Lit::Text(text) => {
                out.push('\'');
                out.push_str(&text.replace('\'', "''"));
                out.push('\'');
            }
            Lit::Time(at) => out.push_str(&format!("'{}'", at.format("%Y-%m-%d %H:%M:%S%.6f"))),
            Lit::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        }
    }
    out.push(')');
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// Runs one multi-row INSERT … RETURNING id and gives the ids in row order. Batch inserts do not
/// compile on the two-backend connection, so this goes to the inner connection directly.
fn insert_returning(conn: &mut DbConn, head: &str, rows: &[String]) -> Result<Vec<i64>, CatalogError> {
    let sql = format!("{head} VALUES {} RETURNING id", rows.join(","));
    let mut ids: Vec<i64> = match conn {
        DbConn::Sqlite(inner) => diesel::sql_query(sql).load::<Id>(inner)?,
        DbConn::Postgres(inner) => diesel::sql_query(sql).load::<Id>(inner)?,
    }
    .into_iter()
    .map(|row| row.id)
    .collect();
    // Both backends number the rows of one statement in order; sorting makes that explicit.
    ids.sort_unstable();
    Ok(ids)
}

fn insert(conn: &mut DbConn, head: &str, rows: &[String]) -> Result<(), CatalogError> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::connection::SimpleConnection::batch_execute(conn, &format!("{head} VALUES {}", rows.join(",")))?;
    Ok(())
}

fn row(values: &[Lit<'_>]) -> String {
    let mut out = String::with_capacity(128);
    render(values, &mut out);
    out
}

fn insert_batch(
    conn: &mut DbConn,
    rng: &mut StdRng,
    batch: usize,
    shop_ids: &[ShopId],
    category_ids: &[CategoryId],
    offset: usize,
) -> Result<usize, CatalogError> {
    let now = Utc::now().naive_utc();
    struct Plan {
        shop: ShopId,
        category: CategoryId,
        title: String,
        subtitle: String,
        brand: &'static str,
        specs: Vec<SpecDimension>,
        skus: Vec<(String, i64, i64)>,
        created_at: chrono::NaiveDateTime,
        sales: i64,
    }
    let mut plans = Vec::with_capacity(batch);
    for n in 0..batch {
        let shop_index = rng.random_range(0..shop_ids.len());
        let template_index = (shop_index + rng.random_range(0..3)) % TEMPLATES.len();
        let template = &TEMPLATES[template_index];
        let (noun_zh, noun_en) = template.nouns[rng.random_range(0..template.nouns.len())];
        let (brand_zh, brand_en) = template.brands[rng.random_range(0..template.brands.len())];
        let (adj_zh, adj_en) = ADJECTIVES[rng.random_range(0..ADJECTIVES.len())];
        let model = format!("{}{}", (b'A' + rng.random_range(0..26u8)) as char, rng.random_range(1..100));
        let specs: Vec<SpecDimension> = template
            .specs
            .iter()
            .map(|(name, values)| {
                let keep = rng.random_range(1..=values.len());
                SpecDimension { name: name.to_string(), values: values[..keep].iter().map(|v| v.to_string()).collect() }
            })
            .collect();
        let base = rng.random_range(template.price.0..=template.price.1) * 100;
        let skus = all_keys(&specs)
            .into_iter()
            .enumerate()
            .map(|(i, key)| (key, base + i as i64 * 500, rng.random_range(0..200)))
            .collect();
        let age = ((offset + n) % 1_000_000) as i64 + rng.random_range(0..86_400);
        plans.push(Plan {
            shop: shop_ids[shop_index],
            category: category_ids[template_index],
            title: format!("{brand_zh} {adj_zh}{noun_zh} {brand_en} {adj_en} {noun_en} {model}"),
            subtitle: format!("{adj_en} {noun_en}"),
            brand: brand_zh,
            specs,
            skus,
            created_at: now - Duration::seconds(age),
            sales: rng.random_range(0..5000),
        });
    }
    let product_rows: Vec<String> = plans
        .iter()
        .map(|p| {
            let prices = p.skus.iter().map(|s| s.1);
            let image = format!("[\"https://img.example/demo/{}.jpg\"]", p.title.len() % 97);
            let description = format!("{}\n演示商品 Demo product.", p.title);
            row(&[
                Lit::Int(p.shop.get()),
                Lit::Int(p.category.get()),
                Lit::Text(&p.title),
                Lit::Text(&p.subtitle),
                Lit::Text(&description),
                Lit::Text(p.brand),
                Lit::Text("[]"),
                Lit::Text("[]"),
                Lit::Text(&image),
                Lit::Text(&json(&p.specs)),
                Lit::Text(bazaar_identity::ShopStatus::Active.as_str()),
                Lit::Int(prices.clone().min().unwrap_or(0)),
                Lit::Int(prices.max().unwrap_or(0)),
                Lit::Int(p.skus.iter().map(|s| s.2).sum()),
                Lit::Int(p.sales),
                Lit::Int(1),
                Lit::Time(p.created_at),
                Lit::Time(p.created_at),
                Lit::Time(p.created_at),
            ])
        })
        .collect();
    let product_ids = insert_returning(
        conn,
        "INSERT INTO products (shop_id, category_id, title, subtitle, description, brand, tags, attributes, images, \
         specs, status, price_min, price_max, total_stock, sales_count, version, created_at, updated_at, published_at)",
        &product_rows,
    )?;
    let mut sku_rows = Vec::new();
    let mut stocks = Vec::new();
    for (product_id, plan) in product_ids.iter().zip(&plans) {
        for (key, price, stock) in &plan.skus {
            let values: std::collections::BTreeMap<&str, &str> =
                plan.specs.iter().map(|d| d.name.as_str()).zip(key.split('/')).collect();
            sku_rows.push(row(&[
                Lit::Int(*product_id),
                Lit::Text(key),
                Lit::Text(&json(&values)),
                Lit::Int(*price),
                Lit::Int(*stock),
                Lit::Bool(true),
                Lit::Time(now),
                Lit::Time(now),
            ]));
            stocks.push(*stock);
        }
    }
    let mut sku_ids = Vec::with_capacity(sku_rows.len());
    for chunk in sku_rows.chunks(2000) {
        sku_ids.extend(insert_returning(
            conn,
            "INSERT INTO skus (product_id, spec_key, spec_values, price, stock, active, created_at, updated_at)",
            chunk,
        )?);
    }
    let ledger: Vec<String> = sku_ids
        .iter()
        .zip(&stocks)
        .filter(|(_, stock)| **stock > 0)
        .map(|(sku, stock)| {
            row(&[Lit::Int(*sku), Lit::Int(*stock), Lit::Int(*stock), Lit::Text("initial"), Lit::Time(now)])
        })
        .collect();
    for chunk in ledger.chunks(3000) {
        insert(conn, "INSERT INTO inventory_ledger (sku_id, delta, stock_after, reason, created_at)", chunk)?;
    }
    let events: Vec<String> = product_ids
        .iter()
        .map(|id| row(&[Lit::Text("product"), Lit::Int(*id), Lit::Text("published"), Lit::Text("{}"), Lit::Time(now)]))
        .collect();
    insert(conn, "INSERT INTO outbox_events (topic, entity_id, kind, payload, created_at)", &events)?;
    Ok(sku_ids.len())
}
