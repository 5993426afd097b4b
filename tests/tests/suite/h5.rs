//! The H5 storefront over plain HTTP, as a phone with JavaScript off sees it (and as an attacker
//! would probe it): safe headers and escaped text on every page, friendly 404s, browsing and the
//! spec selector by links, signing in by SMS code into an HttpOnly session cookie, forms refused
//! without their CSRF token, the cart filled and shown by shop, no open redirect.

use bazaar_tests::catalog::tshirt;
use bazaar_tests::{Backend, TestApp, fresh_phone, on_both_backends};
use serde_json::json;

on_both_backends!(
    pages_carry_security_headers_escape_what_users_wrote_and_answer_missing_things_kindly,
    a_shopper_without_javascript_picks_options_signs_in_by_sms_and_fills_the_cart,
    forms_without_the_csrf_token_change_nothing,
);

async fn pages_carry_security_headers_escape_what_users_wrote_and_answer_missing_things_kindly(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let category = app.category("Women").await;
    let hostile = "<script>alert('x')</script>纯棉T恤";
    let product = app.publish_product(&seller, &tshirt(shop, category, hostile)).await;
    let draft = app.create_product(&seller, &tshirt(shop, category, "草稿T恤")).await;
    let mut visitor = app.visitor();

    let root = visitor.get("/").await;
    assert_eq!((root.status, root.location()), (303, "/m/"));
    let home = visitor.get("/m/").await;
    assert_eq!(home.status, 200);
    assert!(home.header("content-type").starts_with("text/html"), "{}", home.header("content-type"));
    let csp = home.header("content-security-policy");
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "no inline script or style is allowed: {csp}");
    assert_eq!(home.header("x-content-type-options"), "nosniff");
    assert!(!home.body.contains("<script>"), "no inline script: every script tag has a src");
    assert!(home.body.contains("<html lang=\"zh-CN\">"), "Chinese by default");

    let page = visitor.get(&format!("/m/products/{}", product["id"])).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(!page.body.contains("<script>alert"), "a title is text, never markup");
    assert!(
        page.body.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;纯棉T恤")
            || page.body.contains("&#60;script&#62;"),
        "the title is shown escaped"
    );

    for missing in [format!("/m/products/{}", draft["id"]), "/m/products/999999".into(), "/m/nothing-here".into()] {
        let page = visitor.get(&missing).await;
        assert_eq!(page.status, 404, "{missing}");
        assert!(page.body.contains("页面不存在") && page.body.contains("href=\"/m/\""), "{missing}: a friendly page");
        assert!(page.header("content-type").starts_with("text/html"));
    }

    // A hand-edited filter that is not a price is dropped, not answered with an error page.
    app.until_searchable("纯棉", product["id"].as_i64().unwrap()).await;
    let edited = visitor.get("/m/search?q=%E7%BA%AF%E6%A3%89&price_min=cheap").await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert!(edited.body.contains("纯棉T恤"), "the results, unfiltered by the bad price");

    // English by the browser's preference; the switch is remembered.
    let english = app.client.get(app.url("/m/")).header("accept-language", "en-GB,en;q=0.9").send().await.unwrap();
    assert!(english.text().await.unwrap().contains("<html lang=\"en\">"));

    // Assets: content-hashed names, cached for a year.
    let css = home.links().into_iter().find(|href| href.ends_with(".css")).expect("a stylesheet");
    let asset = visitor.get(&css).await;
    assert_eq!(asset.status, 200);
    assert!(asset.header("cache-control").contains("immutable"), "{}", asset.header("cache-control"));
    assert_eq!(visitor.get("/m/assets/app.css").await.status, 404, "only hashed names are served");
}

