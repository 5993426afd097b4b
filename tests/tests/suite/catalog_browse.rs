//! Buyers browsing over real HTTP: categories with descendants, sorts, keyset pages that stay
//! correct while products change, ETag / 304, recently viewed, shop pages and follows, suspension.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, on_both_backends, problem};
use serde_json::{Value, json};
use std::time::Duration;

on_both_backends!(
    categories_include_their_descendants_and_shops_filter,
    sorts_order_by_price_and_sales,
    pages_stay_correct_while_products_are_added,
    product_pages_carry_etags_and_answer_304,
    recently_viewed_lists_the_latest_views_first,
    shop_pages_follows_and_suspension,
    admins_manage_categories,
);

async fn ids(app: &TestApp, path: &str) -> Vec<i64> {
    let page: Value = app.get(path).await.json().await.unwrap();
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: {page}"))
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect()
}

async fn categories_include_their_descendants_and_shops_filter(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let (other, other_shop) = app.seller(&admin).await;
    let phone =
        app.publish_product(&seller, &simple(shop, app.category("Phones").await, "华为 Mate 60", "5999.00", 3)).await;
    let case = app
        .publish_product(&other, &simple(other_shop, app.category("Phone Accessories").await, "手机壳", "19.90", 50))
        .await;
    let tea =
        app.publish_product(&seller, &simple(shop, app.category("Tea & Drinks").await, "龙井茶", "128.00", 9)).await;

    let electronics = app.category("Electronics").await;
    let mut found = ids(&app, &format!("/api/v1/products?category={electronics}")).await;
    found.sort();
    assert_eq!(found, vec![phone["id"].as_i64().unwrap(), case["id"].as_i64().unwrap()]);
    assert_eq!(
        ids(&app, &format!("/api/v1/products?category={}", app.category("Phones").await)).await,
        vec![phone["id"].as_i64().unwrap()]
    );
    let mut in_shop = ids(&app, &format!("/api/v1/products?shop={shop}")).await;
    in_shop.sort();
    assert_eq!(in_shop, vec![phone["id"].as_i64().unwrap(), tea["id"].as_i64().unwrap()]);
    let unknown = app.get("/api/v1/products?category=999999").await;
    assert_eq!(problem(unknown).await["field"], "category");
    let bad_sort = app.get("/api/v1/products?sort=random").await;
    assert_eq!(bad_sort.status(), 400);
    let bad_cursor = app.get("/api/v1/products?cursor=zz").await;
    assert_eq!(problem(bad_cursor).await["code"], "invalid_cursor");
}

async fn sorts_order_by_price_and_sales(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let snacks = app.category("Snacks").await;
    let mut created = Vec::new();
    for (title, price) in [("中", "20.00"), ("贵", "99.00"), ("便宜", "1.50"), ("同价", "20.00")] {
        created
            .push(app.publish_product(&seller, &simple(shop, snacks, title, price, 5)).await["id"].as_i64().unwrap());
    }
    let asc = ids(&app, "/api/v1/products?sort=price_asc").await;
    assert_eq!(asc, vec![created[2], created[0], created[3], created[1]], "ties by id");
    let desc = ids(&app, "/api/v1/products?sort=price_desc").await;
    assert_eq!(desc, vec![created[1], created[3], created[0], created[2]]);
    let newest = ids(&app, "/api/v1/products").await;
    assert_eq!(newest, vec![created[3], created[2], created[1], created[0]]);
    let page: Value = app.get("/api/v1/products?sort=price_asc&limit=1").await.json().await.unwrap();
    assert_eq!(
        (page["items"][0]["price_min"].as_str(), page["items"][0]["in_stock"].as_bool()),
        (Some("1.50"), Some(true))
    );
    assert_eq!(page["items"][0]["image"], "https://img.example/p.jpg");
}

