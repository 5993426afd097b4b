//! Chat pages without JavaScript, and the chat WebSocket signed in by the storefront's session
//! cookie: "chat with the seller" from a product page opens the conversation with the product's
//! card; a message sent by form is stored once and shown escaped; the shop's people see it with
//! its unread badge, which opening the conversation clears; nobody else can open it; the cookie
//! opens the socket only from this site's own pages.

use bazaar_tests::catalog::simple;
use bazaar_tests::chat::{ChatClient, connect_with_headers};
use bazaar_tests::{Backend, PASSWORD, TestApp, fresh_phone, on_both_backends};

on_both_backends!(
    a_shopper_chats_with_the_seller_from_a_product_page_without_javascript,
    the_chat_socket_takes_the_session_cookie_only_from_this_site,
);

async fn a_shopper_chats_with_the_seller_from_a_product_page_without_javascript(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product =
        app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "龙井 明前", "88.00", 5)).await;
    let product_id = product["id"].as_i64().unwrap();
    let product_page = format!("/m/products/{product_id}");

    let mut buyer = app.visitor();
    let page = buyer.get(&product_page).await;
    let csrf = page.field("csrf").expect("the chat form carries a token");
    let shop_field = shop.to_string();
    let product_field = product_id.to_string();
    let start = [("csrf", csrf.as_str()), ("shop_id", shop_field.as_str()), ("product_id", product_field.as_str())];
    let signed_out = buyer.post("/m/chat/start", &start).await;
    assert_eq!(signed_out.status, 303);
    assert!(signed_out.location().starts_with("/m/login?next=%2Fm%2Fproducts%2F"), "{}", signed_out.location());
    buyer.sign_in_by_sms(&fresh_phone(), &product_page).await;
    let forged = buyer.post("/m/chat/start", &[("csrf", "x"), ("shop_id", shop_field.as_str())]).await;
    assert_eq!(forged.status, 403, "a form without this browser's token changes nothing");
    let csrf = buyer.cookies.get("bz_csrf").cloned().unwrap();
    let start = [("csrf", csrf.as_str()), ("shop_id", shop_field.as_str()), ("product_id", product_field.as_str())];
    let opened = buyer.post("/m/chat/start", &start).await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let conversation = opened.location().to_string();
    assert!(conversation.starts_with("/m/chat/"), "{conversation}");
    // Tapping again reopens the same conversation without a second card.
    assert_eq!(buyer.post("/m/chat/start", &start).await.location(), conversation);
    let thread = buyer.get(&conversation).await;
    assert_eq!(thread.status, 200);
    assert_eq!(thread.body.matches("data-card=\"product\"").count(), 1, "{}", thread.body);
    assert!(thread.body.contains("龙井 明前") && thread.body.contains("¥88.00"), "the product's card");

    let form_id = thread.field("client_msg_id").expect("a fresh id per form");
    let text = "<script>alert(1)</script> 还有货吗？";
    let message = [("csrf", csrf.as_str()), ("client_msg_id", form_id.as_str()), ("text", text)];
    assert_eq!(buyer.post(&conversation, &message).await.location(), conversation);
    assert_eq!(buyer.post(&conversation, &message).await.location(), conversation, "a resent form");
    let thread = buyer.get(&conversation).await;
    assert_eq!(thread.body.matches("还有货吗").count(), 1, "stored once: {}", thread.body);
    assert!(thread.body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "escaped: {}", thread.body);
    assert!(!thread.body.contains("<script>alert"), "never markup");
    let empty = [("csrf", csrf.as_str()), ("client_msg_id", "empty-1"), ("text", "  ")];
    let refused = buyer.post(&conversation, &empty).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("data-chat-error"), "the reason is shown at the form");

    // The seller's list has it with an unread badge; opening it reads it.
    let mut console = app.visitor();
    console.sign_in_with_password(&seller.phone, PASSWORD, "/m/chat").await;
    let inbox = console.get("/m/chat").await;
    assert_eq!(inbox.status, 200);
    assert!(inbox.body.contains("data-unread-total>2<"), "the card and the message are unread: {}", inbox.body);
    assert!(inbox.body.contains("老街茶铺"), "marked with the shop it is for");
    assert_eq!(console.get("/seller/chat").await.location(), "/m/chat", "the console's inbox is the list");
    let seen = console.get(&conversation).await;
    assert!(seen.body.contains("还有货吗"), "{}", seen.body);
    let after = console.get("/m/chat").await;
    assert!(after.body.contains("data-unread-total hidden>0<"), "read: {}", after.body);
    let csrf_seller = console.cookies.get("bz_csrf").cloned().unwrap();
    let reply = [("csrf", csrf_seller.as_str()), ("client_msg_id", "reply-1"), ("text", "有的，今天发货")];
    assert_eq!(console.post(&conversation, &reply).await.status, 303);
    assert!(buyer.get(&conversation).await.body.contains("有的，今天发货"));

    // Anyone else: the conversation does not exist for them.
    let mut stranger = app.visitor();
    stranger.sign_in_by_sms(&fresh_phone(), "/m/").await;
    assert_eq!(stranger.get(&conversation).await.status, 404);
    let csrf_stranger = stranger.cookies.get("bz_csrf").cloned().unwrap();
    let intrusion = [("csrf", csrf_stranger.as_str()), ("client_msg_id", "x-1"), ("text", "hi")];
    assert_eq!(stranger.post(&conversation, &intrusion).await.status, 404);
}

async fn the_chat_socket_takes_the_session_cookie_only_from_this_site(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let mut shopper = app.visitor();
    shopper.sign_in_by_sms(&fresh_phone(), "/m/").await;
    let cookie = shopper.cookie_header();
    let url = app.ws_url("");

    let own_origin = format!("http://{}", app.addr);
    let ws = connect_with_headers(&url, &[("cookie", &cookie), ("origin", &own_origin)]).await;
    let mut client = ChatClient::from_stream(ws);
    let hello = client.next_of("hello").await;
    assert_eq!(hello["unread_total"], 0, "{hello}");
    client.close().await;

    // Another site's page rides on the shopper's cookie: refused like no token at all.
    let ws = connect_with_headers(&url, &[("cookie", &cookie), ("origin", "https://evil.example")]).await;
    let (code, _) = ChatClient::from_stream(ws).closed().await;
    assert_eq!(code, 4401);
}
