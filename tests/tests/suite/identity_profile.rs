//! Profile, password, addresses, device sessions and seller onboarding, as the app uses them.

use bazaar_tests::{Backend, PASSWORD, TestApp, fresh_phone, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(
    profile_updates_and_password_changes,
    addresses_keep_one_default_and_at_most_twenty,
    sessions_list_devices_and_revoke_them,
    shop_applications_are_reviewed_and_recorded,
    owners_manage_staff_and_phones_are_masked,
);

async fn profile_updates_and_password_changes(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let user = app.register().await;
    let updated: Value = app
        .patch_as(&user, "/api/v1/me", &json!({ "nickname": "  小王 ", "avatar_url": "https://img.example/a.png" }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (updated["nickname"].as_str(), updated["avatar_url"].as_str()),
        (Some("小王"), Some("https://img.example/a.png"))
    );
    let cleared: Value = app.patch_as(&user, "/api/v1/me", &json!({ "avatar_url": null })).await.json().await.unwrap();
    assert_eq!((cleared["nickname"].as_str(), cleared["avatar_url"].is_null()), (Some("小王"), true));
    let bad = app.patch_as(&user, "/api/v1/me", &json!({ "avatar_url": "javascript:alert(1)" })).await;
    assert_eq!(
        (bad.status().as_u16(), problem(bad).await["field"].as_str().map(String::from)),
        (422, Some("avatar_url".into()))
    );

    let wrong = app
        .post_as(
            &user,
            "/api/v1/me/password",
            &json!({ "current_password": "nope-1234", "new_password": "new-pass-42" }),
        )
        .await;
    assert_eq!(problem(wrong).await["field"], "current_password");
    let changed = app
        .post_as(&user, "/api/v1/me/password", &json!({ "current_password": PASSWORD, "new_password": "new-pass-42" }))
        .await;
    assert_eq!(changed.status(), 204);
    let old = app.post_json("/api/v1/auth/login", &json!({ "phone": user.phone, "password": PASSWORD })).await;
    assert_eq!(old.status(), 401);
    let new = app.post_json("/api/v1/auth/login", &json!({ "phone": user.phone, "password": "new-pass-42" })).await;
    assert_eq!(new.status(), 200);

    // An SMS-only account sets its first password without a current one.
    let (sms_user, _) = app.login_with_sms(&fresh_phone()).await;
    let set = app.post_as(&sms_user, "/api/v1/me/password", &json!({ "new_password": "first-pass-1" })).await;
    assert_eq!(set.status(), 204);
    let me: Value = app.get_as(&sms_user, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["has_password"], true);
}

fn address(recipient: &str, is_default: bool) -> Value {
    json!({ "recipient": recipient, "phone": "13800138000", "province": "广东省", "city": "深圳市",
            "district": "南山区", "detail": "科技园 1 栋", "postal_code": "518057", "is_default": is_default })
}

async fn addresses_keep_one_default_and_at_most_twenty(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let user = app.register().await;
    let first: Value = app.post_as(&user, "/api/v1/me/addresses", &address("一", false)).await.json().await.unwrap();
    assert_eq!(first["is_default"], true, "the first address is the default");
    assert_eq!(first["phone"], "+8613800138000");
    let second: Value = app.post_as(&user, "/api/v1/me/addresses", &address("二", true)).await.json().await.unwrap();
    let list: Value = app.items_as(&user, "/api/v1/me/addresses").await;
    let defaults: Vec<&Value> = list.as_array().unwrap().iter().filter(|a| a["is_default"] == true).collect();
    assert_eq!(defaults.len(), 1);
    assert_eq!(defaults[0]["id"], second["id"]);

    let patched = app
        .patch_as(
            &user,
            &format!("/api/v1/me/addresses/{}", first["id"]),
            &json!({ "detail": "科技园 2 栋", "is_default": true }),
        )
        .await;
    let patched: Value = patched.json().await.unwrap();
    assert_eq!((patched["detail"].as_str(), patched["is_default"].as_bool()), (Some("科技园 2 栋"), Some(true)));

    let bad =
        app.post_as(&user, "/api/v1/me/addresses", &with_field(address("字段", false), "postal_code", "12")).await;
    assert_eq!(problem(bad).await["field"], "postal_code");

    for n in 2..20 {
        assert_eq!(
            app.post_as(&user, "/api/v1/me/addresses", &address(&format!("收件人{n}"), false)).await.status(),
            201
        );
    }
    let over = app.post_as(&user, "/api/v1/me/addresses", &address("太多", false)).await;
    assert_eq!(over.status(), 409);
    assert_eq!(problem(over).await["code"], "too_many_addresses");

    // Deleting the default promotes the newest remaining address.
    assert_eq!(app.delete_as(&user, &format!("/api/v1/me/addresses/{}", first["id"])).await.status(), 204);
    let list: Value = app.items_as(&user, "/api/v1/me/addresses").await;
    assert_eq!(list.as_array().unwrap().len(), 19);
    assert_eq!(list[0]["is_default"], true);
    assert_eq!(list[0]["recipient"], "收件人19");
}

/// `body` with one field replaced.
fn with_field(mut body: Value, key: &str, value: &str) -> Value {
    body[key] = json!(value);
    body
}

async fn sessions_list_devices_and_revoke_them(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let user = app.register().await;
    let tablet = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("user-agent", "Bazaar-iPad/3.1")
        .json(&json!({ "phone": user.phone, "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let sessions: Value = app.items_as(&user, "/api/v1/me/sessions").await;
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let current: Vec<&Value> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    let ipad = sessions.iter().find(|s| s["user_agent"] == "Bazaar-iPad/3.1").expect("the tablet's session");
    assert_eq!(ipad["ip"], "127.0.0.1");

    assert_eq!(app.delete_as(&user, &format!("/api/v1/me/sessions/{}", ipad["id"])).await.status(), 204);
    let tablet_user = bazaar_tests::User {
        access_token: tablet["access_token"].as_str().unwrap().into(),
        refresh_token: tablet["refresh_token"].as_str().unwrap().into(),
        ..user.clone()
    };
    assert_eq!(problem(app.get_as(&tablet_user, "/api/v1/me").await).await["code"], "session_revoked");
    let remaining: Value = app.items_as(&user, "/api/v1/me/sessions").await;
    assert_eq!(remaining.as_array().unwrap().len(), 1);
}

fn application(phone: &str) -> Value {
    json!({ "shop_name": "巷口面馆", "main_category": "食品", "licence_number": "91440300MA5FXXXX1B",
            "contact_phone": phone, "description": "手工拉面" })
}

async fn shop_applications_are_reviewed_and_recorded(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let user = app.register().await;
    let bad = app
        .post_as(&user, "/api/v1/shop-applications", &with_field(application(&user.phone), "licence_number", "123"))
        .await;
    assert_eq!(problem(bad).await["field"], "licence_number");

    let first: Value =
        app.post_as(&user, "/api/v1/shop-applications", &application(&user.phone)).await.json().await.unwrap();
    assert_eq!(first["status"], "pending");
    let twice = app.post_as(&user, "/api/v1/shop-applications", &application(&user.phone)).await;
    assert_eq!(problem(twice).await["code"], "application_pending");

    let queue: Value = app.get_as(&admin, "/api/v1/admin/shop-applications").await.json().await.unwrap();
    assert_eq!(queue["items"][0]["id"], first["id"]);
    let reject = format!("/api/v1/admin/shop-applications/{}/reject", first["id"]);
    let no_reason = app.post_as(&admin, &reject, &json!({})).await;
    assert_eq!(problem(no_reason).await["field"], "reason");
    let rejected: Value =
        app.post_as(&admin, &reject, &json!({ "reason": "执照照片不清晰" })).await.json().await.unwrap();
    assert_eq!((rejected["status"].as_str(), rejected["reviewer_id"].as_i64()), (Some("rejected"), Some(admin.id)));
    assert!(rejected["reviewed_at"].is_string());

    let second: Value =
        app.post_as(&user, "/api/v1/shop-applications", &application(&user.phone)).await.json().await.unwrap();
    let approve = format!("/api/v1/admin/shop-applications/{}/approve", second["id"]);
    let approved: Value = app.post_as(&admin, &approve, &json!({ "reason": "资料齐全" })).await.json().await.unwrap();
    assert_eq!(approved["status"], "approved");
    let again = app.post_as(&admin, &approve, &json!({})).await;
    assert_eq!(problem(again).await["code"], "already_reviewed");

    let mine: Value = app.get_as(&user, "/api/v1/shop-applications").await.json().await.unwrap();
    let statuses: Vec<&str> = mine["items"].as_array().unwrap().iter().map(|a| a["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["approved", "rejected"], "every decision stays on record");
    assert_eq!(mine["items"][1]["review_reason"], "执照照片不清晰");

    let shop: Value = app.get(&format!("/api/v1/shops/{}", approved["shop_id"])).await.json().await.unwrap();
    assert_eq!((shop["name"].as_str(), shop["owner_id"].as_i64()), (Some("巷口面馆"), Some(user.id)));
    let relogged = app.login(&user.phone).await;
    let me: Value = app.get_as(&relogged, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["roles"], json!(["buyer", "seller"]));
    let empty: Value = app.get_as(&admin, "/api/v1/admin/shop-applications").await.json().await.unwrap();
    assert_eq!(empty["items"], json!([]));
}

async fn owners_manage_staff_and_phones_are_masked(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (owner, shop) = app.seller(&admin).await;
    let clerk = app.register().await;
    let path = format!("/api/v1/shops/{shop}/staff");
    let unknown = app.post_as(&owner, &path, &json!({ "phone": fresh_phone() })).await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(app.post_as(&owner, &path, &json!({ "phone": clerk.phone })).await.status(), 201);
    let twice = app.post_as(&owner, &path, &json!({ "phone": clerk.phone })).await;
    assert_eq!(problem(twice).await["code"], "already_member");

    let clerk = app.login(&clerk.phone).await;
    let seen_by_clerk: Value = app.items_as(&clerk, &path).await;
    let owner_row = seen_by_clerk.as_array().unwrap().iter().find(|m| m["role"] == "owner").unwrap();
    let national = &owner.phone[3..];
    assert_eq!(owner_row["phone"], format!("{}****{}", &national[..3], &national[7..]));
    let own_row = seen_by_clerk.as_array().unwrap().iter().find(|m| m["role"] == "staff").unwrap();
    assert_eq!(own_row["phone"], clerk.phone, "members see their own number in full");
    let me: Value = app.get_as(&clerk, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["roles"], json!(["buyer", "seller"]), "staff are sellers too");

    assert_eq!(app.delete_as(&owner, &format!("{path}/{}", owner.id)).await.status(), 404, "the owner is not staff");
    assert_eq!(app.delete_as(&owner, &format!("{path}/{}", clerk.id)).await.status(), 204);
    assert_eq!(app.get_as(&clerk, &path).await.status(), 403);
}
