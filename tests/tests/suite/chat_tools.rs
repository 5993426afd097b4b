//! The shop's chat tools (greeting, away message, sensitive-word masking, order notices, cards)
//! and the WebSocket's edges: authentication, frame size, rate limit, heartbeat, shutdown, and a
//! restart that loses no acknowledged message.

use bazaar_tests::catalog::simple;
use bazaar_tests::chat::{ChatClient, connect_raw};
use bazaar_tests::{Backend, TestApp, User, on_both_backends, problem};
use chrono::{Timelike, Utc};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

on_both_backends!(
    greeting_cards_and_away_message,
    sensitive_words_are_masked_on_every_gateway_path,
    shipping_an_order_posts_a_notice_with_its_card,
    the_websocket_refuses_bad_tokens_and_enforces_its_limits,
    a_restart_loses_no_acknowledged_message,
);

async fn seller_and_buyer(app: &TestApp) -> (User, i64, User, User) {
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    (seller, shop, app.register().await, admin)
}

/// Customer-service hours (China Standard Time) that exclude the present moment.
fn hours_excluding_now() -> String {
    let beijing = Utc::now() + chrono::TimeDelta::hours(8);
    let from = (beijing.hour() + 2) % 24;
    let to = (beijing.hour() + 3) % 24;
    format!("{from:02}:00-{to:02}:00")
}

async fn greeting_cards_and_away_message(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let (seller, shop, buyer, _) = seller_and_buyer(&app).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "桂花糕", "12.50", 5)).await;
    let settings_path = format!("/api/v1/seller/shops/{shop}/chat-settings");
    let saved = app
        .put_as(
            &seller,
            &settings_path,
            &json!({ "greeting": "欢迎光临老街茶铺！", "away_message": "客服已下班，明早 9 点回复您" }),
        )
        .await;
    assert_eq!(saved.status(), 200);
    // Only members see the settings; only the owner changes them.
    assert_eq!(app.get_as(&buyer, &settings_path).await.status(), 403);
    let patch = app
        .patch_as(&seller, &format!("/api/v1/shops/{shop}"), &json!({ "service_hours": hours_excluding_now() }))
        .await;
    assert_eq!(patch.status(), 200, "set service hours");

    // Opening from a product page posts the card, then the greeting arrives.
    let opened = app
        .post_as(
            &buyer,
            "/api/v1/chat/conversations",
            &json!({ "shop_id": shop, "product_id": product["id"], "client_msg_id": "card-1" }),
        )
        .await;
    assert_eq!(opened.status(), 201);
    let conversation = opened.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let path = format!("/api/v1/chat/conversations/{conversation}/messages");
    let history: Value = app.get_as(&buyer, &path).await.json().await.unwrap();
    let messages = history["items"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "{history}");
    assert_eq!(messages[0]["kind"], "product");
    assert_eq!(messages[0]["card"]["title"], "桂花糕");
    assert_eq!(messages[0]["card"]["price"], "12.50");
    assert_eq!(
        (messages[1]["text"].as_str(), messages[1]["side"].as_str()),
        (Some("欢迎光临老街茶铺！"), Some("shop"))
    );
    assert!(messages[1]["sender_id"].is_null(), "automatic messages have no sender");
    // Reopening returns the same conversation without a second greeting or card.
    let again = app
        .post_as(
            &buyer,
            "/api/v1/chat/conversations",
            &json!({ "shop_id": shop, "product_id": product["id"], "client_msg_id": "card-1" }),
        )
        .await;
    assert_eq!(again.status(), 200);

    // Outside service hours the away message answers, once per half hour.
    let mut ws = app.chat(&buyer).await;
    ws.say(conversation, "q-1", "还有货吗？").await;
    let away = ws.next_of("message").await;
    assert_eq!(away["message"]["text"], "客服已下班，明早 9 点回复您");
    ws.say(conversation, "q-2", "急用").await;
    assert!(ws.collect("message", Duration::from_millis(400)).await.is_empty(), "no second away message");
    let history: Value = app.get_as(&buyer, &path).await.json().await.unwrap();
    assert_eq!(history["items"].as_array().unwrap().len(), 5);

    // Within hours there is none.
    app.patch_as(&seller, &format!("/api/v1/shops/{shop}"), &json!({ "service_hours": "00:00-24:00" })).await;
    let other_buyer = app.register().await;
    let second = app.open_conversation(&other_buyer, shop).await;
    let mut other_ws = app.chat(&other_buyer).await;
    other_ws.say(second, "w-1", "你好").await;
    assert!(other_ws.collect("message", Duration::from_millis(400)).await.is_empty());
}