async fn pages_stay_correct_while_products_are_added(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let snacks = app.category("Snacks").await;
    let mut all = Vec::new();
    for n in 0..7 {
        all.push(
            app.publish_product(&seller, &simple(shop, snacks, &format!("零食{n}"), &format!("{}.00", 10 + n % 3), 5))
                .await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    for sort in ["newest", "price_asc", "price_desc", "sales"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/products?sort={sort}&limit=3&cursor={c}"),
                None => format!("/api/v1/products?sort={sort}&limit=3"),
            };
            let page: Value = app.get(&path).await.json().await.unwrap();
            seen.extend(page["items"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()));
            pages += 1;
            if pages == 1 {
                // A product published mid-way sorts before the cursor (newest) or among what is
                // left: either way no page repeats or skips an existing product.
                app.publish_product(&seller, &simple(shop, snacks, "新品", "10.00", 5)).await;
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
            assert!(pages < 10, "pagination must end");
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "{sort}: no product twice: {seen:?}");
        for id in &all {
            assert!(seen.contains(id), "{sort}: product {id} skipped: {seen:?}");
        }
    }
}

async fn product_pages_carry_etags_and_answer_304(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "牛肉干", "35.00", 5)).await;
    let path = format!("/api/v1/products/{}", product["id"]);
    let first = app.get(&path).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let conditional = app.client.get(app.url(&path)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(conditional.status(), 304);
    assert_eq!(conditional.headers()["etag"], etag.as_str());

    let sku = product["skus"][0]["id"].as_i64().unwrap();
    app.patch_as(&seller, &format!("/api/v1/seller/skus/{sku}/stock"), &json!({ "adjust": 1, "reason": "到货" })).await;
    let changed = app.client.get(app.url(&path)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(changed.status(), 200, "a SKU change changes the ETag");
    assert_ne!(changed.headers()["etag"], etag.as_str());
    assert_eq!(changed.json::<Value>().await.unwrap()["total_stock"], 6);
    assert_eq!(app.get("/api/v1/products/999999").await.status(), 404);
    assert_eq!(app.get("/api/v1/products/abc").await.status(), 404);
}

async fn recently_viewed_lists_the_latest_views_first(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let snacks = app.category("Snacks").await;
    let a = app.publish_product(&seller, &simple(shop, snacks, "甲", "1.00", 1)).await["id"].as_i64().unwrap();
    let b = app.publish_product(&seller, &simple(shop, snacks, "乙", "1.00", 1)).await["id"].as_i64().unwrap();
    let buyer = app.register().await;
    for id in [a, b, a] {
        assert_eq!(app.get_as(&buyer, &format!("/api/v1/products/{id}")).await.status(), 200);
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let mut viewed = Vec::new();
    for _ in 0..50 {
        let list: Value = app.items_as(&buyer, "/api/v1/me/recently-viewed").await;
        viewed = list.as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
        if viewed == vec![a, b] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(viewed, vec![a, b], "the latest view first, each product once");
    assert_eq!(app.get("/api/v1/me/recently-viewed").await.status(), 401);
}

async fn shop_pages_follows_and_suspension(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "桂花糕", "8.00", 5)).await;
    let patch = json!({ "logo_url": "https://img.example/logo.png", "brand_story": "百年老店", "latitude": 31.23, "longitude": 121.47,
                        "business_hours": "09:00-21:00", "service_hours": "09:00-12:00,13:00-18:00" });
    let page: Value = app.patch_as(&seller, &format!("/api/v1/shops/{shop}"), &patch).await.json().await.unwrap();
    assert_eq!((page["brand_story"].as_str(), page["latitude"].as_f64()), (Some("百年老店"), Some(31.23)));
    let bad = app.patch_as(&seller, &format!("/api/v1/shops/{shop}"), &json!({ "business_hours": "all day" })).await;
    assert_eq!(problem(bad).await["field"], "business_hours");
    let bad =
        app.patch_as(&seller, &format!("/api/v1/shops/{shop}"), &json!({ "latitude": 91.0, "longitude": 0.0 })).await;
    assert_eq!(problem(bad).await["field"], "latitude");
    let clerk = app.register().await;
    app.post_as(&seller, &format!("/api/v1/shops/{shop}/staff"), &json!({ "phone": clerk.phone })).await;
    assert_eq!(app.patch_as(&clerk, &format!("/api/v1/shops/{shop}"), &json!({ "name": "改名" })).await.status(), 403);

    let buyer = app.register().await;
    for _ in 0..2 {
        let followed: Value =
            app.post_as(&buyer, &format!("/api/v1/shops/{shop}/follow"), &json!({})).await.json().await.unwrap();
        assert_eq!(followed["followers_count"], 1, "following twice counts once");
    }
    let unfollowed: Value = app.delete_as(&buyer, &format!("/api/v1/shops/{shop}/follow")).await.json().await.unwrap();
    assert_eq!(unfollowed["followers_count"], 0);
    assert_eq!(app.post_as(&buyer, "/api/v1/shops/999999/follow", &json!({})).await.status(), 404);

    assert_eq!(app.post_as(&admin, &format!("/api/v1/admin/shops/{shop}/suspend"), &json!({})).await.status(), 200);
    assert_eq!(app.get(&format!("/api/v1/products/{}", product["id"])).await.status(), 404);
    assert!(ids(&app, "/api/v1/products").await.is_empty(), "a suspended shop's products leave the lists");
    assert_eq!(app.post_as(&admin, &format!("/api/v1/admin/shops/{shop}/reinstate"), &json!({})).await.status(), 200);
    assert_eq!(app.get(&format!("/api/v1/products/{}", product["id"])).await.status(), 200);
}

async fn admins_manage_categories(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let phones = app.category("Phones").await;
    let body = json!({ "parent_id": phones, "name_zh": "折叠屏", "name_en": "Foldables" });
    assert_eq!(app.post_as(&seller, "/api/v1/admin/categories", &body).await.status(), 403);
    let created: Value = app.post_as(&admin, "/api/v1/admin/categories", &body).await.json().await.unwrap();
    let foldables = created["id"].as_i64().unwrap();
    assert_eq!(app.category("Foldables").await, foldables, "in the tree, under Phones");
    let bad = app
        .post_as(
            &admin,
            "/api/v1/admin/categories",
            &json!({ "parent_id": 999999, "name_zh": "无", "name_en": "None" }),
        )
        .await;
    assert_eq!(problem(bad).await["field"], "parent_id");

    // A product in the new leaf is found from its grandparent (Electronics includes descendants).
    let product = app.publish_product(&seller, &simple(shop, foldables, "折叠屏手机", "8999.00", 2)).await;
    let electronics = app.category("Electronics").await;
    assert_eq!(
        ids(&app, &format!("/api/v1/products?category={electronics}")).await,
        vec![product["id"].as_i64().unwrap()]
    );

    let in_use = app.delete_as(&admin, &format!("/api/v1/admin/categories/{phones}")).await;
    assert_eq!(problem(in_use).await["code"], "category_in_use");
    let empty: Value = app
        .post_as(&admin, "/api/v1/admin/categories", &json!({ "name_zh": "临时", "name_en": "Temporary" }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(app.delete_as(&admin, &format!("/api/v1/admin/categories/{}", empty["id"])).await.status(), 204);
    let tree: Value = app.get("/api/v1/categories").await.json::<Value>().await.unwrap()["items"].clone();
    assert!(!tree.to_string().contains("Temporary"));
}
