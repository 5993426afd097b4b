//! The console's shop pages without JavaScript: settings saved from one form into catalog (the
//! shipping rule a buyer then pays) and chat (the greeting a new conversation gets); a bad amount
//! refused at its field with nothing saved, and hours catalog refuses after chat took its half
//! leaving nothing saved either (chat's half is put back); staff added by phone (an unknown number
//! refused at the field) and removed; stock changed by SKU with the ledger showing it, a change
//! below zero refused at its SKU. Staff and strangers reach only what their role allows.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, PASSWORD, TestApp, fresh_phone, on_both_backends};
use serde_json::Value;

on_both_backends!(an_owner_sets_up_the_shop_its_staff_and_its_stock_in_the_console);

async fn an_owner_sets_up_the_shop_its_staff_and_its_stock_in_the_console(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "凤梨酥", "30.00", 8)).await;
    let mut console = app.visitor();
    console.sign_in_with_password(&seller.phone, PASSWORD, "/seller/").await;
    let csrf = console.cookies.get("bz_csrf").cloned().unwrap();
    let settings = format!("/seller/shops/{shop}/settings");
    assert_eq!(console.get(&settings).await.status, 200);

    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("shipping_fee", "6.5x"),
        ("free_shipping_from", "99"),
        ("service_hours", "09:00-21:00"),
        ("greeting", "您好，欢迎光临凤梨酥小铺"),
        ("away_message", "客服已下班，明早回复"),
    ];
    let refused = console.post(&settings, &form).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("id=\"shipping_fee-error\"") && refused.body.contains("value=\"6.5x\""), "kept");
    let shop_page: Value = app.get(&format!("/api/v1/shops/{shop}")).await.json().await.unwrap();
    assert_ne!(shop_page["service_hours"], "09:00-21:00", "nothing saved: {shop_page}");
    form[1] = ("shipping_fee", "6.50");
    let saved = console.post(&settings, &form).await;
    assert_eq!((saved.status, saved.location()), (303, format!("{settings}?saved=1").as_str()), "{}", saved.body);
    let shop_page: Value = app.get(&format!("/api/v1/shops/{shop}")).await.json().await.unwrap();
    assert_eq!(shop_page["service_hours"], "09:00-21:00", "{shop_page}");
    // Catalog refuses the hours after chat took its half: chat's is put back, so nothing of the
    // form is saved.
    let mut bad_hours = form.clone();
    bad_hours[3] = ("service_hours", "25:00-99:00");
    bad_hours[4] = ("greeting", "不该留下的欢迎语");
    let refused = console.post(&settings, &bad_hours).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("id=\"service_hours-error\""), "at the hours: {}", refused.body);
    let chat: Value =
        app.get_as(&seller, &format!("/api/v1/seller/shops/{shop}/chat-settings")).await.json().await.unwrap();
    assert_eq!(chat["greeting"], "您好，欢迎光临凤梨酥小铺", "chat's half put back: {chat}");
    let buyer = app.register().await;
    let conversation = app.open_conversation(&buyer, shop).await;
    let history = app.items_as(&buyer, &format!("/api/v1/chat/conversations/{conversation}/messages")).await;
    assert!(history.to_string().contains("欢迎光临凤梨酥小铺"), "the greeting: {history}");

    // Staff: an unknown number is refused at the field; a registered one is added, then removed.
    let staff = format!("/seller/shops/{shop}/staff");
    let unknown = console.post(&staff, &[("csrf", &csrf), ("phone", &fresh_phone())]).await;
    assert!((400..500).contains(&unknown.status) && unknown.body.contains("phone-error"), "{}", unknown.status);
    let helper = app.register().await;
    assert_eq!(console.post(&staff, &[("csrf", &csrf), ("phone", &helper.phone)]).await.status, 303);
    let page = console.get(&staff).await;
    assert!(page.body.contains(&format!("data-member=\"{}\"", helper.id)), "{}", page.body);
    let mut helper_console = app.visitor();
    helper_console.sign_in_with_password(&helper.phone, PASSWORD, "/seller/").await;
    let helper_csrf = helper_console.cookies.get("bz_csrf").cloned().unwrap();
    let by_staff = helper_console.post(&settings, &[("csrf", helper_csrf.as_str()), ("shipping_fee", "0")]).await;
    assert_eq!(by_staff.status, 403, "only the owner changes settings: {}", by_staff.status);

    // Stock by SKU, with its ledger.
    let stock = format!("/seller/products/{}/stock", product["id"]);
    let sku = product["skus"][0]["id"].to_string();
    let product_id = product["id"].to_string();
    let change = format!("/seller/skus/{sku}/stock");
    let below = console
        .post(&change, &[("csrf", &csrf), ("product_id", &product_id), ("adjust", "-9"), ("note", "盘点")])
        .await;
    assert_eq!(below.status, 422, "8 - 9 < 0: {}", below.body);
    assert!(below.body.contains("field-error"), "refused at the SKU");
    let added = console
        .post(&change, &[("csrf", &csrf), ("product_id", &product_id), ("adjust", "+12"), ("note", "到货")])
        .await;
    assert_eq!((added.status, added.location()), (303, stock.as_str()), "{}", added.body);
    let page = helper_console.get(&stock).await;
    assert!(
        page.body.contains("data-stock>20<") && page.body.contains("到货") && page.body.contains("+12"),
        "{}",
        page.body
    );

    let removed = console.post(&format!("{staff}/{}/remove", helper.id), &[("csrf", &csrf)]).await;
    assert_eq!(removed.status, 303);
    assert_eq!(helper_console.get(&stock).await.status, 403, "a former member may not see the stock");
}
