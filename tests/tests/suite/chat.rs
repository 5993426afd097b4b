//! Buyer–seller chat through a real WebSocket client and REST: delivery to every device of both
//! sides, acknowledgements, resends that never duplicate, offline sync by seq, read receipts and
//! unread counts, blocking, and privacy.

use bazaar_tests::{Backend, TestApp, User, on_both_backends, problem};
use serde_json::{Value, json};
use std::time::Duration;

on_both_backends!(
    buyer_and_seller_talk_in_real_time,
    every_device_of_both_sides_receives_messages,
    offline_devices_catch_up_by_seq,
    a_resent_client_msg_id_is_stored_once,
    read_receipts_and_unread_counts,
    a_blocked_buyer_is_refused,
    only_participants_can_read_a_conversation,
    bad_messages_are_refused_with_the_field_at_fault,
);

struct Shop {
    owner: User,
    id: i64,
}

async fn shop(app: &TestApp) -> Shop {
    let admin = app.admin().await;
    let (owner, id) = app.seller(&admin).await;
    Shop { owner, id }
}

async fn buyer_and_shop(app: &TestApp) -> (User, Shop, i64) {
    let shop = shop(app).await;
    let buyer = app.register().await;
    let conversation = app.open_conversation(&buyer, shop.id).await;
    (buyer, shop, conversation)
}

async fn buyer_and_seller_talk_in_real_time(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let (buyer, shop, conversation) = buyer_and_shop(&app).await;
    let mut buyer_ws = app.chat(&buyer).await;
    let mut seller_ws = app.chat(&shop.owner).await;
    assert_eq!(buyer_ws.hello["user_id"], buyer.id);

    let sent = buyer_ws.say(conversation, "b-1", "你好，这件有红色吗？").await;
    assert_eq!(sent["type"], "sent", "{sent}");
    assert_eq!(sent["duplicate"], false);
    assert_eq!(sent["message"]["seq"], 1);
    assert_eq!(sent["message"]["side"], "buyer");

    let received = seller_ws.next_of("message").await;
    assert_eq!(received["message"]["text"], "你好，这件有红色吗？");
    assert_eq!(received["message"]["seq"], 1);
    assert_eq!(received["message"]["conversation_id"], conversation);
    assert_eq!(received["message"]["sender_id"], buyer.id);
    assert!(received["message"]["created_at"].as_str().is_some_and(|t| t.ends_with('Z')));

    let reply = seller_ws.say(conversation, "s-1", "有的，红色 M 码还有 3 件").await;
    assert_eq!(reply["message"]["seq"], 2);
    assert_eq!(reply["message"]["side"], "shop");
    let at_buyer = buyer_ws.next_of("message").await;
    assert_eq!(at_buyer["message"]["text"], "有的，红色 M 码还有 3 件");

    // REST sees the same history, in seq order.
    let history: Value =
        app.get_as(&buyer, &format!("/api/v1/chat/conversations/{conversation}/messages")).await.json().await.unwrap();
    let seqs: Vec<i64> = history["items"].as_array().unwrap().iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, vec![1, 2]);
    assert_eq!(history["has_more"], false);

    // A message sent over REST reaches the WebSocket too.
    let rest = app
        .post_as(&buyer, &format!("/api/v1/chat/conversations/{conversation}/messages"),
            &json!({ "client_msg_id": "b-2", "content": { "kind": "image", "url": "https://img.example.com/red.jpg" } }))
        .await;
    assert_eq!(rest.status(), 201);
    let image = seller_ws.next_of("message").await;
    assert_eq!(image["message"]["kind"], "image");
    assert_eq!(image["message"]["image_url"], "https://img.example.com/red.jpg");
}

async fn every_device_of_both_sides_receives_messages(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let (buyer, shop, conversation) = buyer_and_shop(&app).await;
    let staff = app.register().await;
    let added =
        app.post_as(&shop.owner, &format!("/api/v1/shops/{}/staff", shop.id), &json!({ "phone": staff.phone })).await;
    assert_eq!(added.status(), 201, "add staff");
    let buyer_phone = app.login(&buyer.phone).await;

    let mut phone = app.chat(&buyer).await;
    let mut tablet = app.chat(&buyer_phone).await;
    let mut owner = app.chat(&shop.owner).await;
    let mut clerk = app.chat(&staff).await;

    let sent = phone.say(conversation, "m-1", "在吗").await;
    assert_eq!(sent["type"], "sent");
    for device in [&mut tablet, &mut owner, &mut clerk] {
        assert_eq!(device.next_of("message").await["message"]["text"], "在吗");
    }
    // The sending device got the acknowledgement, not an echo.
    assert!(phone.collect("message", Duration::from_millis(300)).await.is_empty());

    // Staff answer for the shop; the owner's device sees the answer too.
    clerk.say(conversation, "c-1", "在的").await;
    for device in [&mut phone, &mut tablet, &mut owner] {
        let message = device.next_of("message").await;
        assert_eq!(message["message"]["side"], "shop");
        assert_eq!(message["message"]["sender_id"], staff.id);
    }
}

