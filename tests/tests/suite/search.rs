//! Search over HTTP: filters, facets, sorts and paging; clear errors; changes searchable within
//! moments; suggestions; hot and zero-result queries; synonyms; shops nearby; restart and a
//! corrupt index; a full rebuild.

use bazaar_tests::{Backend, TestApp, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(
    filters_facets_sorts_and_pages,
    bad_queries_are_refused_clearly,
    changes_become_searchable_and_unsearchable,
    suggestions_complete_characters_and_pinyin,
    hot_and_zero_result_queries_are_counted,
    admins_edit_synonyms,
    shops_nearby_sorted_by_distance,
    a_restart_resumes_and_a_corrupt_index_is_rebuilt,
    a_rebuild_indexes_every_searchable_product_and_only_those,
);

async fn page(app: &TestApp, params: &[(&str, &str)]) -> Value {
    let response = app.search(params).await;
    assert_eq!(response.status(), 200, "{params:?}");
    response.json().await.unwrap()
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

async fn filters_facets_sorts_and_pages(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let catalog = app.search_catalog().await;
    let phones_category = app.category("Phones").await.to_string();
    let electronics = app.category("Electronics").await.to_string();

    // Category filter includes descendants: Electronics holds phones, accessories, audio, the watch.
    let in_phones = page(&app, &[("q", "手机"), ("category", &phones_category)]).await;
    assert_eq!(in_phones["total"], 3, "{in_phones}");
    let in_electronics = page(&app, &[("q", "shouji"), ("category_id", &electronics)]).await;
    assert!(ids(&in_electronics).contains(&catalog.id("case")));
    // Facets count the whole filtered set: the subcategories of Electronics, brands, price buckets.
    let facets = &in_electronics["facets"];
    let phones_count = facets["categories"].as_array().unwrap().iter().find(|c| c["name_en"] == "Phones").unwrap();
    assert_eq!(phones_count["count"], 3);
    assert!(facets["brands"].as_array().unwrap().iter().any(|b| b["brand"] == "华为" && b["count"] == 1));
    let buckets: u64 = facets["prices"].as_array().unwrap().iter().map(|b| b["count"].as_u64().unwrap()).sum();
    assert_eq!(buckets, in_electronics["total"].as_u64().unwrap());
    // Unfiltered, every match rolls up to its top-level category, largest first.
    let everywhere = page(&app, &[("q", "shouji")]).await;
    let top = everywhere["facets"]["categories"].as_array().unwrap();
    assert!(top.iter().any(|c| c["name_en"] == "Electronics"), "{everywhere}");
    assert!(top.iter().all(|c| c["name_en"] != "Phones"), "only top-level categories at the root: {everywhere}");
    let counts: Vec<u64> = top.iter().map(|c| c["count"].as_u64().unwrap()).collect();
    assert!(counts.windows(2).all(|pair| pair[0] >= pair[1]), "largest first: {counts:?}");
    assert_eq!(counts.iter().sum::<u64>(), everywhere["total"].as_u64().unwrap());

    // Brand, price range, stock and tag filters.
    assert_eq!(ids(&page(&app, &[("q", "手机"), ("brand", "华为")]).await), vec![catalog.id("huawei")]);
    // 手机 also matches accessories through their category (手机配件); at most 100.00 leaves two.
    let cheap = page(&app, &[("q", "手机"), ("price_max", "100.00")]).await;
    let mut cheap_ids = ids(&cheap);
    cheap_ids.sort_unstable();
    assert_eq!(cheap_ids, vec![catalog.id("case"), catalog.id("romoss")]);
    let mid = page(&app, &[("q", "手机"), ("price_min", "4000"), ("price_max", "5500.00")]).await;
    assert_eq!(ids(&mid), vec![catalog.id("iphone")]);
    let stocked = ids(&page(&app, &[("q", "手机"), ("category", &phones_category), ("in_stock", "true")]).await);
    assert!(!stocked.contains(&catalog.id("xiaomi")) && stocked.len() == 2, "out-of-stock excluded");
    assert_eq!(ids(&page(&app, &[("q", "手机"), ("tags", "旗舰")]).await).len(), 2);

    // Sorts.
    let by_price = page(&app, &[("q", "手机"), ("category", &phones_category), ("sort", "price_asc")]).await;
    assert_eq!(ids(&by_price), vec![catalog.id("xiaomi"), catalog.id("iphone"), catalog.id("huawei")]);
    let by_price_desc = page(&app, &[("q", "手机"), ("category", &phones_category), ("sort", "price_desc")]).await;
    assert_eq!(ids(&by_price_desc)[0], catalog.id("huawei"));
    let newest = page(&app, &[("q", "手机"), ("category", &phones_category), ("sort", "newest")]).await;
    assert_eq!(ids(&newest).len(), 3);

    // Pages follow each other without overlap; highlights mark the matched words.
    let first = page(&app, &[("q", "手机"), ("limit", "2"), ("sort", "price_asc")]).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let second = page(&app, &[("q", "手机"), ("limit", "2"), ("sort", "price_asc"), ("cursor", &cursor)]).await;
    let (a, b) = (ids(&first), ids(&second));
    assert!(a.iter().all(|id| !b.contains(id)), "{a:?} {b:?}");
    let first_hit = &first["items"][0];
    assert!(first_hit["highlight"].as_str().unwrap().contains("<b>手机</b>"), "{first_hit}");
    assert_eq!(first_hit["price"], "29.90");
    let by_pinyin = page(&app, &[("q", "shouji"), ("category", &phones_category), ("limit", "1")]).await;
    assert!(by_pinyin["items"][0]["highlight"].as_str().unwrap().contains("<b>手机</b>"), "{by_pinyin}");
    assert!(first["facets"].is_object());
    assert!(page(&app, &[("q", "手机"), ("facets", "false")]).await["facets"].is_null());
}

async fn bad_queries_are_refused_clearly(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    for q in ["", "   ", "的", "the of 的 了"] {
        let response = app.search(&[("q", q)]).await;
        assert_eq!(response.status(), 400, "{q:?}");
        let problem = problem(response).await;
        assert_eq!((problem["code"].as_str(), problem["field"].as_str()), (Some("empty_query"), Some("q")));
    }
    assert_eq!(problem(app.get("/api/v1/search").await).await["code"], "empty_query");
    let long = "手".repeat(101);
    let cases: [(&[(&str, &str)], &str); 7] = [
        (&[("q", &long)], "q"),
        (&[("q", "手机"), ("price_min", "abc")], "price_min"),
        (&[("q", "手机"), ("price_min", "-1")], "price_min"),
        (&[("q", "手机"), ("price_min", "10"), ("price_max", "5")], "price_max"),
        (&[("q", "手机"), ("category_id", "999999")], "category_id"),
        (&[("q", "手机"), ("limit", "0")], "limit"),
        (&[("q", "手机"), ("cursor", "zz")], "cursor"),
    ];
    for (params, field) in cases {
        let response = app.search(params).await;
        assert_eq!(response.status(), 422, "{params:?}");
        assert_eq!(problem(response).await["field"], field, "{params:?}");
    }
    let wrong_type = app.search(&[("q", "手机"), ("in_stock", "maybe")]).await;
    assert_eq!(problem(wrong_type).await["code"], "invalid_query");
}

async fn changes_become_searchable_and_unsearchable(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let catalog = app.search_catalog().await;
    let category = app.category("Snacks").await;
    let body = json!({ "shop_id": catalog.shop, "category_id": category, "title": "桂花糕 苏式点心",
        "images": [], "skus": [{ "price": "18.00", "stock": 9 }] });
    let product = app.publish_product(&catalog.seller, &body).await;
    let id = product["id"].as_i64().unwrap();
    let waited = app.until_searchable("桂花糕", id).await;
    eprintln!("a new product became searchable in {waited:?}");
    app.until_searchable("guihuagao", id).await;

    // An edit is searchable under the new title and no longer under the old one.
    let edited = app
        .patch_as(&catalog.seller, &format!("/api/v1/seller/products/{id}"), &json!({ "title": "绿豆糕 苏式点心" }))
        .await;
    assert_eq!(edited.status(), 200);
    app.until_searchable("绿豆糕", id).await;
    app.until_gone("桂花糕", id).await;

    // Unpublished products leave the index; a suspended shop's products too.
    let unpublished =
        app.post_as(&catalog.seller, &format!("/api/v1/seller/products/{id}/unpublish"), &json!({})).await;
    assert_eq!(unpublished.status(), 200);
    app.until_gone("绿豆糕", id).await;
    let admin = app.admin().await;
    let suspended = app.post_as(&admin, &format!("/api/v1/admin/shops/{}/suspend", catalog.shop), &json!({})).await;
    assert_eq!(suspended.status(), 200, "suspend");
    app.until_gone("手机", catalog.id("huawei")).await;
}

async fn suggestions_complete_characters_and_pinyin(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    app.search_catalog().await;
    let suggest = |q: &str| {
        let request = app.client.get(app.url("/api/v1/search/suggest")).query(&[("q", q)]);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap()["items"].clone() }
    };
    let texts =
        |v: &Value| v.as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert!(texts(&suggest("sho").await).contains(&"手机".to_string()));
    assert!(texts(&suggest("hw").await).contains(&"华为".to_string()));
    assert!(texts(&suggest("手").await).contains(&"手机".to_string()));
    assert!(texts(&suggest("chongq").await).contains(&"重庆".to_string()));
    // Popular queries come first.
    for _ in 0..3 {
        app.search(&[("q", "手机壳 防摔")]).await;
    }
    let with_popular = suggest("shoujike").await;
    assert_eq!(with_popular[0]["text"], "手机壳 防摔");
    assert_eq!(with_popular[0]["source"], "query");
    let empty = app.client.get(app.url("/api/v1/search/suggest")).query(&[("q", " ")]).send().await.unwrap();
    assert_eq!(empty.status(), 422);
}

async fn hot_and_zero_result_queries_are_counted(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    app.search_catalog().await;
    for q in ["手机", "手机", " 手机 ", "充电宝", "量子计算机"] {
        app.search(&[("q", q)]).await;
    }
    let hot: Value = app.get("/api/v1/search/hot").await.json::<Value>().await.unwrap()["items"].clone();
    assert_eq!(hot[0]["query"], "手机");
    assert_eq!(hot[0]["count"], 3);
    assert!(!hot.as_array().unwrap().iter().any(|h| h["query"] == "量子计算机"));
    let admin = app.admin().await;
    let zero: Value = app.items_as(&admin, "/api/v1/admin/search/zero-results").await;
    assert!(zero.as_array().unwrap().iter().any(|z| z["query"] == "量子计算机" && z["count"] == 1), "{zero}");
    assert!(!zero.as_array().unwrap().iter().any(|z| z["query"] == "手机"));
    let buyer = app.register().await;
    assert_eq!(app.get_as(&buyer, "/api/v1/admin/search/zero-results").await.status(), 403);
}

async fn admins_edit_synonyms(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let catalog = app.search_catalog().await;
    assert!(app.hits("jewelry box").await.is_empty());
    let admin = app.admin().await;
    let path = "/api/v1/admin/search/synonyms";
    let mut groups: Value = app.get_as(&admin, path).await.json().await.unwrap();
    groups["groups"].as_array_mut().unwrap().push(json!(["首饰盒", "jewelry box"]));
    let saved = app.put_as(&admin, path, &groups).await;
    assert_eq!(saved.status(), 200);
    assert_eq!(app.hits("jewelry box").await, vec![catalog.id("jewelry")]);
    // A member no product holds (雕花木匣) is left out of the query while the others still match;
    // a group none of whose members any product holds matches nothing, even beside a common word.
    let mut widened = groups.clone();
    widened["groups"].as_array_mut().unwrap().push(json!(["雕花木匣", "丝绒收纳"]));
    widened["groups"].as_array_mut().unwrap().push(json!(["独角兽", "麒麟兽"]));
    assert_eq!(app.put_as(&admin, path, &widened).await.status(), 200);
    assert_eq!(app.hits("雕花木匣").await, vec![catalog.id("jewelry")]);
    assert!(app.hits("独角兽 手机").await.is_empty());
    assert!(!app.hits("手机").await.is_empty());
    let lonely = app.put_as(&admin, path, &json!({ "groups": [["只有一个"]] })).await;
    assert_eq!(problem(lonely).await["field"], "groups");
    let buyer = app.register().await;
    assert_eq!(app.put_as(&buyer, path, &groups).await.status(), 403);
}

async fn shops_nearby_sorted_by_distance(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    // People's Square, the Bund (about 1.8 km away) and Hangzhou (160 km away).
    let places = [(31.2304, 121.4737, "食品"), (31.2400, 121.4900, "食品"), (30.2741, 120.1551, "食品")];
    let mut shops = Vec::new();
    for (lat, lon, _) in places {
        let (owner, shop) = app.seller(&admin).await;
        let moved =
            app.patch_as(&owner, &format!("/api/v1/shops/{shop}"), &json!({ "latitude": lat, "longitude": lon })).await;
        assert_eq!(moved.status(), 200);
        shops.push(shop);
    }
    let near = |query: &'static [(&'static str, &'static str)]| {
        let request = app.client.get(app.url("/api/v1/shops/nearby")).query(query);
        async move { request.send().await.unwrap() }
    };
    let found: Value =
        near(&[("lat", "31.2310"), ("lon", "121.4740"), ("radius_m", "5000")]).await.json().await.unwrap();
    let order: Vec<i64> = found["items"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
    assert_eq!(order, vec![shops[0], shops[1]], "nearest first, Hangzhou out of range");
    assert!(found["items"][0]["distance_m"].as_f64().unwrap() < 100.0);
    let wide: Value = near(&[("lat", "31.2310"), ("lon", "121.4740"), ("radius_m", "50000"), ("category", "数码")])
        .await
        .json()
        .await
        .unwrap();
    assert!(wide["items"].as_array().unwrap().is_empty(), "category filter");
    let bad = near(&[("lat", "91"), ("lon", "121")]).await;
    assert_eq!(problem(bad).await["field"], "lat");
    let too_far = near(&[("lat", "31"), ("lon", "121"), ("radius_m", "900000")]).await;
    assert_eq!(problem(too_far).await["field"], "radius_m");
}

async fn a_restart_resumes_and_a_corrupt_index_is_rebuilt(backend: Backend) {
    let index_dir = tempfile::tempdir().unwrap();
    let dir = index_dir.path().join("search");
    let shared = dir.clone();
    let Some(app) =
        TestApp::spawn_with(backend, move |config| config.crates.search.search_index_dir = Some(shared)).await
    else {
        return;
    };
    assert_eq!(app.app_state.search.resumed_from(), None, "a new index is built");
    let catalog = app.search_catalog().await;
    app.stop().await;

    // While it is down, another gateway (with its own index) adds a product.
    let other = app.spawn_sibling().await;
    let body = json!({ "shop_id": catalog.shop, "category_id": other.category("Snacks").await, "title": "凤梨酥 台湾特产",
        "images": [], "skus": [{ "price": "30.00", "stock": 5 }] });
    let added = other.publish_product(&catalog.seller, &body).await["id"].as_i64().unwrap();
    other.stop().await;

    // Restarted on its index: it resumes from its commit and catches up from the outbox.
    let reopen = dir.clone();
    let restarted = app.spawn_sibling_with(move |config| config.crates.search.search_index_dir = Some(reopen)).await;
    assert!(restarted.app_state.search.resumed_from().is_some_and(|p| p > 0), "resumed, not rebuilt");
    restarted.until_searchable("凤梨酥", added).await;
    assert!(restarted.hits("手机").await.contains(&catalog.id("huawei")));
    restarted.stop().await;

    // A damaged index is rebuilt from the database at start instead of failing.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "store" || e == "idx") || path.ends_with("meta.json") {
            std::fs::write(&path, b"garbage").unwrap();
        }
    }
    let reopen = dir.clone();
    let rebuilt = app.spawn_sibling_with(move |config| config.crates.search.search_index_dir = Some(reopen)).await;
    assert_eq!(rebuilt.app_state.search.resumed_from(), None);
    rebuilt.until_searchable("凤梨酥", added).await;
    rebuilt.until_searchable("华为", catalog.id("huawei")).await;
}

