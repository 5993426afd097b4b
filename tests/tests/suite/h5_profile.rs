//! The shopper's own pages without JavaScript: a nickname changed (a refused one kept with its
//! reason), the address book (a refused field at its place with what was typed kept and nothing
//! saved; the first address the default; another made the default; one deleted), and nobody
//! else's address reachable.

use bazaar_tests::{Backend, TestApp, fresh_phone, on_both_backends};

on_both_backends!(a_shopper_keeps_a_profile_and_an_address_book);

async fn a_shopper_keeps_a_profile_and_an_address_book(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let mut shopper = app.visitor();
    assert!(shopper.get("/m/me/addresses").await.location().starts_with("/m/login?next=%2Fm%2Fme%2Faddresses"));
    let phone = fresh_phone();
    shopper.sign_in_by_sms(&phone, "/m/me").await;
    let csrf = shopper.cookies.get("bz_csrf").cloned().unwrap();

    let long = "名".repeat(80);
    let refused = shopper.post("/m/me/profile", &[("csrf", &csrf), ("nickname", &long)]).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("nickname-error") && refused.body.contains(&long), "kept with its reason");
    assert_eq!(shopper.post("/m/me/profile", &[("csrf", &csrf), ("nickname", "小林")]).await.status, 303);
    assert!(shopper.get("/m/me").await.body.contains("value=\"小林\""));

    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("recipient", "林小姐"),
        ("phone", "1380013"),
        ("province", "上海市"),
        ("city", "上海市"),
        ("district", "徐汇区"),
        ("detail", "漕溪北路 88 号"),
    ];
    let refused = shopper.post("/m/me/addresses", &form).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("id=\"phone-error\""), "at the phone: {}", refused.body);
    assert!(refused.body.contains("value=\"漕溪北路 88 号\""), "what was typed is kept");
    assert!(!refused.body.contains("data-address="), "nothing saved");
    form[2] = ("phone", "13800138000");
    assert_eq!(shopper.post("/m/me/addresses", &form).await.status, 303);
    form[6] = ("detail", "南京西路 1 号");
    assert_eq!(shopper.post("/m/me/addresses", &form).await.status, 303);
    let book = shopper.get("/m/me/addresses").await;
    assert_eq!(book.body.matches("data-address=").count(), 2, "{}", book.body);
    assert_eq!(book.body.matches("data-default").count(), 1, "one default");

    // The second is not the default: make it so.
    let row = |page: &str, detail: &str| -> String {
        let at = page.find(detail).expect("the address is listed");
        let start = page[..at].rfind("data-address=\"").unwrap() + "data-address=\"".len();
        page[start..].split('"').next().unwrap().to_string()
    };
    let (first, second) = (row(&book.body, "漕溪北路 88 号"), row(&book.body, "南京西路 1 号"));
    assert_eq!(shopper.post(&format!("/m/me/addresses/{second}/default"), &[("csrf", &csrf)]).await.status, 303);
    let book = shopper.get("/m/me/addresses").await;
    let marked = book.body.split(&format!("data-address=\"{second}\"")).nth(1).unwrap().split("</li>").next().unwrap();
    assert!(marked.contains("data-default"), "{}", book.body);
    assert_eq!(book.body.matches("data-default").count(), 1, "one default");

    // Someone else cannot delete it; its owner can.
    let mut stranger = app.visitor();
    stranger.sign_in_by_sms(&fresh_phone(), "/m/").await;
    let theirs = stranger.cookies.get("bz_csrf").cloned().unwrap();
    assert_eq!(stranger.post(&format!("/m/me/addresses/{first}/delete"), &[("csrf", &theirs)]).await.status, 404);
    assert_eq!(shopper.post(&format!("/m/me/addresses/{first}/delete"), &[("csrf", &csrf)]).await.status, 303);
    assert_eq!(shopper.get("/m/me/addresses").await.body.matches("data-address=").count(), 1);
}
