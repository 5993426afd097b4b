//! Editing and bulk import in the console without JavaScript: a product's words, its options (a
//! size added, whose SKUs take the price and stock given for new combinations) and one SKU's price
//! changed, the kept SKUs' stock untouched (a bad price is refused with what was typed kept and
//! nothing changed); and CSV pasted into the import form creating the good products and reporting
//! the bad row by row (kept in the form for fixing). Another shop's people can do neither.

use bazaar_tests::catalog::tshirt;
use bazaar_tests::{Backend, PASSWORD, TestApp, on_both_backends};
use serde_json::Value;

on_both_backends!(a_seller_edits_a_product_and_imports_a_catalogue_in_the_console);

async fn a_seller_edits_a_product_and_imports_a_catalogue_in_the_console(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &tshirt(shop, app.category("Women").await, "纯棉T恤")).await;
    let id = product["id"].as_i64().unwrap();
    let mut console = app.visitor();
    console.sign_in_with_password(&seller.phone, PASSWORD, "/seller/").await;
    let csrf = console.cookies.get("bz_csrf").cloned().unwrap();
    let edit = format!("/seller/products/{id}/edit");
    let page = console.get(&edit).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let skus = product["skus"].as_array().unwrap();
    let (first, stock) = (skus[0]["id"].as_i64().unwrap(), skus[0]["stock"].clone());

    // Every SKU's price as the page has it, the first one changed.
    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.clone()),
        ("title".into(), "纯棉T恤 新款".into()),
        ("subtitle".into(), "夏季透气".into()),
        ("brand".into(), "老街".into()),
        ("description".into(), "100% 棉".into()),
    ];
    // The options as the page shows them, one size added.
    assert_eq!(page.field("spec1_name").as_deref(), Some("颜色"), "{}", page.body);
    assert_eq!(page.field("spec2_values").as_deref(), Some("S, M, L"));
    for (name, value) in
        [("spec1_name", "颜色"), ("spec1_values", "红, 黑"), ("spec2_name", "尺码"), ("spec2_values", "S, M, L, XL")]
    {
        form.push((name.into(), value.into()));
    }
    form.push(("new_price".into(), "99.00".into()));
    form.push(("new_stock".into(), "4".into()));
    for sku in skus {
        let sku_id = sku["id"].as_i64().unwrap();
        let price = if sku_id == first { "9.9.9".to_string() } else { page.field(&format!("price_{sku_id}")).unwrap() };
        form.push((format!("price_{sku_id}"), price));
        form.push((format!("original_{sku_id}"), String::new()));
    }
    let as_pairs = |form: &[(String, String)]| form.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>();
    let pairs = as_pairs(&form);
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refused = console.post(&edit, &borrowed).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("data-edit-error") && refused.body.contains("value=\"9.9.9\""), "kept");
    let unchanged: Value = app.get_as(&seller, &format!("/api/v1/seller/products/{id}")).await.json().await.unwrap();
    assert_ne!(unchanged["title"], "纯棉T恤 新款", "nothing changed");
    for (key, value) in &mut form {
        if *key == format!("price_{first}") {
            *value = "66.00".into();
        }
    }
    let pairs = as_pairs(&form);
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = console.post(&edit, &borrowed).await;
    assert_eq!((saved.status, saved.location()), (303, format!("{edit}?saved=1").as_str()), "{}", saved.body);
    let changed: Value = app.get_as(&seller, &format!("/api/v1/seller/products/{id}")).await.json().await.unwrap();
    assert_eq!(changed["title"], "纯棉T恤 新款", "{changed}");
    let sku = changed["skus"].as_array().unwrap().iter().find(|sku| sku["id"] == first).unwrap().clone();
    assert_eq!((sku["price"].as_str(), &sku["stock"]), (Some("66.00"), &stock), "new price, same stock: {sku}");
    let skus = changed["skus"].as_array().unwrap();
    assert_eq!(skus.len(), 8, "two colours × four sizes: {changed}");
    let xl: Vec<&Value> = skus.iter().filter(|sku| sku["specs"]["尺码"] == "XL").collect();
    assert!(xl.iter().all(|sku| sku["price"] == "99.00" && sku["stock"] == 4), "the new size: {xl:?}");

    // Bulk import from pasted CSV: the good one created, the bad one reported at its row.
    let snacks = app.category("Snacks").await;
    let csv = format!(
        "product_ref,title,category_id,price,stock\nNUTS,坚果,{snacks},25.50,40\nBAD,坏价格,{snacks},-1.00,3\n"
    );
    let import = format!("/seller/shops/{shop}/import");
    let report = console.post(&import, &[("csrf", &csrf), ("csv", &csv)]).await;
    assert_eq!(report.status, 422, "one row needs fixing: {}", report.body);
    assert!(report.body.contains("data-created>1<") && report.body.contains("data-rejected>1<"), "{}", report.body);
    assert!(report.body.contains("data-row=\"3\"") && report.body.contains("skus[0].price"), "{}", report.body);
    assert!(report.body.contains("BAD,坏价格"), "the CSV is kept for fixing");
    let listing = app.items_as(&seller, &format!("/api/v1/seller/products?shop_id={shop}")).await;
    assert!(listing.to_string().contains("坚果"), "{listing}");

    let (other, _) = app.seller(&admin).await;
    let mut intruder = app.visitor();
    intruder.sign_in_with_password(&other.phone, PASSWORD, "/seller/").await;
    assert_eq!(intruder.get(&edit).await.status, 403);
    assert_eq!(intruder.get(&import).await.status, 404);
}