async fn sensitive_words_are_masked_on_every_gateway_path(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let (_seller, shop, buyer, admin) = seller_and_buyer(&app).await;
    let conversation = app.open_conversation(&buyer, shop).await;
    let words = "/api/v1/admin/chat/sensitive-words";
    assert_eq!(app.put_as(&buyer, words, &json!({ "words": ["微信"] })).await.status(), 403);
    let too_long = app.put_as(&admin, words, &json!({ "words": ["x".repeat(51)] })).await;
    assert_eq!(problem(too_long).await["field"], "words");
    let saved = app.put_as(&admin, words, &json!({ "words": ["微信", " QQ ", "微信"] })).await;
    assert_eq!(saved.json::<Value>().await.unwrap()["words"], json!(["qq", "微信"]));

    let mut ws = app.chat(&buyer).await;
    let sent = ws.say(conversation, "s-1", "加我微信或qq聊").await;
    assert_eq!(sent["message"]["text"], "加我**或**聊");
    let rest = app
        .post_as(
            &buyer,
            &format!("/api/v1/chat/conversations/{conversation}/messages"),
            &json!({ "client_msg_id": "s-2", "content": { "kind": "text", "text": "QQ号123" } }),
        )
        .await;
    assert_eq!(rest.json::<Value>().await.unwrap()["message"]["text"], "**号123");

    // Emptying the list stops masking at once.
    app.put_as(&admin, words, &json!({ "words": [] })).await;
    assert_eq!(ws.say(conversation, "s-3", "微信").await["message"]["text"], "微信");
}

async fn shipping_an_order_posts_a_notice_with_its_card(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let (seller, shop, buyer, _) = seller_and_buyer(&app).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "绿豆糕", "8.00", 5)).await;
    let order = app.place_order(&buyer, &product["skus"][0]["id"], 2).await;
    app.app_state.orders.mark_paid(order.into(), "pay-1".into()).await.unwrap();
    let mut ws = app.chat(&buyer).await;

    let shipped = app
        .post_as(
            &seller,
            &format!("/api/v1/seller/orders/{order}/ship"),
            &json!({ "carrier": "顺丰", "tracking_number": "SF123" }),
        )
        .await;
    assert_eq!(shipped.status(), 204);
    let notice = ws.next_of("message").await;
    assert_eq!(notice["message"]["kind"], "notice");
    assert_eq!(notice["message"]["side"], "system");
    assert!(notice["message"]["text"].as_str().unwrap().contains("SF123"));
    assert_eq!(notice["message"]["card"]["order_id"], order);
    assert_eq!(notice["message"]["card"]["status"], "shipped");
    // 2 × 8.00 plus the shop's default 10.00 shipping (free only from 99.00).
    assert_eq!(notice["message"]["card"]["total"], "26.00");

    let list: Value = app.get_as(&buyer, "/api/v1/chat/conversations").await.json().await.unwrap();
    assert_eq!(list["items"][0]["unread"], 1, "the notice counts as unread for the buyer");

    // Either side may post the order's card; an order of someone else is refused.
    let conversation = notice["message"]["conversation_id"].as_i64().unwrap();
    ws.send(json!({ "type": "send", "conversation_id": conversation, "client_msg_id": "o-1", "content": { "kind": "order", "order_id": order } })).await;
    assert_eq!(ws.next_of("sent").await["message"]["card"]["title"], "绿豆糕");
    let stranger = app.register().await;
    let theirs = app.open_conversation(&stranger, shop).await;
    let refused = app
        .post_as(
            &stranger,
            &format!("/api/v1/chat/conversations/{theirs}/messages"),
            &json!({ "client_msg_id": "o-2", "content": { "kind": "order", "order_id": order } }),
        )
        .await;
    assert_eq!(problem(refused).await["field"], "content.order_id");
}