/// Runs `sql` on the test database (for what no API does: a hole in the product ids).
async fn execute(app: &TestApp, sql: String) {
    let db = app.app_state.db.clone();
    tokio::task::spawn_blocking(move || {
        use diesel::RunQueryDsl;
        let mut conn = db.get().expect("a connection");
        bazaar_db::native!(&mut *conn, |c| diesel::sql_query(&sql).execute(c)).expect(&sql);
    })
    .await
    .unwrap();
}

async fn a_rebuild_indexes_every_searchable_product_and_only_those(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let catalog = app.search_catalog().await;
    let admin = app.admin().await;

    // Another shop's product, then the shop suspended; and one product of the catalog unpublished.
    let (other_seller, other_shop) = app.seller(&admin).await;
    let body = json!({ "shop_id": other_shop, "category_id": app.category("Snacks").await, "title": "桂花糕 苏式点心",
        "images": [], "skus": [{ "price": "18.00", "stock": 9 }] });
    let other = app.publish_product(&other_seller, &body).await["id"].as_i64().unwrap();
    app.until_searchable("桂花糕", other).await;
    let suspended = app.post_as(&admin, &format!("/api/v1/admin/shops/{other_shop}/suspend"), &json!({})).await;
    assert_eq!(suspended.status(), 200);
    let hotpot = catalog.id("hotpot");
    let unpublished =
        app.post_as(&catalog.seller, &format!("/api/v1/seller/products/{hotpot}/unpublish"), &json!({})).await;
    assert_eq!(unpublished.status(), 200);

    // Ids jump by 5,000 (deleted products, a sequence that skipped): a draft far ahead, and the next
    // product after it. The rebuild reads ids in ranges, so it must step over the hole.
    let last = catalog.id("jewelry");
    let overriding = if backend == Backend::Postgres { "OVERRIDING SYSTEM VALUE" } else { "" };
    let columns = "shop_id, category_id, title, subtitle, description, brand, tags, attributes, images, video_url, \
        specs, status, price_min, price_max, total_stock, sales_count, version, created_at, updated_at";
    let copied = columns.replace("status", "'draft'");
    execute(&app, format!("INSERT INTO products (id, {columns}) {overriding} SELECT id + 5000, {copied} FROM products WHERE id = {last}")).await;
    if backend == Backend::Postgres {
        execute(&app, "SELECT setval(pg_get_serial_sequence('products', 'id'), (SELECT max(id) FROM products))".into())
            .await;
    }
    let body = json!({ "shop_id": catalog.shop, "category_id": app.category("Snacks").await, "title": "凤梨酥 台湾特产",
        "images": [], "skus": [{ "price": "30.00", "stock": 5 }] });
    let beyond = app.publish_product(&catalog.seller, &body).await["id"].as_i64().unwrap();
    assert!(beyond > last + 5_000, "the new product comes after the hole ({beyond})");

    let rebuilt = app.post_as(&admin, "/api/v1/admin/search/reindex", &json!({})).await;
    assert_eq!(rebuilt.status(), 200);
    let indexed = rebuilt.json::<Value>().await.unwrap()["indexed"].as_u64();
    // The catalog, less the unpublished product, plus the one beyond the hole.
    assert_eq!(indexed, Some(catalog.ids.len() as u64));
    assert!(app.hits("凤梨酥").await.contains(&beyond));
    assert!(app.hits("华为").await.contains(&catalog.id("huawei")));
    assert!(app.hits("首饰盒").await.contains(&last));
    assert!(!app.hits("火锅").await.contains(&hotpot), "an unpublished product is not rebuilt");
    assert!(!app.hits("桂花糕").await.contains(&other), "a suspended shop's product is not rebuilt");
}
