//! Catalog helpers: find categories, build product bodies, create and publish products.

use crate::{TestApp, User};
use serde_json::{Value, json};

impl TestApp {
    /// The id of the category named `name_en` in the seeded tree.
    pub async fn category(&self, name_en: &str) -> i64 {
        let tree: Value = self.get("/api/v1/categories").await.json::<Value>().await.expect("tree")["items"].clone();
        fn find(nodes: &Value, name: &str) -> Option<i64> {
            nodes.as_array()?.iter().find_map(|node| {
                if node["name_en"] == name { node["id"].as_i64() } else { find(&node["children"], name) }
            })
        }
        find(&tree, name_en).unwrap_or_else(|| panic!("no category {name_en}"))
    }

    /// Creates a draft; asserts 201 and returns the seller's view of it.
    pub async fn create_product(&self, seller: &User, body: &Value) -> Value {
        let response = self.post_as(seller, "/api/v1/seller/products", body).await;
        let status = response.status();
        let body: Value = response.json().await.expect("product");
        assert_eq!(status, 201, "{body}");
        body
    }

    /// Creates and publishes; returns the seller's view.
    pub async fn publish_product(&self, seller: &User, body: &Value) -> Value {
        let product = self.create_product(seller, body).await;
        let published =
            self.post_as(seller, &format!("/api/v1/seller/products/{}/publish", product["id"]), &json!({})).await;
        assert_eq!(published.status(), 200);
        published.json().await.expect("published product")
    }
}

/// A T-shirt with colour × size specs: six SKUs, prices 79.00–99.00, stock 10 each.
pub fn tshirt(shop_id: i64, category_id: i64, title: &str) -> Value {
    let mut skus = Vec::new();
    for (colour, base) in [("红", 79), ("黑", 89)] {
        for (n, size) in ["S", "M", "L"].iter().enumerate() {
            skus.push(
                json!({ "specs": { "颜色": colour, "尺码": size }, "price": format!("{}.00", base + n as i64 * 5),
                              "stock": 10, "code": format!("T-{colour}-{size}") }),
            );
        }
    }
    json!({
        "shop_id": shop_id, "category_id": category_id, "title": title, "subtitle": "纯棉 Cotton",
        "brand": "老街", "tags": ["夏季", "cotton"], "attributes": [{ "name": "材质", "value": "棉" }],
        "images": ["https://img.example/t1.jpg", "https://img.example/t2.jpg"],
        "specs": [{ "name": "颜色", "values": ["红", "黑"] }, { "name": "尺码", "values": ["S", "M", "L"] }],
        "skus": skus,
    })
}

/// A product without specs: one SKU at `price` with `stock`.
pub fn simple(shop_id: i64, category_id: i64, title: &str, price: &str, stock: i64) -> Value {
    json!({ "shop_id": shop_id, "category_id": category_id, "title": title,
            "images": ["https://img.example/p.jpg"], "skus": [{ "price": price, "stock": stock }] })
}
