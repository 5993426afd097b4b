//! Sellers' listings over real HTTP: products with spec-combination SKUs, edits that keep stock,
//! the inventory ledger, publishing, and every kind of bad input named by its field.

use bazaar_tests::catalog::{simple, tshirt};
use bazaar_tests::{Backend, TestApp, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(
    a_product_gets_one_sku_per_combination,
    editing_specs_keeps_the_stock_of_combinations_that_stay,
    stock_changes_are_ledgered_and_never_negative,
    bad_listings_are_refused_with_the_field_named,
    only_the_shops_members_manage_its_products,
    drafts_can_be_deleted_published_products_cannot,
    every_change_lands_on_the_outbox,
);

async fn a_product_gets_one_sku_per_combination(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let women = app.category("Women").await;
    let product = app.create_product(&seller, &tshirt(shop, women, "纯棉T恤 Cotton Tee")).await;
    assert_eq!(product["status"], "draft");
    assert_eq!(product["skus"].as_array().unwrap().len(), 6);
    assert_eq!((product["price_min"].as_str(), product["price_max"].as_str()), (Some("79.00"), Some("99.00")));
    assert_eq!(product["total_stock"], 60);
    let red_m = product["skus"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["specs"] == json!({ "颜色": "红", "尺码": "M" }))
        .unwrap();
    assert_eq!((red_m["price"].as_str(), red_m["code"].as_str()), (Some("84.00"), Some("T-红-M")));

    assert_eq!(app.get(&format!("/api/v1/products/{}", product["id"])).await.status(), 404, "drafts are not on sale");
    let published: Value = app
        .post_as(&seller, &format!("/api/v1/seller/products/{}/publish", product["id"]), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(published["status"], "active");
    let page: Value = app.get(&format!("/api/v1/products/{}", product["id"])).await.json().await.unwrap();
    assert_eq!(page["skus"].as_array().unwrap().len(), 6);
    assert_eq!(page["shop"]["id"], shop);
}

async fn editing_specs_keeps_the_stock_of_combinations_that_stay(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &tshirt(shop, app.category("Women").await, "T恤")).await;
    let id = product["id"].as_i64().unwrap();
    let red_s = product["skus"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["specs"] == json!({ "颜色": "红", "尺码": "S" }))
        .unwrap()
        .clone();
    let adjusted = app
        .patch_as(
            &seller,
            &format!("/api/v1/seller/skus/{}/stock", red_s["id"]),
            &json!({ "adjust": -4, "reason": "卖出线下" }),
        )
        .await;
    assert_eq!(adjusted.status(), 200);

    // Drop size L, add colour 白: 红/黑/白 × S/M.
    let mut skus = Vec::new();
    for colour in ["红", "黑", "白"] {
        for size in ["S", "M"] {
            skus.push(json!({ "specs": { "颜色": colour, "尺码": size }, "price": "88.00", "stock": 3 }));
        }
    }
    let edited = app
        .patch_as(
            &seller,
            &format!("/api/v1/seller/products/{id}"),
            &json!({ "specs": [{ "name": "颜色", "values": ["红", "黑", "白"] }, { "name": "尺码", "values": ["S", "M"] }], "skus": skus }),
        )
        .await;
    let edited: Value = edited.json().await.unwrap();
    let skus = edited["skus"].as_array().unwrap();
    assert_eq!(skus.len(), 6);
    let kept = skus.iter().find(|s| s["specs"] == json!({ "颜色": "红", "尺码": "S" })).unwrap();
    assert_eq!(kept["id"], red_s["id"], "a combination that stays keeps its SKU");
    assert_eq!(kept["stock"], 6, "and its stock (10 - 4), not the 3 sent for new SKUs");
    assert_eq!(kept["price"], "88.00", "prices follow the edit");
    let white = skus.iter().find(|s| s["specs"] == json!({ "颜色": "白", "尺码": "M" })).unwrap();
    assert_eq!(white["stock"], 3);
    assert!(skus.iter().all(|s| s["specs"]["尺码"] != "L"));
    assert_eq!(edited["total_stock"], 6 + 10 + 10 + 10 + 3 + 3);
    assert!(edited["version"].as_i64().unwrap() > product["version"].as_i64().unwrap());
}

async fn stock_changes_are_ledgered_and_never_negative(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product =
        app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "麻辣花生", "12.50", 8)).await;
    let sku = product["skus"][0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/seller/skus/{sku}/stock");
    for (change, expected) in [
        (json!({ "set": 20, "reason": "盘点" }), 20),
        (json!({ "adjust": -7, "reason": "破损" }), 13),
        (json!({ "adjust": 2, "note": "到货" }), 15),
    ] {
        let body: Value = app.patch_as(&seller, &path, &change).await.json().await.unwrap();
        assert_eq!(body["stock"], expected, "{change}");
    }
    let below = app.patch_as(&seller, &path, &json!({ "adjust": -16, "reason": "x" })).await;
    assert_eq!(
        (below.status().as_u16(), problem(below).await["field"].as_str().map(String::from)),
        (422, Some("adjust".into()))
    );
    for (bad, field) in [
        (json!({ "set": -1, "reason": "x" }), "set"),
        (json!({ "set": 1, "adjust": 1, "reason": "x" }), "set"),
        (json!({ "adjust": 1, "note": "" }), "note"),
    ] {
        assert_eq!(problem(app.patch_as(&seller, &path, &bad).await).await["field"], field, "{bad}");
    }

    let ledger: Value = app.items_as(&seller, &format!("/api/v1/seller/skus/{sku}/ledger")).await;
    let entries = ledger.as_array().unwrap();
    let reasons: Vec<&str> = entries.iter().map(|e| e["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["adjustment", "adjustment", "adjustment", "initial"]);
    let sum: i64 = entries.iter().map(|e| e["delta"].as_i64().unwrap()).sum();
    assert_eq!(sum, 15, "the stock equals the sum of its ledger");
    assert_eq!(entries[0]["stock_after"], 15);
    assert_eq!(entries[0]["note"], "到货");
    assert_eq!(entries[0]["actor_id"], seller.id);

    let page: Value = app.get(&format!("/api/v1/products/{}", product["id"])).await.json().await.unwrap();
    assert_eq!(page["total_stock"], 15, "the product total follows");
    let low: Value = app.items_as(&seller, &format!("/api/v1/seller/shops/{shop}/low-stock?threshold=20")).await;
    assert_eq!(low[0]["sku_id"], sku);
    let none: Value = app.items_as(&seller, &format!("/api/v1/seller/shops/{shop}/low-stock?threshold=5")).await;
    assert_eq!(none, json!([]));
}

async fn bad_listings_are_refused_with_the_field_named(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let women = app.category("Women").await;
    let with = |path: &[&str], value: Value| {
        let mut body = tshirt(shop, women, "T恤");
        let mut at = &mut body;
        for (i, key) in path.iter().enumerate() {
            if i + 1 == path.len() {
                at[*key] = value.clone();
            } else {
                at = match key.parse::<usize>() {
                    Ok(n) => &mut at[n],
                    Err(_) => &mut at[*key],
                };
            }
        }
        body
    };
    let cases = [
        (with(&["skus", "0", "price"], json!("0.00")), "skus[0].price"),
        (with(&["skus", "1", "price"], json!("-5.00")), "skus[1].price"),
        (with(&["skus", "2", "price"], json!("1.999")), "skus[2].price"),
        (with(&["skus", "3", "stock"], json!(-1)), "skus[3].stock"),
        (with(&["skus", "4", "specs"], json!({ "颜色": "蓝", "尺码": "S" })), "skus[4].specs"),
        (with(&["skus", "5", "specs"], json!({ "颜色": "红" })), "skus[5].specs"),
        (with(&["skus", "5", "specs"], json!({ "颜色": "红", "尺码": "S" })), "skus[5].specs"),
        (with(&["title"], json!("长".repeat(10_000))), "title"),
        (with(&["title"], json!("   ")), "title"),
        (with(&["category_id"], json!(999_999)), "category_id"),
        (with(&["images"], json!(["ftp://nope"])), "images[0]"),
        (with(&["specs", "1", "values"], json!(["S", "S"])), "specs[1].values[1]"),
        (with(&["skus"], json!([])), "skus"),
    ];
    for (body, field) in cases {
        let response = app.post_as(&seller, "/api/v1/seller/products", &body).await;
        assert_eq!(response.status(), 422, "{field}");
        assert_eq!(problem(response).await["field"], field);
    }
    let mut missing = tshirt(shop, women, "T恤");
    missing["skus"].as_array_mut().unwrap().pop();
    let response = app.post_as(&seller, "/api/v1/seller/products", &missing).await;
    let body = problem(response).await;
    assert_eq!(body["field"], "skus");
    assert!(body["detail"].as_str().unwrap().contains("黑/L"), "{body}");
}

async fn only_the_shops_members_manage_its_products(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let (rival, rival_shop) = app.seller(&admin).await;
    let buyer = app.register().await;
    let women = app.category("Women").await;
    let product = app.publish_product(&seller, &tshirt(shop, women, "T恤")).await;
    let id = product["id"].as_i64().unwrap();
    let sku = product["skus"][0]["id"].as_i64().unwrap();

    for user in [&rival, &buyer] {
        assert_eq!(
            app.patch_as(user, &format!("/api/v1/seller/products/{id}"), &json!({ "title": "偷梁换柱" }))
                .await
                .status(),
            403
        );
        assert_eq!(
            app.post_as(user, &format!("/api/v1/seller/products/{id}/unpublish"), &json!({})).await.status(),
            403
        );
        assert_eq!(
            app.patch_as(user, &format!("/api/v1/seller/skus/{sku}/stock"), &json!({ "set": 0, "reason": "x" }))
                .await
                .status(),
            403
        );
        assert_eq!(app.post_as(user, "/api/v1/seller/products", &tshirt(shop, women, "冒名")).await.status(), 403);
    }
    assert_eq!(app.post_as(&rival, "/api/v1/seller/products", &tshirt(rival_shop, women, "自家")).await.status(), 201);

    // Staff manage listings too.
    let clerk = app.register().await;
    app.post_as(&seller, &format!("/api/v1/shops/{shop}/staff"), &json!({ "phone": clerk.phone })).await;
    let renamed = app.patch_as(&clerk, &format!("/api/v1/seller/products/{id}"), &json!({ "title": "新款T恤" })).await;
    assert_eq!(renamed.status(), 200);
    let page: Value = app.get(&format!("/api/v1/products/{id}")).await.json().await.unwrap();
    assert_eq!(page["title"], "新款T恤");

    // A banned product: gone for buyers, frozen for sellers.
    assert_eq!(app.post_as(&seller, &format!("/api/v1/admin/products/{id}/ban"), &json!({})).await.status(), 403);
    assert_eq!(app.post_as(&admin, &format!("/api/v1/admin/products/{id}/ban"), &json!({})).await.status(), 200);
    assert_eq!(app.get(&format!("/api/v1/products/{id}")).await.status(), 404);
    let frozen = app.patch_as(&seller, &format!("/api/v1/seller/products/{id}"), &json!({ "title": "解封" })).await;
    assert_eq!(problem(frozen).await["code"], "product_banned");
    let republish = app.post_as(&seller, &format!("/api/v1/seller/products/{id}/publish"), &json!({})).await;
    assert_eq!(problem(republish).await["code"], "invalid_status");
}

async fn drafts_can_be_deleted_published_products_cannot(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let snacks = app.category("Snacks").await;
    let draft = app.create_product(&seller, &simple(shop, snacks, "草稿", "1.00", 1)).await;
    let live = app.publish_product(&seller, &simple(shop, snacks, "在售", "1.00", 1)).await;
    assert_eq!(app.delete_as(&seller, &format!("/api/v1/seller/products/{}", draft["id"])).await.status(), 204);
    assert_eq!(app.get_as(&seller, &format!("/api/v1/seller/products/{}", draft["id"])).await.status(), 404);
    let refused = app.delete_as(&seller, &format!("/api/v1/seller/products/{}", live["id"])).await;
    assert_eq!(problem(refused).await["code"], "invalid_status");
    let delisted: Value = app
        .post_as(&seller, &format!("/api/v1/seller/products/{}/unpublish", live["id"]), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(delisted["status"], "delisted");
    assert_eq!(app.get(&format!("/api/v1/products/{}", live["id"])).await.status(), 404);
}

async fn every_change_lands_on_the_outbox(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "瓜子", "5.00", 5)).await;
    let sku = product["skus"][0]["id"].as_i64().unwrap();
    app.patch_as(&seller, &format!("/api/v1/seller/skus/{sku}/stock"), &json!({ "adjust": 1, "reason": "到货" })).await;
    app.patch_as(&seller, &format!("/api/v1/shops/{shop}"), &json!({ "brand_story": "since 1990" })).await;
    let id = product["id"].as_i64().unwrap();
    let events = app
        .app_state
        .db
        .run(|conn| bazaar_db::outbox::read_after(conn, bazaar_core::ids::EventId(0), 1000))
        .await
        .unwrap();
    let kinds: Vec<(String, String)> = events
        .iter()
        .filter(|e| (e.topic == "product" && e.entity_id == id) || (e.topic == "shop" && e.entity_id == shop))
        .map(|e| (e.topic.clone(), e.kind.clone()))
        .collect();
    let expected = [
        ("shop", "created"),
        ("product", "created"),
        ("product", "published"),
        ("product", "stock_changed"),
        ("shop", "updated"),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(t, k)| (t.to_string(), k.to_string())).collect();
    assert_eq!(kinds, expected);
}
