//! A fixed catalog for search tests, and waiting for the index to catch up.

use crate::{TestApp, User};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// How long the index may take to show a change in these tests (the target is 1 s; slack for a
/// loaded CI machine).
pub const INDEX_WAIT: Duration = Duration::from_secs(10);

/// A product of the fixed catalog: (key, title, brand, tags, category name_en, price, stock).
pub type Fixture = (&'static str, &'static str, &'static str, &'static [&'static str], &'static str, &'static str, i64);

pub const CATALOG: &[Fixture] = &[
    ("huawei", "华为 Mate 60 Pro 手机 5G 全网通", "华为", &["旗舰"], "Phones", "5999.00", 20),
    ("iphone", "Apple iPhone 15 手机 128GB", "Apple", &["旗舰"], "Phones", "5399.00", 15),
    ("xiaomi", "小米 14 智能手机 徕卡影像", "小米", &[], "Phones", "3999.00", 0),
    ("case", "iPhone 15 透明手机壳 防摔", "倍思", &["手机壳"], "Phone Accessories", "29.90", 300),
    ("anker", "Anker 充电宝 20000mAh 快充", "Anker", &[], "Phone Accessories", "149.00", 80),
    ("romoss", "罗马仕 移动电源 10000毫安", "罗马仕", &[], "Phone Accessories", "69.00", 60),
    ("nike", "Nike Running Shoes 男款跑步鞋", "Nike", &["运动"], "Sneakers", "699.00", 12),
    ("cardholder", "银行卡套 真皮 多卡位", "老街", &[], "Home", "39.00", 40),
    ("hotpot", "重庆火锅底料 麻辣 500g", "桥头", &[], "Snacks", "25.00", 100),
    ("earphones", "蓝牙耳机 主动降噪", "漫步者", &[], "Audio", "299.00", 35),
    ("tshirt", "纯棉T恤 女款 夏季", "老街", &["夏季"], "Women", "59.00", 50),
    ("watch", "智能运动手表 心率监测", "华米", &[], "Electronics", "499.00", 25),
    ("jewelry", "首饰盒 丝绒收纳", "老街", &[], "Home", "45.00", 30),
];

/// The products of [`CATALOG`] by key, created and published in one shop.
pub struct Catalog {
    pub seller: User,
    pub shop: i64,
    pub ids: Vec<(&'static str, i64)>,
}

impl Catalog {
    pub fn id(&self, key: &str) -> i64 {
        self.ids.iter().find(|(k, _)| *k == key).map(|(_, id)| *id).unwrap_or_else(|| panic!("no product {key}"))
    }

    pub fn key(&self, id: i64) -> &'static str {
        self.ids.iter().find(|(_, i)| *i == id).map(|(k, _)| *k).unwrap_or("?")
    }
}

impl TestApp {
    pub async fn search_catalog(&self) -> Catalog {
        let admin = self.admin().await;
        let (seller, shop) = self.seller(&admin).await;
        let mut ids = Vec::new();
        for (key, title, brand, tags, category, price, stock) in CATALOG {
            let body = json!({ "shop_id": shop, "category_id": self.category(category).await, "title": title,
                "brand": brand, "tags": tags, "images": ["https://img.example/p.jpg"],
                "skus": [{ "price": price, "stock": stock }] });
            let product = self.publish_product(&seller, &body).await;
            ids.push((*key, product["id"].as_i64().expect("id")));
        }
        let catalog = Catalog { seller, shop, ids };
        let last = catalog.ids.last().map(|(_, id)| *id).unwrap_or_default();
        self.until_searchable("首饰盒", last).await;
        catalog
    }

    /// GET /api/v1/search with `query` (already URL-encoded by reqwest).
    pub async fn search(&self, params: &[(&str, &str)]) -> reqwest::Response {
        self.client.get(self.url("/api/v1/search")).query(params).send().await.expect("search request")
    }

    /// Ids of the hits for `q`.
    pub async fn hits(&self, q: &str) -> Vec<i64> {
        let page: Value = self.search(&[("q", q), ("limit", "50")]).await.json().await.expect("search page");
        page["items"]
            .as_array()
            .map(|items| items.iter().filter_map(|i| i["id"].as_i64()).collect())
            .unwrap_or_default()
    }

    /// Waits until searching `q` finds product `id`; returns how long it took.
    pub async fn until_searchable(&self, q: &str, id: i64) -> Duration {
        let started = Instant::now();
        while started.elapsed() < INDEX_WAIT {
            if self.hits(q).await.contains(&id) {
                return started.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("product {id} never became searchable as {q:?}");
    }

    /// Waits until searching `q` no longer finds product `id`.
    pub async fn until_gone(&self, q: &str, id: i64) {
        let started = Instant::now();
        while started.elapsed() < INDEX_WAIT {
            if !self.hits(q).await.contains(&id) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("product {id} stayed searchable as {q:?}");
    }
}