async fn offline_devices_catch_up_by_seq(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let (buyer, shop, conversation) = buyer_and_shop(&app).await;
    let mut buyer_ws = app.chat(&buyer).await;
    for (i, text) in ["一", "二", "三"].iter().enumerate() {
        assert_eq!(buyer_ws.say(conversation, &format!("o-{i}"), text).await["type"], "sent");
    }

    // The seller comes online: the badge says 3, sync brings all three in order.
    let mut seller_ws = app.chat(&shop.owner).await;
    assert_eq!(seller_ws.hello["unread_total"], 3);
    seller_ws.send(json!({ "type": "sync" })).await;
    let list = seller_ws.next_of("conversations").await;
    assert_eq!(list["page"]["items"][0]["id"], conversation);
    assert_eq!(list["page"]["items"][0]["last_seq"], 3);
    seller_ws.send(json!({ "type": "sync", "conversation_id": conversation, "since_seq": 0 })).await;
    let history = seller_ws.next_of("history").await;
    let texts: Vec<&str> =
        history["page"]["items"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, vec!["一", "二", "三"]);

    // Over REST: after a seq, and paging back before one.
    let path = format!("/api/v1/chat/conversations/{conversation}/messages");
    let after: Value = app.get_as(&shop.owner, &format!("{path}?since_seq=1")).await.json().await.unwrap();
    assert_eq!(after["items"].as_array().unwrap().len(), 2);
    let page: Value = app.get_as(&shop.owner, &format!("{path}?before_seq=3&limit=1")).await.json().await.unwrap();
    assert_eq!(page["items"][0]["seq"], 2);
    assert_eq!(page["has_more"], true);
    assert_eq!(page["next_cursor"], "2", "send it as before_seq for the older ones");
}

async fn a_resent_client_msg_id_is_stored_once(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let (buyer, shop, conversation) = buyer_and_shop(&app).await;
    let mut buyer_ws = app.chat(&buyer).await;
    let mut seller_ws = app.chat(&shop.owner).await;

    let first = buyer_ws.say(conversation, "flaky-1", "要两件").await;
    let again = buyer_ws.say(conversation, "flaky-1", "要两件").await;
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["message"]["seq"], first["message"]["seq"]);
    let path = format!("/api/v1/chat/conversations/{conversation}/messages");
    let over_rest = app
        .post_as(&buyer, &path, &json!({ "client_msg_id": "flaky-1", "content": { "kind": "text", "text": "要两件" } }))
        .await;
    assert_eq!(over_rest.status(), 200);
    assert_eq!(over_rest.json::<Value>().await.unwrap()["duplicate"], true);

    assert_eq!(seller_ws.collect("message", Duration::from_millis(500)).await.len(), 1);
    let history: Value = app.get_as(&buyer, &path).await.json().await.unwrap();
    assert_eq!(history["items"].as_array().unwrap().len(), 1);
    // The same id from the other side is a different message.
    assert_eq!(seller_ws.say(conversation, "flaky-1", "好的").await["duplicate"], false);
}

