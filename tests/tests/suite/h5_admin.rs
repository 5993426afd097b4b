//! The platform's console without JavaScript: an administrator reviews shop applications (a
//! rejection without a reason is refused at the application and changes nothing; an approval
//! makes the applicant a seller with a shop) and closes an open chat report. Anyone else gets the
//! "not allowed" page and changes nothing.

use bazaar_tests::{Backend, PASSWORD, TestApp, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(an_administrator_reviews_shop_applications_and_closes_reports_in_the_console);

async fn an_administrator_reviews_shop_applications_and_closes_reports_in_the_console(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let applicant = app.register().await;
    let body = json!({ "shop_name": "巷口花店", "main_category": "鲜花", "licence_number": "91310115MA1K4YYY0Y",
        "contact_phone": applicant.phone, "description": "每日鲜切花" });
    let applied: Value = app.post_as(&applicant, "/api/v1/shop-applications", &body).await.json().await.unwrap();
    let id = applied["id"].as_i64().unwrap();
    let (seller, shop) = app.seller(&admin).await;
    let conversation = app.open_conversation(&applicant, shop).await;
    let reported = app
        .post_as(
            &applicant,
            &format!("/api/v1/chat/conversations/{conversation}/report"),
            &json!({ "reason": "骚扰信息" }),
        )
        .await;
    assert_eq!(reported.status(), 201);
    let report = reported.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    // A seller is not an administrator: the page refuses, and so does every form.
    let mut outsider = app.visitor();
    outsider.sign_in_with_password(&seller.phone, PASSWORD, "/admin/").await;
    assert_eq!(outsider.get("/admin/").await.status, 403);
    let csrf = outsider.cookies.get("bz_csrf").cloned().unwrap();
    let approve = outsider
        .post(&format!("/admin/shop-applications/{id}/decide"), &[("csrf", &csrf), ("decision", "approve")])
        .await;
    assert_eq!(approve.status, 403);

    let mut console = app.visitor();
    let signed_in = console.sign_in_with_password(&admin.phone, PASSWORD, "/admin/").await;
    assert_eq!((signed_in.status, signed_in.location()), (303, "/admin/"));
    let home = console.get("/admin/").await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("巷口花店") && home.body.contains("骚扰信息"), "{}", home.body);
    let csrf = console.cookies.get("bz_csrf").cloned().unwrap();
    let decide = format!("/admin/shop-applications/{id}/decide");
    let refused = console.post(&decide, &[("csrf", &csrf), ("decision", "reject"), ("reason", " ")]).await;
    assert_eq!(refused.status, 422, "a rejection names its reason: {}", refused.body);
    assert!(refused.body.contains("field-error"));
    let approved = console.post(&decide, &[("csrf", &csrf), ("decision", "approve"), ("reason", "资料齐全")]).await;
    assert_eq!((approved.status, approved.location()), (303, "/admin/"), "{}", approved.body);
    let shops = app.items_as(&app.login(&applicant.phone).await, "/api/v1/me/shops").await;
    assert_eq!(shops[0]["name"], "巷口花店", "{shops}");
    assert!(console.get("/admin/?status=approved").await.body.contains("资料齐全"));

    let closed = console.post(&format!("/admin/reports/{report}/close"), &[("csrf", &csrf)]).await;
    assert_eq!(closed.status, 303);
    let open = app.items_as(&admin, "/api/v1/admin/chat/reports").await;
    assert_eq!(open.as_array().map(Vec::len), Some(0), "{open}");
}
