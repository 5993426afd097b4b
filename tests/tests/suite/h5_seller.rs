//! The seller console without JavaScript: a product with two spec dimensions made from one form
//! (every combination a SKU), a refused field shown at its place with what was typed kept,
//! publishing it so shoppers find it by search, and nobody else's shop reachable.

use bazaar_tests::{Backend, PASSWORD, TestApp, fresh_phone, on_both_backends};
use serde_json::Value;

on_both_backends!(a_seller_creates_a_product_with_two_spec_dimensions_and_publishes_it);

async fn a_seller_creates_a_product_with_two_spec_dimensions_and_publishes_it(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let category = app.category("Women").await.to_string();
    let mut console = app.visitor();
    assert!(console.get("/seller/").await.location().starts_with("/m/login?next=%2Fseller%2F"));
    let signed_in = console.sign_in_with_password(&seller.phone, PASSWORD, "/seller/").await;
    assert_eq!((signed_in.status, signed_in.location()), (303, "/seller/"), "back to the console");
    let home = console.get("/seller/").await;
    assert!(home.body.contains("老街茶铺") && home.body.contains("还没有商品"), "{}", home.body);

    let new = format!("/seller/shops/{shop}/products/new");
    let csrf = console.get(&new).await.field("csrf").expect("the product form");
    let action = format!("/seller/shops/{shop}/products");
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("category_id", category.as_str()),
        ("title", "亚麻衬衫 男款"),
        ("brand", "山茶"),
        ("description", "透气亚麻"),
        ("spec1_name", "颜色"),
        ("spec1_values", "白，蓝"),
        ("spec2_name", "尺码"),
        ("spec2_values", "M, L, XL"),
        ("price", "129.9x"),
        ("stock", "7"),
    ];
    let refused = console.post(&action, &form).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("id=\"price-error\""), "the message is at the price");
    assert!(refused.body.contains("value=\"M, L, XL\"") && refused.body.contains("value=\"亚麻衬衫 男款\""), "kept");
    form[9] = ("price", "129.90");
    let created = console.post(&action, &form).await;
    assert_eq!((created.status, created.location()), (303, "/seller/"), "{}", created.body);

    let listing: Value = app.items_as(&seller, &format!("/api/v1/seller/products?shop_id={shop}")).await;
    let product = listing[0].clone();
    assert_eq!(product["status"], "draft");
    let id = product["id"].as_i64().unwrap();
    let detail: Value = app.get_as(&seller, &format!("/api/v1/seller/products/{id}")).await.json().await.unwrap();
    let skus = detail["skus"].as_array().expect("skus");
    assert_eq!(skus.len(), 6, "2 colours × 3 sizes: {detail}");
    assert!(skus.iter().all(|sku| sku["price"] == "129.90" && sku["stock"] == 7), "{detail}");

    let home = console.get("/seller/").await;
    assert!(home.body.contains("草稿") && home.body.contains("¥129.90"), "{}", home.body);
    let publish = format!("/seller/products/{id}/publish");
    assert_eq!(console.post(&publish, &[("csrf", "forged")]).await.status, 403);
    let published = console.post(&publish, &[("csrf", &csrf)]).await;
    assert_eq!((published.status, published.location()), (303, "/seller/"), "{}", published.body);
    assert!(console.get("/seller/").await.body.contains("在售"));
    app.until_searchable("亚麻衬衫", id).await;
    let page = app.visitor().get(&format!("/m/products/{id}")).await;
    assert!(page.status == 200 && page.body.contains("亚麻衬衫 男款"), "{}", page.status);

    // Another user reaches no shop's form and changes no product.
    let mut stranger = app.visitor();
    stranger.sign_in_by_sms(&fresh_phone(), "/seller/").await;
    assert_eq!(stranger.get(&new).await.status, 404);
    let stranger_csrf = stranger.get("/seller/").await.field("csrf").unwrap_or_default();
    let taken = stranger.post(&format!("/seller/products/{id}/unpublish"), &[("csrf", &stranger_csrf)]).await;
    assert!(taken.status == 403 || taken.status == 404, "{}", taken.status);
    assert!(console.get("/seller/").await.body.contains("在售"), "still on sale");
}