async fn read_receipts_and_unread_counts(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let (buyer, shop, conversation) = buyer_and_shop(&app).await;
    let mut buyer_ws = app.chat(&buyer).await;
    buyer_ws.say(conversation, "r-1", "第一条").await;
    buyer_ws.say(conversation, "r-2", "第二条").await;

    let list: Value = app.get_as(&shop.owner, "/api/v1/chat/conversations").await.json().await.unwrap();
    assert_eq!(list["items"][0]["unread"], 2);
    assert_eq!(list["items"][0]["side"], "shop");
    assert_eq!(list["items"][0]["last_preview"], "第二条");
    assert_eq!(list["unread_total"], 2);

    let mut seller_ws = app.chat(&shop.owner).await;
    seller_ws.send(json!({ "type": "read", "conversation_id": conversation, "seq": 1 })).await;
    let position = seller_ws.next_of("read_position").await;
    assert_eq!(position["position"]["unread"], 1);
    assert_eq!(position["position"]["unread_total"], 1);
    let receipt = buyer_ws.next_of("read").await;
    assert_eq!((receipt["side"].as_str(), receipt["seq"].as_i64()), (Some("shop"), Some(1)));

    // Reading never moves back; a seq past the end stops at the last message.
    let read = app
        .post_as(&shop.owner, &format!("/api/v1/chat/conversations/{conversation}/read"), &json!({ "seq": 99 }))
        .await;
    assert_eq!(read.json::<Value>().await.unwrap()["read_seq"], 2);
    let back = app
        .post_as(&shop.owner, &format!("/api/v1/chat/conversations/{conversation}/read"), &json!({ "seq": 1 }))
        .await;
    let back: Value = back.json().await.unwrap();
    assert_eq!((back["read_seq"].as_i64(), back["unread"].as_i64()), (Some(2), Some(0)));

    // The buyer sees the receipt on the conversation, and counts the seller's reply as unread.
    seller_ws.say(conversation, "s-1", "收到").await;
    let mine: Value =
        app.get_as(&buyer, &format!("/api/v1/chat/conversations/{conversation}")).await.json().await.unwrap();
    assert_eq!(mine["other_read_seq"], 3);
    assert_eq!(mine["unread"], 1);
    // Delivery acks move the delivered position the other side sees.
    buyer_ws.send(json!({ "type": "ack", "conversation_id": conversation, "seq": 3 })).await;
    let delivered = seller_ws.next_of("delivered").await;
    assert_eq!(delivered["seq"], 3);
}

async fn a_blocked_buyer_is_refused(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let (buyer, shop, conversation) = buyer_and_shop(&app).await;
    let mut buyer_ws = app.chat(&buyer).await;
    // Only the shop side may block.
    let by_buyer = app.post_as(&buyer, &format!("/api/v1/chat/conversations/{conversation}/block"), &json!({})).await;
    assert_eq!(by_buyer.status(), 403);

    let blocked =
        app.post_as(&shop.owner, &format!("/api/v1/chat/conversations/{conversation}/block"), &json!({})).await;
    assert_eq!(blocked.json::<Value>().await.unwrap()["blocked"], true);
    assert_eq!(buyer_ws.next_of("blocked").await["blocked"], true);
    let refused = buyer_ws.say(conversation, "x-1", "为什么不回我").await;
    assert_eq!(refused["code"], "chat_blocked");
    assert_eq!(refused["client_msg_id"], "x-1");
    let path = format!("/api/v1/chat/conversations/{conversation}/messages");
    let rest = app
        .post_as(&buyer, &path, &json!({ "client_msg_id": "x-2", "content": { "kind": "text", "text": "hi" } }))
        .await;
    assert_eq!(rest.status(), 403);
    assert_eq!(problem(rest).await["code"], "chat_blocked");
    let history: Value = app.get_as(&buyer, &path).await.json().await.unwrap();
    assert!(history["items"].as_array().unwrap().is_empty(), "refused messages are not stored");

    app.post_as(&shop.owner, &format!("/api/v1/chat/conversations/{conversation}/unblock"), &json!({})).await;
    assert_eq!(buyer_ws.say(conversation, "x-3", "谢谢").await["type"], "sent");
}

