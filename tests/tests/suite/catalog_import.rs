//! Bulk import over real HTTP: CSV and JSON, good and bad products mixed, one report row each.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(
    csv_imports_good_products_and_reports_bad_ones,
    json_imports_report_per_product,
    malformed_csv_is_refused_whole
);

async fn import_csv(app: &TestApp, user: &bazaar_tests::User, shop: i64, csv: String) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/seller/products/import?shop_id={shop}")))
        .bearer_auth(&user.access_token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap()
}

async fn csv_imports_good_products_and_reports_bad_ones(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let (women, snacks) = (app.category("Women").await, app.category("Snacks").await);
    let csv = format!(
        "product_ref,title,category_id,brand,tags,images,spec_names,spec_values,price,original_price,stock,sku_code\n\
         TEE,纯棉T恤,{women},老街,夏季|cotton,https://img.example/1.jpg,颜色|尺码,红|S,79.00,99.00,10,T-R-S\n\
         TEE,纯棉T恤,{women},老街,,,颜色|尺码,红|M,84.00,,10,T-R-M\n\
         TEE,纯棉T恤,{women},老街,,,颜色|尺码,黑|S,79.00,,5,T-B-S\n\
         TEE,纯棉T恤,{women},老街,,,颜色|尺码,黑|M,84.00,,5,T-B-M\n\
         BAD-PRICE,坏价格,{snacks},,,,,,-1.00,,3,\n\
         HALF,缺组合,{women},,,,颜色|尺码,红|S,10.00,,1,\n\
         HALF,缺组合,{women},,,,颜色|尺码,黑|M,10.00,,1,\n\
         NUTS,坚果,{snacks},,,,,,25.50,,40,N-1\n\
         NOCAT,无类目,999999,,,,,,5.00,,1,\n"
    );
    let response = import_csv(&app, &seller, shop, csv).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!((report["created"].as_u64(), report["rejected"].as_u64()), (Some(2), Some(3)), "{report}");
    let rows = report["results"].as_array().unwrap();
    let by_ref = |reference: &str| rows.iter().find(|r| r["reference"] == reference).unwrap().clone();
    assert_eq!(by_ref("TEE")["status"], "created");
    assert_eq!(by_ref("TEE")["row"], 2);
    assert_eq!(
        (by_ref("BAD-PRICE")["status"].as_str(), by_ref("BAD-PRICE")["field"].as_str()),
        (Some("rejected"), Some("skus[0].price"))
    );
    assert_eq!(by_ref("BAD-PRICE")["row"], 6);
    assert_eq!(by_ref("HALF")["field"], "skus", "missing combinations reject the whole product");
    assert_eq!(by_ref("NOCAT")["field"], "category_id");

    let tee: Value = app
        .get_as(&seller, &format!("/api/v1/seller/products/{}", by_ref("TEE")["product_id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tee["skus"].as_array().unwrap().len(), 4);
    assert_eq!(
        tee["specs"],
        json!([{ "name": "颜色", "values": ["红", "黑"] }, { "name": "尺码", "values": ["S", "M"] }])
    );
    assert_eq!(tee["total_stock"], 30);
    assert_eq!(tee["tags"], json!(["夏季", "cotton"]));
    assert_eq!(tee["status"], "draft", "imports arrive as drafts");

    let low: Value = app.items_as(&seller, &format!("/api/v1/seller/shops/{shop}/low-stock?threshold=1000")).await;
    assert_eq!(low.as_array().unwrap().len(), 5, "nothing of the rejected products was left behind");
}

async fn json_imports_report_per_product(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let (rival, rival_shop) = app.seller(&admin).await;
    let snacks = app.category("Snacks").await;
    let mut wrong_shop = simple(rival_shop, snacks, "别家", "1.00", 1);
    wrong_shop["shop_id"] = json!(rival_shop);
    let mut no_shop = simple(shop, snacks, "省略店铺", "3.00", 3);
    no_shop.as_object_mut().unwrap().remove("shop_id");
    let body = json!({ "shop_id": shop, "products": [
        simple(shop, snacks, "好", "2.00", 2),
        { "title": "no skus", "category_id": snacks },
        wrong_shop,
        no_shop,
    ]});
    let report: Value = app.post_as(&seller, "/api/v1/seller/products/import", &body).await.json().await.unwrap();
    let statuses: Vec<&str> =
        report["results"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["created", "rejected", "rejected", "created"], "{report}");
    assert_eq!(report["results"][2]["field"], "shop_id");
    let refused =
        app.post_as(&rival, "/api/v1/seller/products/import", &json!({ "shop_id": shop, "products": [] })).await;
    assert_eq!(refused.status(), 403, "importing into another shop");
}

async fn malformed_csv_is_refused_whole(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let no_header = import_csv(&app, &seller, shop, "title,price\n茶,1.00\n".into()).await;
    assert_eq!(no_header.status(), 400);
    let body = problem(no_header).await;
    assert_eq!(body["code"], "malformed_csv");
    assert!(body["detail"].as_str().unwrap().contains("product_ref"), "{body}");
    let ragged = import_csv(
        &app,
        &seller,
        shop,
        format!("product_ref,title,category_id,price,stock\nA,茶,{},1.00,1,extra\n", app.category("Snacks").await),
    )
    .await;
    let report: Value = ragged.json().await.unwrap();
    assert_eq!(report["rejected"], 1, "a broken line rejects only its product: {report}");
    assert!(report["results"][0]["error"].as_str().unwrap().contains("line 2"));
    let binary = app
        .client
        .post(app.url(&format!("/api/v1/seller/products/import?shop_id={shop}")))
        .bearer_auth(&seller.access_token)
        .header("content-type", "text/csv")
        .body(vec![0xff_u8, 0xfe, 0x00])
        .send()
        .await
        .unwrap();
    assert_eq!(problem(binary).await["code"], "malformed_csv");
}
