//! The console's dashboard and order pages without JavaScript: a paid order shows in today's
//! figures and GMV, a visit to the shop's product page in its visitors, a SKU running low in the
//! low-stock list, and the week as an SVG chart; the order is shipped from the console (a missing
//! tracking number is refused at the order, nothing shipped), and a refund request is approved
//! there. Another shop's people reach none of it.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, PASSWORD, TestApp, fresh_phone, on_both_backends};
use serde_json::json;

on_both_backends!(a_seller_sees_the_day_ships_an_order_and_decides_a_refund_in_the_console);

async fn a_seller_sees_the_day_ships_an_order_and_decides_a_refund_in_the_console(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "绿豆糕", "25.00", 6)).await;
    let buyer = app.register().await;
    let shipped = app.paid_order(&buyer, &product, 2).await;
    let refunded = app.paid_order(&buyer, &product, 1).await;
    // One shopper looks at the product twice: one visitor.
    let mut shopper = app.visitor();
    shopper.get(&format!("/m/products/{}", product["id"])).await;
    shopper.get(&format!("/m/products/{}", product["id"])).await;

    let mut console = app.visitor();
    console.sign_in_with_password(&seller.phone, PASSWORD, "/seller/").await;
    let mut home = console.get("/seller/").await;
    for _ in 0..50 {
        // The visit is counted off the page's path: a moment later.
        if home.body.contains("<td data-visitors>1</td>") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        home = console.get("/seller/").await;
    }
    let today = home.body.split("data-period=\"today\"").nth(1).unwrap_or_default();
    assert!(today.contains("<td data-orders>2</td>"), "two paid orders today: {}", home.body);
    // GMV is what the orders came to, shipping included.
    let mut gmv = bazaar_core::Money::ZERO;
    for order in [shipped, refunded] {
        let total = bazaar_core::Money::parse_str(app.order(&buyer, order).await["total"].as_str().unwrap()).unwrap();
        gmv = gmv.checked_add(total).unwrap();
    }
    assert!(today.contains(&format!("<td data-gmv>¥{gmv}</td>")), "GMV {gmv}: {}", home.body);
    assert!(today.contains("<td data-visitors>1</td>"), "one visitor however often: {}", home.body);
    assert_eq!(home.body.matches("<rect x=").count(), 7, "a bar per day of the week");
    assert!(home.body.contains("data-visitors-line"), "and the visitors' line");
    assert!(home.body.contains("data-low-stock") && home.body.contains("绿豆糕"), "3 left is low");
    assert!(home.body.contains("待发货 2"), "{}", home.body);

    // Shipping: refused without a tracking number (kept at the order), then shipped.
    let orders = console.get(&format!("/seller/shops/{shop}/orders")).await;
    assert_eq!(orders.status, 200);
    assert!(orders.body.contains(&format!("data-shop-order=\"{shipped}\"")), "{}", orders.body);
    let csrf = console.cookies.get("bz_csrf").cloned().unwrap();
    let shop_field = shop.to_string();
    let action = format!("/seller/orders/{shipped}/ship");
    let incomplete =
        [("csrf", csrf.as_str()), ("shop_id", shop_field.as_str()), ("carrier", "顺丰"), ("tracking_number", "")];
    let refused = console.post(&action, &incomplete).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("field-error"), "the reason at the order");
    assert_eq!(app.order(&buyer, shipped).await["status"], "paid", "nothing shipped");
    let complete = [
        ("csrf", csrf.as_str()),
        ("shop_id", shop_field.as_str()),
        ("carrier", "顺丰"),
        ("tracking_number", "SF1234567"),
    ];
    let done = console.post(&action, &complete).await;
    assert_eq!((done.status, done.location()), (303, format!("/seller/shops/{shop}/orders").as_str()), "{}", done.body);
    assert_eq!(app.order(&buyer, shipped).await["status"], "shipped");
    let shipped_tab = console.get(&format!("/seller/shops/{shop}/orders?status=shipped")).await;
    assert!(shipped_tab.body.contains("顺丰 SF1234567"), "{}", shipped_tab.body);

    // A refund request, approved in the console.
    let asked = app
        .post_as(&buyer, &format!("/api/v1/orders/{refunded}/refund-requests"), &json!({ "reason": "不想要了" }))
        .await;
    assert_eq!(asked.status(), 201);
    let request: serde_json::Value = asked.json().await.unwrap();
    let refunds = console.get(&format!("/seller/shops/{shop}/refunds")).await;
    assert!(refunds.body.contains("不想要了") && refunds.body.contains("待处理"), "{}", refunds.body);
    let decide = format!("/seller/refund-requests/{}/decide", request["id"]);
    let approve = [("csrf", csrf.as_str()), ("shop_id", shop_field.as_str()), ("decision", "approve"), ("reason", "")];
    assert_eq!(console.post(&decide, &approve).await.status, 303);
    let mut order = app.order(&buyer, refunded).await;
    for _ in 0..100 {
        if order["status"] == "refunded" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        order = app.order(&buyer, refunded).await;
    }
    assert_eq!(order["status"], "refunded", "{order}");

    // Another shop's owner: none of it exists for them.
    let (other, _) = app.seller(&admin).await;
    let mut intruder = app.visitor();
    intruder.sign_in_with_password(&other.phone, PASSWORD, "/seller/").await;
    assert_eq!(intruder.get(&format!("/seller/shops/{shop}/orders")).await.status, 404);
    assert_eq!(intruder.get(&format!("/seller/shops/{shop}/refunds")).await.status, 404);
    let csrf = intruder.cookies.get("bz_csrf").cloned().unwrap();
    let other_shop =
        [("csrf", csrf.as_str()), ("shop_id", shop_field.as_str()), ("carrier", "x"), ("tracking_number", "y")];
    let shipped_by_other = intruder.post(&format!("/seller/orders/{refunded}/ship"), &other_shop).await;
    assert!(shipped_by_other.status == 403 || shipped_by_other.status == 404, "{}", shipped_by_other.status);
    let _ = fresh_phone();
}