async fn only_participants_can_read_a_conversation(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let (buyer, _shop, conversation) = buyer_and_shop(&app).await;
    app.chat(&buyer).await.say(conversation, "p-1", "我的地址是…").await;
    let stranger = app.register().await;
    let admin = app.admin().await;
    let other_seller = app.seller(&admin).await.0;
    let path = format!("/api/v1/chat/conversations/{conversation}/messages");
    for outsider in [&stranger, &other_seller, &admin] {
        assert_eq!(app.get_as(outsider, &path).await.status(), 404, "user {}", outsider.id);
        let sent = app
            .post_as(outsider, &path, &json!({ "client_msg_id": "z", "content": { "kind": "text", "text": "hi" } }))
            .await;
        assert_eq!(sent.status(), 404);
    }
    let mut stranger_ws = app.chat(&stranger).await;
    assert_eq!(stranger_ws.say(conversation, "z-1", "hi").await["code"], "not_found");
    stranger_ws.send(json!({ "type": "sync", "conversation_id": conversation })).await;
    assert_eq!(stranger_ws.next_of("error").await["code"], "not_found");
    let list: Value = app.get_as(&stranger, "/api/v1/chat/conversations").await.json().await.unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());

    // A report lets admins (and only admins) read it.
    let report = app
        .post_as(
            &buyer,
            &format!("/api/v1/chat/conversations/{conversation}/report"),
            &json!({ "reason": "卖家索要微信" }),
        )
        .await;
    assert_eq!(report.status(), 201);
    let report_id = report.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let open: Value = app.items_as(&admin, "/api/v1/admin/chat/reports").await;
    assert!(open.as_array().unwrap().iter().any(|r| r["id"] == report_id));
    let read_by_admin: Value =
        app.get_as(&admin, &format!("/api/v1/admin/chat/reports/{report_id}/messages")).await.json().await.unwrap();
    assert_eq!(read_by_admin["items"][0]["text"], "我的地址是…");
    assert_eq!(app.get_as(&stranger, &format!("/api/v1/admin/chat/reports/{report_id}/messages")).await.status(), 403);
    let closed = app.post_as(&admin, &format!("/api/v1/admin/chat/reports/{report_id}/close"), &json!({})).await;
    assert_eq!(closed.json::<Value>().await.unwrap()["status"], "closed");
}

async fn bad_messages_are_refused_with_the_field_at_fault(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let (buyer, shop, conversation) = buyer_and_shop(&app).await;
    let path = format!("/api/v1/chat/conversations/{conversation}/messages");
    let cases = [
        (json!({ "client_msg_id": "a", "content": { "kind": "text", "text": "   " } }), 422, Some("content.text")),
        (
            json!({ "client_msg_id": "a", "content": { "kind": "text", "text": "长".repeat(2001) } }),
            422,
            Some("content.text"),
        ),
        (
            json!({ "client_msg_id": "a", "content": { "kind": "image", "url": "javascript:alert(1)" } }),
            422,
            Some("content.url"),
        ),
        (
            json!({ "client_msg_id": "a", "content": { "kind": "product", "product_id": 999_999 } }),
            422,
            Some("content.product_id"),
        ),
        (
            json!({ "client_msg_id": "a", "content": { "kind": "order", "order_id": 999_999 } }),
            422,
            Some("content.order_id"),
        ),
        (json!({ "client_msg_id": "", "content": { "kind": "text", "text": "hi" } }), 422, Some("client_msg_id")),
        (json!({ "client_msg_id": "a", "content": { "kind": "voice", "seconds": 3 } }), 422, Some("content.kind")),
    ];
    for (body, status, field) in cases {
        let response = app.post_as(&buyer, &path, &body).await;
        assert_eq!(response.status(), status, "{body}");
        let problem = problem(response).await;
        if let Some(field) = field {
            assert_eq!(problem["field"], field, "{problem}");
        }
    }
    let history: Value = app.get_as(&buyer, &path).await.json().await.unwrap();
    assert!(history["items"].as_array().unwrap().is_empty());

    // A shop cannot open a conversation with itself; unknown shops are 404.
    let own = app.post_as(&shop.owner, "/api/v1/chat/conversations", &json!({ "shop_id": shop.id })).await;
    assert_eq!(problem(own).await["code"], "own_shop");
    let unknown = app.post_as(&buyer, "/api/v1/chat/conversations", &json!({ "shop_id": 987_654 })).await;
    assert_eq!(unknown.status(), 404);
    let both = app
        .post_as(&buyer, "/api/v1/chat/conversations", &json!({ "shop_id": shop.id, "product_id": 1, "order_id": 1 }))
        .await;
    assert_eq!(both.status(), 422);

    // Over the WebSocket a bad frame is answered, and the connection stays usable.
    let mut ws = app.chat(&buyer).await;
    ws.send_raw(tokio_tungstenite::tungstenite::Message::text("{not json")).await;
    assert_eq!(ws.next_of("error").await["code"], "bad_frame");
    ws.send(json!({ "type": "teleport" })).await;
    assert_eq!(ws.next_of("error").await["code"], "bad_frame");
    ws.send(json!({ "type": "ping" })).await;
    assert_eq!(ws.next_of("pong").await["type"], "pong");
}
