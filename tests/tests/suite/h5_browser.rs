//! Journeys through the H5 storefront in a real browser (headless Chromium at a phone's viewport),
//! on both backends. A screenshot of each journey's last page is kept under
//! `target/browser-journeys/`.

use bazaar_tests::browser::Browser;
use bazaar_tests::catalog::{simple, tshirt};
use bazaar_tests::{Backend, PASSWORD, TestApp, fresh_phone, on_both_backends};

on_both_backends!(
    a_shopper_searches_in_chinese_and_pinyin_filters_by_a_facet_and_opens_a_result,
    a_shopper_from_a_product_link_picks_options_signs_in_by_sms_and_sees_the_cart,
    a_seller_creates_a_product_with_two_spec_dimensions_in_the_console_and_shoppers_find_it,
    a_friend_pays_for_another_from_the_shared_link,
    a_buyer_and_a_seller_chat_live_in_two_windows,
);

fn tag(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

async fn a_shopper_searches_in_chinese_and_pinyin_filters_by_a_facet_and_opens_a_result(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let Some(browser) = Browser::open("the search journey").await else { return };
    let catalog = app.search_catalog().await;

    // Chinese, typed into the search box of the home page.
    browser.goto(&app.url("/m/")).await;
    let width = browser.script("return window.innerWidth").await;
    assert!(width.as_i64().is_some_and(|w| (360..=430).contains(&w)), "a phone's viewport: {width}");
    browser.find("input[name=q]").await.type_text("手机").await;
    browser.find("form.search button").await.click().await;
    browser.wait_for_text("华为 Mate 60 Pro").await;

    // Pinyin finds the same phones.
    browser.goto(&app.url("/m/")).await;
    browser.find("input[name=q]").await.type_text("shouji").await;
    browser.find("form.search button").await.click().await;
    browser.wait_for_text("小米 14").await;

    // A brand facet narrows the results to it.
    browser.find("details.facets summary").await.click().await;
    let brand = browser.find("ul[data-facet='品牌'] a[href*='brand=%E5%B0%8F%E7%B1%B3']").await;
    brand.click().await;
    browser.wait_for_text("小米 14").await;
    let text = browser.text().await;
    assert!(!text.contains("华为 Mate 60 Pro"), "filtered to 小米: {text}");

    // Opening the result shows its product page.
    browser.find("ul.cards a").await.click().await;
    browser.wait_for_text("小米 14 智能手机").await;
    assert!(browser.url().await.ends_with(&format!("/m/products/{}", catalog.id("xiaomi"))), "{}", browser.url().await);
    browser.screenshot(&format!("search-{}", tag(backend))).await;
}

async fn a_shopper_from_a_product_link_picks_options_signs_in_by_sms_and_sees_the_cart(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let Some(browser) = Browser::open("the product-link journey").await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let category = app.category("Women").await;
    let product = app.publish_product(&seller, &tshirt(shop, category, "纯棉T恤 夏季")).await;

    browser.goto(&app.url(&format!("/m/products/{}", product["id"]))).await;
    browser.wait_for_text("请选择规格").await;
    browser.find("a[data-option='红']").await.click().await;
    browser.find("a[data-option='L']").await.click().await;
    browser.wait_for_text("¥89.00").await;
    browser.find("form.buy button").await.click().await;

    // Signed out: the sign-in page, by SMS code from the sandbox outbox.
    browser.wait_for_text("获取验证码").await;
    let phone = fresh_phone();
    browser.find("#phone").await.type_text(&phone).await;
    browser.find("button[value=send]").await.click().await;
    browser.wait_for_text("验证码已发送").await;
    let code = app.latest_sms_code(&phone).await;
    browser.find("#code").await.type_text(&code).await;
    browser.find("button[value=login]").await.click().await;

    // Back on the product with the same options; now it goes into the cart.
    browser.wait_for_text("¥89.00").await;
    browser.find("form.buy button").await.click().await;
    browser.wait_for_text("已加入购物车").await;
    assert_eq!(browser.find("[data-cart-count]").await.text().await, "1");
    browser.goto(&app.url("/m/cart")).await;
    browser.wait_for_text("L / 红").await;
    assert!(browser.text().await.contains("老街茶铺"), "grouped by shop");

    // Checkout: the first address through the form, then an order paid with each provider's H5
    // page (the sandbox cashier), and the order page showing it paid.
    browser.find("a[data-checkout]").await.click().await;
    browser.wait_for_text("请先添加收货地址").await;
    for (field, value) in [
        ("recipient", "韩梅梅"),
        ("phone", "13900139000"),
        ("province", "上海市"),
        ("city", "上海市"),
        ("district", "静安区"),
        ("detail", "南京西路 2 号"),
    ] {
        browser.find(&format!("#address-{field}")).await.type_text(value).await;
    }
    browser.find("form[action='/m/checkout/address'] button").await.click().await;
    browser.wait_for_text("南京西路 2 号").await;
    for (round, provider) in ["alipay", "wechatpay", "unionpay"].into_iter().enumerate() {
        if round > 0 {
            browser.goto(&app.url(&format!("/m/products/{}?颜色=红&尺码=L", product["id"]))).await;
            browser.wait_for_text("¥89.00").await;
            browser.find("form.buy button").await.click().await;
            browser.wait_for_text("已加入购物车").await;
            browser.goto(&app.url("/m/checkout")).await;
        }
        browser.wait_for_text("¥89.00").await;
        browser.find(&format!("input[name=provider][value={provider}]")).await.click().await;
        browser.find("form[action='/m/checkout'] button").await.click().await;
        browser.wait_for_text("沙箱收银台").await;
        browser.find("button[value=pay]").await.click().await;
        browser.wait_for_text("完成").await;
        // Back from the provider's page to the order, which shows the outcome.
        browser.find("a[data-return]").await.click().await;
        browser.find("[data-status]").await;
        assert!(browser.url().await.contains("/m/orders/"), "{provider}: back at {}", browser.url().await);
        for _ in 0..50 {
            if browser.try_find("[data-status=paid]").await.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            browser.goto(&browser.url().await).await;
        }
        assert!(browser.try_find("[data-status=paid]").await.is_some(), "{provider}: {}", browser.text().await);
    }
    browser.screenshot(&format!("product-link-{}", tag(backend))).await;
}

async fn a_seller_creates_a_product_with_two_spec_dimensions_in_the_console_and_shoppers_find_it(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let Some(browser) = Browser::open("the seller console journey").await else { return };
    let admin = app.admin().await;
    let (seller, _) = app.seller(&admin).await;
    app.category("Women").await;

    browser.goto(&app.url("/seller/")).await;
    browser.find("#password-phone").await.type_text(&seller.phone).await;
    browser.find("#password").await.type_text(PASSWORD).await;
    browser.find("form[action='/m/login/password'] button").await.click().await;
    browser.wait_for_text("还没有商品").await;
    browser.find("a[data-new-product]").await.click().await;
    browser.wait_for_text("发布新商品").await;
    for (field, value) in [
        ("title", "亚麻衬衫 男款"),
        ("brand", "山茶"),
        ("spec1_name", "颜色"),
        ("spec1_values", "白,蓝"),
        ("spec2_name", "尺码"),
        ("spec2_values", "M,L,XL"),
        ("price", "129.90"),
        ("stock", "7"),
    ] {
        browser.find(&format!("#product-{field}")).await.type_text(value).await;
    }
    browser.find("form[action$='/products'] button").await.click().await;
    browser.wait_for_text("草稿").await;
    browser.find("form[action$='/publish'] button").await.click().await;
    browser.wait_for_text("在售").await;

    // A shopper's search finds it (the index follows within moments).
    let mut found = false;
    for _ in 0..50 {
        browser.goto(&app.url("/m/search?q=%E4%BA%9A%E9%BA%BB%E8%A1%AC%E8%A1%AB")).await;
        if browser.text().await.contains("亚麻衬衫 男款") {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(found, "search never found the new product: {}", browser.text().await);
    browser.find("ul.cards a").await.click().await;
    browser.wait_for_text("请选择规格").await;
    assert!(browser.try_find("a[data-option='XL']").await.is_some(), "both dimensions are on the page");
    browser.screenshot(&format!("seller-console-{}", tag(backend))).await;
}

async fn a_friend_pays_for_another_from_the_shared_link(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let Some(browser) = Browser::open("the pay-for-another journey").await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "奶茶", "15.00", 10)).await;
    let owner = app.register().await;
    let (order_id, _, shared) = app.shared_checkout(&owner, &product, 2).await;

    // The friend opens the link the owner sent, signs in by SMS code, and pays at the cashier.
    browser.goto(shared["link"].as_str().unwrap()).await;
    browser.wait_for_text("¥40.00").await;
    browser.find("input[name=provider][value=wechatpay]").await.click().await;
    browser.find("form[action^='/m/pay-for-another/'] button").await.click().await;
    browser.wait_for_text("获取验证码").await;
    let phone = fresh_phone();
    browser.find("#phone").await.type_text(&phone).await;
    browser.find("button[value=send]").await.click().await;
    browser.wait_for_text("验证码已发送").await;
    browser.find("#code").await.type_text(&app.latest_sms_code(&phone).await).await;
    browser.find("button[value=login]").await.click().await;
    browser.wait_for_text("¥40.00").await;
    browser.find("input[name=provider][value=wechatpay]").await.click().await;
    browser.find("form[action^='/m/pay-for-another/'] button").await.click().await;
    browser.wait_for_text("沙箱收银台").await;
    browser.find("button[value=pay]").await.click().await;
    browser.wait_for_text("完成").await;
    let order = app.order_when_paid(&owner, order_id).await;
    assert_eq!(order["status"], "paid", "{order}");
    assert!(order["payer_id"].as_i64().is_some_and(|payer| payer != owner.id), "the friend paid: {order}");
    browser.screenshot(&format!("pay-for-another-{}", tag(backend))).await;
}

async fn a_buyer_and_a_seller_chat_live_in_two_windows(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let Some(buyer) = Browser::open("the chat journey (buyer)").await else { return };
    let Some(seller_window) = Browser::open("the chat journey (seller)").await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product =
        app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "桂花糕", "12.00", 30)).await;
    let live = "return document.documentElement.hasAttribute('data-chat-live')";
    let badge = "return document.querySelector('[data-chat-unread]').textContent.trim()";

    // The seller waits on the chat list, signed in by password.
    seller_window.goto(&app.url("/m/chat")).await;
    seller_window.find("#password-phone").await.type_text(&seller.phone).await;
    seller_window.find("#password").await.type_text(PASSWORD).await;
    seller_window.find("form[action='/m/login/password'] button").await.click().await;
    seller_window.wait_for_text("还没有会话").await;
    seller_window.wait_for_script(live, true.into()).await;

    // The buyer taps "chat with the seller" on the product, signing in by SMS code on the way.
    buyer.goto(&app.url(&format!("/m/products/{}", product["id"]))).await;
    buyer.find("button[data-chat-with-seller]").await.click().await;
    let phone = fresh_phone();
    buyer.find("#phone").await.type_text(&phone).await;
    buyer.find("button[value=send]").await.click().await;
    buyer.wait_for_text("验证码已发送").await;
    buyer.find("#code").await.type_text(&app.latest_sms_code(&phone).await).await;
    buyer.find("button[value=login]").await.click().await;
    buyer.wait_for_text("桂花糕").await;
    buyer.find("button[data-chat-with-seller]").await.click().await;
    buyer.find("[data-card=product]").await;
    buyer.wait_for_script(live, true.into()).await;

    // The product card reaches the seller's list (a new conversation: the list reloads), then
    // the buyer's message moves the seller's badge without a reload.
    seller_window.wait_for_text("桂花糕").await;
    seller_window.wait_for_script(live, true.into()).await;
    seller_window.wait_for_script(badge, "1".into()).await;
    buyer.find("#message-text").await.type_text("明天能送到吗？").await;
    buyer.find("button.send").await.click().await;
    buyer.wait_for_script("return document.querySelectorAll('.message.mine').length", 2.into()).await;
    seller_window.wait_for_script(badge, "2".into()).await;
    seller_window
        .wait_for_script(
            "return document.querySelector('[data-conversation] [data-unread]').textContent.trim()",
            "2".into(),
        )
        .await;

    // The seller opens it (read: the badge clears) and answers; the buyer sees it live.
    seller_window.find("[data-conversation] a").await.click().await;
    seller_window.wait_for_text("明天能送到吗？").await;
    seller_window.wait_for_script(live, true.into()).await;
    seller_window.wait_for_script(badge, "0".into()).await;
    seller_window.find("#message-text").await.type_text("可以，顺丰次日达").await;
    seller_window.find("button.send").await.click().await;
    buyer.wait_for_text("可以，顺丰次日达").await;
    assert!(buyer.try_find(".message.theirs").await.is_some(), "the reply is the seller's bubble");
    seller_window.screenshot(&format!("chat-seller-{}", tag(backend))).await;
    buyer.screenshot(&format!("chat-buyer-{}", tag(backend))).await;
}
