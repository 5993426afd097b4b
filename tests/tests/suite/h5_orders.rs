//! Buying on the H5 pages without JavaScript: checkout with the address form (a bad field shown
//! at its place, what was typed kept), an order placed once however often the form is sent, each
//! provider's H5 flow through the sandbox cashier, the order page showing it paid; a friend paying
//! from the shared link and a buyer paying a counter request from its QR code.

use bazaar_tests::catalog::simple;
use bazaar_tests::h5::Visitor;
use bazaar_tests::{Backend, TestApp, fresh_phone, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(
    a_shopper_checks_out_and_pays_with_each_providers_h5_page,
    a_friend_pays_from_the_shared_link_and_a_buyer_at_the_counter,
);

/// Puts `quantity` of the product's first SKU in the visitor's cart through the product page.
async fn add_to_cart(visitor: &mut Visitor<'_>, product: &Value, quantity: &str) {
    let page = visitor.get(&format!("/m/products/{}", product["id"])).await;
    let csrf = page.field("csrf").expect("the product page's form");
    let sku = product["skus"][0]["id"].to_string();
    let action = format!("/m/products/{}/cart", product["id"]);
    let added = visitor.post(&action, &[("csrf", &csrf), ("sku_id", &sku), ("quantity", quantity)]).await;
    assert_eq!(added.status, 303, "{}", added.body);
}

fn order_paths(orders_page: &str) -> Vec<String> {
    orders_page
        .split("data-order=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|id| format!("/m/orders/{id}"))
        .collect()
}

async fn a_shopper_checks_out_and_pays_with_each_providers_h5_page(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product =
        app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "桂花糕", "12.50", 50)).await;
    let mut visitor = app.visitor();
    assert!(visitor.get("/m/checkout").await.location().starts_with("/m/login?next=%2Fm%2Fcheckout"));
    visitor.sign_in_by_sms(&fresh_phone(), "/m/").await;
    add_to_cart(&mut visitor, &product, "2").await;

    // No address yet: the form is open and the order cannot be placed.
    let page = visitor.get("/m/checkout").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("¥25.00") && page.body.contains("请先添加收货地址"), "{}", page.body);
    assert!(page.body.contains("class=\"primary\" disabled"), "no address, no order");
    let csrf = page.field("csrf").unwrap();
    let mut address = vec![
        ("csrf", csrf.as_str()),
        ("recipient", "李雷"),
        ("phone", "12"),
        ("province", "上海市"),
        ("city", "上海市"),
        ("district", "黄浦区"),
        ("detail", "南京东路 1 号"),
    ];
    let refused = visitor.post("/m/checkout/address", &address).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("id=\"phone-error\""), "the message is at the phone field");
    assert!(refused.body.contains("value=\"南京东路 1 号\""), "what was typed is kept");
    address[2] = ("phone", "13800138000");
    let saved = visitor.post("/m/checkout/address", &address).await;
    assert_eq!((saved.status, saved.location()), (303, "/m/checkout"), "{}", saved.body);

    for provider in ["alipay", "wechatpay", "unionpay"] {
        if provider != "alipay" {
            add_to_cart(&mut visitor, &product, "1").await;
        }
        let page = visitor.get("/m/checkout").await;
        let (csrf, key) = (page.field("csrf").unwrap(), page.field("key").expect("an idempotency key"));
        let address_id = page.field("address_id").expect("the saved address is offered");
        let form = [("csrf", csrf.as_str()), ("key", &key), ("address_id", &address_id), ("provider", provider)];
        let placed = visitor.post("/m/checkout", &form).await;
        assert_eq!(placed.status, 303, "{provider}: {}", placed.body);
        // The same form sent again (a double tap) places nothing more.
        let again = visitor.post("/m/checkout", &form).await;
        assert_eq!(again.status, 303, "{provider}: {}", again.body);
        let orders = order_paths(&visitor.get("/m/orders").await.body);
        assert_eq!(orders.len(), ["alipay", "wechatpay", "unionpay"].iter().position(|p| *p == provider).unwrap() + 1);
        let order = orders[0].clone();
        assert!(visitor.get(&order).await.body.contains("data-status=\"pending_payment\""));

        let done = visitor.pay_at_cashier(placed.location()).await;
        // The provider's page leads back to the order (the trade's return URL, signed by Alipay,
        // on WeChat Pay's link, UnionPay's frontUrl).
        let back = done.links().into_iter().find(|href| href.contains("/m/payments/"));
        let back = back.unwrap_or_else(|| panic!("{provider}: no way back: {}", done.body));
        let returned = visitor.get(&visitor.path_of(&back)).await;
        assert_eq!((returned.status, returned.location()), (303, order.as_str()), "{provider}: {}", done.body);
        let paid = visitor.order_page_when(&order, "paid").await;
        assert!(paid.body.contains("桂花糕") && paid.body.contains("黄浦区"), "{}", paid.body);
        assert!(!paid.body.contains("/pay\""), "a paid order offers no payment");
    }
    let pending = visitor.get("/m/orders?tab=pending_payment").await;
    assert!(order_paths(&pending.body).is_empty(), "every order was paid");
    let all = visitor.get("/m/orders?tab=no_such_tab").await;
    assert_eq!((all.status, order_paths(&all.body).len()), (200, 3), "an unknown tab shows every order");
    let stock: Value = app.get(&format!("/api/v1/products/{}", product["id"])).await.json().await.unwrap();
    assert_eq!(stock["skus"][0]["stock"], 46, "2 + 1 + 1 sold, each once");
}

