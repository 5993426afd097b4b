//! The authorization matrix over every identity endpoint: anonymous, buyer A, buyer B, seller
//! (a shop owner), shop staff and admin each see only what they may; B never reads or changes A's
//! profile, addresses or sessions.

use bazaar_tests::{Backend, TestApp, User, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(authorization_matrix, buyers_never_touch_each_others_data);

struct Cast {
    buyer_a: User,
    buyer_b: User,
    owner: User,
    staff: User,
    admin: User,
    shop_id: i64,
}

async fn cast(app: &TestApp) -> Cast {
    let admin = app.admin().await;
    let (owner, shop_id) = app.seller(&admin).await;
    let staff = app.register().await;
    let added = app.post_as(&owner, &format!("/api/v1/shops/{shop_id}/staff"), &json!({ "phone": staff.phone })).await;
    assert_eq!(added.status(), 201);
    Cast { buyer_a: app.register().await, buyer_b: app.register().await, owner, staff, admin, shop_id }
}

async fn status(app: &TestApp, user: Option<&User>, method: Method, path: &str, body: Option<Value>) -> u16 {
    app.request(method, path, user, body.as_ref()).await.status().as_u16()
}

async fn authorization_matrix(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let c = cast(&app).await;
    let shop = c.shop_id;
    let staff_path = format!("/api/v1/shops/{shop}/staff");
    let pending = app
        .post_as(
            &c.buyer_b,
            "/api/v1/shop-applications",
            &json!({ "shop_name": "小鹿数码", "main_category": "数码", "licence_number": "913101150000000000",
                     "contact_phone": c.buyer_b.phone }),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let approve = format!("/api/v1/admin/shop-applications/{pending}/approve");

    let actors: [(&str, Option<&User>); 6] = [
        ("anonymous", None),
        ("buyer A", Some(&c.buyer_a)),
        ("buyer B", Some(&c.buyer_b)),
        ("owner", Some(&c.owner)),
        ("staff", Some(&c.staff)),
        ("admin", Some(&c.admin)),
    ];
    // Expected status per actor, in the order above.
    let rows: Vec<(Method, String, Option<Value>, [u16; 6])> = vec![
        (Method::GET, "/api/v1/me".into(), None, [401, 200, 200, 200, 200, 200]),
        (Method::GET, "/api/v1/me/addresses".into(), None, [401, 200, 200, 200, 200, 200]),
        (Method::GET, "/api/v1/me/sessions".into(), None, [401, 200, 200, 200, 200, 200]),
        (Method::GET, "/api/v1/shop-applications".into(), None, [401, 200, 200, 200, 200, 200]),
        (Method::GET, format!("/api/v1/shops/{shop}"), None, [200, 200, 200, 200, 200, 200]),
        (Method::GET, staff_path.clone(), None, [401, 403, 403, 200, 200, 403]),
        (Method::POST, staff_path.clone(), Some(json!({ "phone": c.buyer_a.phone })), [401, 403, 403, 201, 403, 403]),
        (Method::DELETE, format!("{staff_path}/{}", c.buyer_a.id), None, [401, 403, 403, 204, 403, 403]),
        (Method::GET, "/api/v1/admin/shop-applications".into(), None, [401, 403, 403, 403, 403, 200]),
        (
            Method::POST,
            format!("/api/v1/admin/shop-applications/{pending}/reject"),
            Some(json!({ "reason": "x" })),
            [401, 403, 403, 403, 403, 200],
        ),
        (Method::POST, approve.clone(), Some(json!({})), [401, 403, 403, 403, 403, 409]),
    ];
    for (method, path, body, expected) in rows {
        for ((actor, user), want) in actors.iter().zip(expected) {
            let got = status(&app, *user, method.clone(), &path, body.clone()).await;
            assert_eq!(got, want, "{actor}: {method} {path}");
        }
    }
}

async fn buyers_never_touch_each_others_data(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let a = app.register().await;
    let b = app.register().await;
    let address: Value = app
        .post_as(
            &a,
            "/api/v1/me/addresses",
            &json!({ "recipient": "张三", "phone": a.phone, "province": "上海市", "city": "上海市",
                     "district": "浦东新区", "detail": "世纪大道 100 号" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let address_id = address["id"].as_i64().unwrap();
    let sessions: Value = app.items_as(&a, "/api/v1/me/sessions").await;
    let session_id = sessions[0]["id"].as_i64().unwrap();

    let path = format!("/api/v1/me/addresses/{address_id}");
    assert_eq!(app.patch_as(&b, &path, &json!({ "recipient": "李四" })).await.status(), 404);
    assert_eq!(app.delete_as(&b, &path).await.status(), 404);
    assert_eq!(app.delete_as(&b, &format!("/api/v1/me/sessions/{session_id}")).await.status(), 404);
    let b_sees: Value = app.items_as(&b, "/api/v1/me/addresses").await;
    assert_eq!(b_sees, json!([]));
    let b_me: Value = app.get_as(&b, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(b_me["id"], b.id);

    // A's data is untouched, and A is still signed in.
    let a_sees: Value = app.items_as(&a, "/api/v1/me/addresses").await;
    assert_eq!(a_sees[0]["recipient"], "张三");
    assert_eq!(app.get_as(&a, "/api/v1/me").await.status(), 200);
}