async fn the_websocket_refuses_bad_tokens_and_enforces_its_limits(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |config| {
        config.crates.chat.chat_max_frame_bytes = 1024;
        config.crates.chat.chat_frames_per_sec = 1;
        config.crates.chat.chat_frame_burst = 3;
        config.crates.chat.chat_heartbeat_secs = 1;
        config.crates.chat.chat_idle_timeout_secs = 2;
    })
    .await
    else {
        return;
    };
    let (_seller, _shop, buyer, _) = seller_and_buyer(&app).await;

    for query in ["", "?access_token=not-a-token"] {
        let mut refused = ChatClient::from_stream(connect_raw(&app.ws_url(query)).await);
        assert_eq!(refused.closed().await.0, 4401, "query {query:?}");
    }

    // The token as a subprotocol; the server names the protocol it accepts.
    let mut request = app.ws_url("").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", format!("bazaar.chat.v1, {}", buyer.access_token).parse().unwrap());
    let (stream, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], "bazaar.chat.v1");
    let mut by_protocol = ChatClient::from_stream(stream);
    assert_eq!(by_protocol.next_of("hello").await["user_id"], buyer.id);

    let mut big = app.chat(&buyer).await;
    big.send_raw(Message::text("x".repeat(2000))).await;
    assert_eq!(big.closed().await.0, 1009);

    let mut chatty = app.chat(&buyer).await;
    for _ in 0..12 {
        chatty.send(json!({ "type": "ping" })).await;
    }
    assert_eq!(chatty.next_of("error").await["code"], "rate_limited");
    assert_eq!(chatty.closed().await.0, 4429);

    // A client that never answers the heartbeat is closed after the idle timeout.
    let mut silent = app.chat(&buyer).await;
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert_eq!(silent.closed().await.0, 4408);

    // Signing out ends the socket at the next heartbeat.
    let mut signed_out = app.chat(&buyer).await;
    let logout = app.post_as(&buyer, "/api/v1/auth/logout", &json!({})).await;
    assert_eq!(logout.status(), 204);
    assert_eq!(signed_out.closed().await.0, 4401);

    // A plain GET is not a handshake.
    let plain = app.get("/api/v1/chat/ws").await;
    assert_eq!(plain.status(), 400);
    assert_eq!(problem(plain).await["code"], "websocket_handshake_required");
}

async fn a_restart_loses_no_acknowledged_message(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let (seller, shop, buyer, _) = seller_and_buyer(&app).await;
    let conversation = app.open_conversation(&buyer, shop).await;
    let mut buyer_ws = app.chat(&buyer).await;
    let mut seller_ws = app.chat(&seller).await;
    let mut acknowledged = Vec::new();
    for i in 0..20 {
        let sent = buyer_ws.say(conversation, &format!("r-{i}"), &format!("第{i}条")).await;
        assert_eq!(sent["type"], "sent");
        acknowledged.push(sent["message"]["seq"].as_i64().unwrap());
    }

    // Stopping closes open sockets with "going away" instead of waiting them out.
    let stopping = std::time::Instant::now();
    app.stop().await;
    assert_eq!(seller_ws.closed().await.0, 1001);
    assert!(stopping.elapsed() < Duration::from_secs(5), "stop took {:?}", stopping.elapsed());

    let restarted = app.spawn_sibling().await;
    let page: Value = restarted
        .get_as(&seller, &format!("/api/v1/chat/conversations/{conversation}/messages?since_seq=0&limit=100"))
        .await
        .json()
        .await
        .unwrap();
    let stored: Vec<i64> = page["items"].as_array().unwrap().iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(stored, acknowledged);
    let back = restarted.chat(&seller).await;
    assert_eq!(back.hello["unread_total"], 20);
}