async fn a_shopper_without_javascript_picks_options_signs_in_by_sms_and_fills_the_cart(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let category = app.category("Women").await;
    let product = app.publish_product(&seller, &tshirt(shop, category, "纯棉T恤 夏季")).await;
    let id = product["id"].as_i64().unwrap();
    // Black in L is sold out: that option is disabled once black is chosen.
    let black_l = product["skus"].as_array().unwrap().iter().find(|sku| sku["code"] == "T-黑-L").unwrap()["id"].clone();
    let zeroed = app
        .patch_as(&seller, &format!("/api/v1/seller/skus/{black_l}/stock"), &json!({ "set": 0, "reason": "盘点" }))
        .await;
    assert_eq!(zeroed.status(), 200);
    let mut visitor = app.visitor();

    let page = visitor.get(&format!("/m/products/{id}")).await;
    assert!(page.body.contains("请选择规格"), "no SKU is chosen before the options are");
    let black = page.links().into_iter().find(|href| href.contains("%E9%BB%91")).expect("a link choosing 黑");
    let page = visitor.get(&black).await;
    assert!(page.body.contains("aria-disabled=\"true\" data-option=\"L\""), "black L is sold out: {}", page.body);
    let black_m =
        page.links().into_iter().find(|href| href.contains("%E9%BB%91") && href.contains("=M")).expect("黑 + M");
    let page = visitor.get(&black_m).await;
    assert!(page.body.contains("¥94.00"), "the chosen SKU's price");
    let csrf = page.field("csrf").expect("the add-to-cart form");
    let sku = page.field("sku_id").expect("the chosen SKU");
    let back = page.field("back").expect("the page to come back to");

    // Signed out: adding sends to sign-in and back to this very page.
    let action = format!("/m/products/{id}/cart");
    let refused = visitor.post(&action, &[("csrf", &csrf), ("sku_id", &sku), ("quantity", "2"), ("back", &back)]).await;
    assert_eq!(refused.status, 303);
    assert!(refused.location().starts_with("/m/login?next="), "{}", refused.location());

    // A wrong code is shown at its field, the phone kept.
    let phone = fresh_phone();
    let login = visitor.get(refused.location()).await;
    let login_csrf = login.field("csrf").unwrap();
    visitor
        .post("/m/login/code", &[("csrf", &login_csrf), ("phone", &phone), ("action", "send"), ("next", &back)])
        .await;
    let wrong = visitor
        .post(
            "/m/login/code",
            &[("csrf", &login_csrf), ("phone", &phone), ("code", "000000"), ("action", "login"), ("next", &back)],
        )
        .await;
    assert!(wrong.status >= 400, "{}", wrong.status);
    assert!(wrong.body.contains("id=\"code-error\""), "the error is at the code field");
    assert!(wrong.body.contains(&format!("value=\"{phone}\"")), "what was typed is kept");

    let signed_in = visitor.sign_in_with_sent_code(&phone, &back).await;
    assert_eq!((signed_in.status, signed_in.location()), (303, back.as_str()), "back to the product");
    let session =
        visitor.set_cookie_lines.iter().find(|line| line.starts_with("bz_session=")).expect("a session cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"), "{session}");
    assert!(
        visitor.set_cookie_lines.iter().all(|line| !line.to_ascii_lowercase().contains("secure")),
        "no Secure over http"
    );

    let added = visitor.post(&action, &[("csrf", &csrf), ("sku_id", &sku), ("quantity", "2"), ("back", &back)]).await;
    assert_eq!(added.status, 303, "{}", added.body);
    assert!(added.location().ends_with("added=1"), "{}", added.location());
    let page = visitor.get(added.location()).await;
    assert!(page.body.contains("已加入购物车") && page.body.contains("data-cart-count>2<"), "{}", page.body);
    let too_many =
        visitor.post(&action, &[("csrf", &csrf), ("sku_id", &sku), ("quantity", "99"), ("back", &back)]).await;
    assert!(
        too_many.status >= 400 && too_many.body.contains("role=\"alert\""),
        "{}: refused on the page",
        too_many.status
    );

    let cart = visitor.get("/m/cart").await;
    assert_eq!(cart.status, 200);
    assert!(
        cart.body.contains("纯棉T恤 夏季") && cart.body.contains("M / 黑") && cart.body.contains("¥188.00"),
        "{}",
        cart.body
    );
    assert!(cart.body.contains("老街茶铺"), "grouped under its shop");

    // Sign-in never sends a shopper to another site.
    let elsewhere = visitor.get("/m/login?next=https://evil.example/").await;
    assert_eq!((elsewhere.status, elsewhere.location()), (303, "/m/"), "signed in: straight to our home");
}

async fn forms_without_the_csrf_token_change_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let category = app.category("Women").await;
    let product = app.publish_product(&seller, &tshirt(shop, category, "纯棉T恤")).await;
    let sku = product["skus"][0]["id"].to_string();
    let mut visitor = app.visitor();
    let phone = fresh_phone();
    visitor.sign_in_by_sms(&phone, "/m/").await;
    let action = format!("/m/products/{}/cart", product["id"]);
    for csrf in ["", "0123456789abcdef0123456789abcdef"] {
        let forged = visitor.post(&action, &[("csrf", csrf), ("sku_id", &sku), ("quantity", "1")]).await;
        assert_eq!(forged.status, 403, "csrf {csrf:?}");
    }
    let logout = visitor.post("/m/logout", &[("csrf", "nope")]).await;
    assert_eq!(logout.status, 403);
    let cart = visitor.get("/m/cart").await;
    assert_eq!(cart.status, 200, "still signed in");
    assert!(cart.body.contains("购物车还是空的"), "nothing was added");
}