async fn a_friend_pays_from_the_shared_link_and_a_buyer_at_the_counter(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "奶茶", "15.00", 10)).await;
    let owner = app.register().await;
    let (order_id, mine, shared) = app.shared_checkout(&owner, &product, 2).await;

    // The link the app sends opens a page, even before the friend signs in.
    let mut friend = app.visitor();
    let link = friend.path_of(shared["link"].as_str().unwrap());
    assert!(link.starts_with("/m/pay-for-another/"), "{link}");
    let page = friend.get(&link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("¥40.00") && page.body.contains("奶茶"), "{}", page.body);
    let csrf = page.field("csrf").unwrap();
    let signed_out = friend.post(&link, &[("csrf", &csrf), ("provider", "wechatpay")]).await;
    assert!(signed_out.location().starts_with("/m/login?next="), "{}", signed_out.location());
    friend.sign_in_by_sms(&fresh_phone(), &link).await;
    let csrf = friend.get(&link).await.field("csrf").unwrap();
    let to_cashier = friend.post(&link, &[("csrf", &csrf), ("provider", "wechatpay")]).await;
    assert_eq!(to_cashier.status, 303, "{}", to_cashier.body);
    let done = friend.pay_at_cashier(to_cashier.location()).await;
    let back = done.links().into_iter().find(|href| href.contains("/m/payments/")).expect("a way back");
    let result = friend.get(&friend.path_of(&back)).await;
    assert_eq!(result.status, 200, "a friend sees how the payment stands: {}", result.body);
    assert!(result.body.contains("data-outcome=\"paid\"") || result.body.contains("data-outcome=\"pending\""));
    app.payment_when(&owner, &mine["id"], "closed").await;
    let order = app.order_when_paid(&owner, order_id).await;
    assert_eq!(order["status"], "paid");
    assert!(order["payer_id"].as_i64().is_some_and(|payer| payer != owner.id), "the friend paid: {order}");
    assert_eq!(friend.get(&link).await.status, 410, "the link ends with the orders");
    assert_eq!(friend.get("/m/pay-for-another/nosuchcode").await.status, 404);

    // The counter's QR code opens the in-store page; the buyer pays it there.
    let path = format!("/api/v1/seller/shops/{shop}/in-store-payments");
    let request: Value =
        app.post_as(&seller, &path, &json!({ "amount": "38.50", "note": "两杯<咖啡>" })).await.json().await.unwrap();
    let mut buyer = app.visitor();
    let qr = buyer.path_of(request["qr_content"].as_str().unwrap());
    assert!(qr.starts_with("/m/in-store/"), "{qr}");
    let page = buyer.get(&qr).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("¥38.50") && page.body.contains("两杯&#60;咖啡&#62;"), "escaped note: {}", page.body);
    buyer.sign_in_by_sms(&fresh_phone(), &qr).await;
    let csrf = buyer.get(&qr).await.field("csrf").unwrap();
    let to_cashier = buyer.post(&qr, &[("csrf", &csrf), ("provider", "alipay")]).await;
    assert_eq!(to_cashier.status, 303, "{}", to_cashier.body);
    buyer.pay_at_cashier(to_cashier.location()).await;
    let page = buyer.get(&qr).await;
    let order = page.links().into_iter().find(|href| href.starts_with("/m/orders/")).expect("the order is linked");
    buyer.order_page_when(&order, "paid").await;
}
