//! Abuse and content: text that cannot disguise itself, chat that cannot be flooded by opening
//! more sockets, chat sockets that outlive a token by renewing it, forged payment notifications
//! that cannot fill the database, and security headers on the HTML pages.

use bazaar_tests::catalog::simple;
use bazaar_tests::chat::ChatClient;
use bazaar_tests::{Backend, TestApp, on_both_backends, problem};
use serde_json::{Value, json};
use std::time::Duration;

on_both_backends!(
    spoofing_characters_are_refused_in_every_text_field,
    one_message_limit_per_user_across_rest_and_sockets,
    a_chat_socket_takes_a_fresh_token_in_band,
    forged_notifications_are_stored_bounded_and_then_refused,
    html_pages_carry_security_headers,
);

async fn spoofing_characters_are_refused_in_every_text_field(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let buyer = app.register().await;
    let nickname = app.patch_as(&buyer, "/api/v1/me", &json!({ "nickname": "官方\u{202E}客服" })).await;
    assert_eq!(nickname.status(), 422);
    assert_eq!(problem(nickname).await["field"], "nickname");
    let address = app
        .post_as(
            &buyer,
            "/api/v1/me/addresses",
            &json!({ "recipient": "张\u{200B}三", "phone": buyer.phone, "province": "浙江省", "city": "杭州市",
                     "district": "西湖区", "detail": "文三路 1 号" }),
        )
        .await;
    assert_eq!(address.status(), 422);
    assert_eq!(problem(address).await["field"], "recipient");
    let title = app
        .post_as(&seller, "/api/v1/seller/products", &simple(shop, app.category("Snacks").await, "正品\0茶", "9.00", 1))
        .await;
    assert_eq!(title.status(), 422);
    assert_eq!(problem(title).await["field"], "title");
    let conversation = app.open_conversation(&buyer, shop).await;
    let message = app
        .post_as(
            &buyer,
            &format!("/api/v1/chat/conversations/{conversation}/messages"),
            &json!({ "client_msg_id": "m-1", "content": { "kind": "text", "text": "点这里\u{2066}领奖" } }),
        )
        .await;
    assert_eq!(message.status(), 422);
    assert!(problem(message).await["field"].as_str().unwrap_or_default().contains("text"));
}

async fn one_message_limit_per_user_across_rest_and_sockets(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.crates.chat.chat_messages_per_minute = 10).await else { return };
    let admin = app.admin().await;
    let (_, shop) = app.seller(&admin).await;
    let buyer = app.register().await;
    let conversation = app.open_conversation(&buyer, shop).await;
    let mut sockets = Vec::new();
    for _ in 0..3 {
        sockets.push(app.chat(&buyer).await);
    }
    let mut stored = 0;
    for round in 0..6 {
        for (n, socket) in sockets.iter_mut().enumerate() {
            let reply = socket.say(conversation, &format!("ws-{round}-{n}"), "你好").await;
            if reply["type"] == "sent" {
                stored += 1;
            } else {
                assert_eq!(reply["code"], "rate_limited", "{reply}");
            }
        }
        let rest = app
            .post_as(
                &buyer,
                &format!("/api/v1/chat/conversations/{conversation}/messages"),
                &json!({ "client_msg_id": format!("rest-{round}"), "content": { "kind": "text", "text": "在吗" } }),
            )
            .await;
        match rest.status().as_u16() {
            201 | 200 => stored += 1,
            429 => assert!(rest.headers().contains_key("retry-after")),
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(stored, 10, "24 sends over 3 sockets and REST: the user's 10 per minute, no more");
}

async fn a_chat_socket_takes_a_fresh_token_in_band(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.crates.identity.access_token_ttl_secs = 2;
        c.crates.chat.chat_heartbeat_secs = 1;
        c.crates.chat.chat_idle_timeout_secs = 30;
    })
    .await
    else {
        return;
    };
    let user = app.register().await;
    let mut socket = app.chat(&user).await;
    // Tokens live 2 s here, and verification allows 5 s of clock skew: each is good for ~7 s.
    // The app refreshes twice, 4 s apart, and hands the socket each new token.
    let mut refresh_token = user.refresh_token.clone();
    let mut latest = String::new();
    for _ in 0..2 {
        let pair: Value = app
            .post_json("/api/v1/auth/refresh", &json!({ "refresh_token": refresh_token }))
            .await
            .json()
            .await
            .unwrap();
        refresh_token = pair["refresh_token"].as_str().unwrap().to_string();
        latest = pair["access_token"].as_str().unwrap().to_string();
        socket.send(json!({ "type": "auth", "access_token": latest })).await;
        assert_eq!(socket.next_of("authenticated").await["user_id"], user.id);
        tokio::time::sleep(Duration::from_secs(4)).await;
    }
    // 8 s on, the token the socket opened with is long dead (heartbeats check it every second),
    // and the socket still answers.
    socket.send(json!({ "type": "ping" })).await;
    socket.next_of("pong").await;
    // Another user's token is refused and changes nothing.
    let other = app.register().await;
    socket.send(json!({ "type": "auth", "access_token": other.access_token })).await;
    assert_eq!(socket.next_of("error").await["code"], "token_user_mismatch");
    // Without renewing, a socket closes when its token expires, with 4401.
    let mut stale = ChatClient::open(&app.ws_url(&format!("?access_token={latest}"))).await;
    assert_eq!(stale.closed().await.0, 4401);
}

async fn forged_notifications_are_stored_bounded_and_then_refused(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let forged = "x".repeat(900_000);
    let mut statuses = Vec::new();
    for _ in 0..32 {
        let response = app
            .client
            .post(app.url("/api/v1/payments/notify/alipay"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("out_trade_no=forged&sign=bad&{forged}"))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|status| **status == 429).count(),
        2,
        "refused once 30 were rejected: {statuses:?}"
    );
    let db = app.app_state.db.clone();
    let stored: Vec<String> = tokio::task::spawn_blocking(move || {
        use bazaar_db::schema::payment_notifications;
        use diesel::prelude::*;
        let mut conn = db.get().expect("a connection");
        payment_notifications::table.select(payment_notifications::body).load::<String>(&mut *conn).expect("bodies")
    })
    .await
    .unwrap();
    assert_eq!(stored.len(), 30, "the refused ones are not stored");
    for body in stored {
        assert!(body.len() < 5_000, "a bounded prefix, not {} bytes", body.len());
        assert!(body.contains("bytes in all, sha256 "), "with the whole's length and hash");
    }
}

async fn html_pages_carry_security_headers(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "茶", "9.00", 5)).await;
    let buyer = app.register().await;
    let checkout = app.place_checkout(&buyer, &[(&product["skus"][0]["id"], 1)]).await;
    let payment = app.create_payment(&buyer, checkout["checkout_id"].as_i64().unwrap(), "wechatpay", "h5").await;
    let cashier = app.client.get(payment["pay"]["h5_url"].as_str().expect("an H5 link")).send().await.unwrap();
    assert!(cashier.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(cashier.headers()["x-content-type-options"], "nosniff");
    assert!(cashier.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    // JSON answers say nosniff too.
    assert_eq!(app.get("/api/v1/categories").await.headers()["x-content-type-options"], "nosniff");
}
