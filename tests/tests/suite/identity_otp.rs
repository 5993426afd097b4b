//! SMS code login over real HTTP, reading codes from the sandbox SMS provider like a tester's phone.

use bazaar_tests::{Backend, TestApp, fresh_phone, on_both_backends, problem};
use serde_json::{Value, json};
use std::time::Duration;

on_both_backends!(
    code_login_registers_new_numbers_then_logs_them_in,
    codes_are_single_use,
    five_wrong_codes_burn_the_code,
    codes_expire,
    sending_is_rate_limited_per_phone_with_retry_after,
    sending_is_rate_limited_per_ip_and_globally,
    sandbox_endpoints_are_off_in_production,
);

fn send(phone: &str) -> Value {
    json!({ "phone": phone, "purpose": "login" })
}

async fn code_login_registers_new_numbers_then_logs_them_in(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.crates.identity.otp_per_phone_per_minute = 5).await else {
        return;
    };
    let phone = fresh_phone();
    let sent = app.post_json("/api/v1/auth/otp/send", &send(&phone)).await;
    assert_eq!(sent.status(), 202);
    let body: Value = sent.json().await.unwrap();
    assert_eq!((body["expires_in"].as_u64(), body["resend_after"].as_u64()), (Some(300), Some(60)));
    let sms: Value = app.get(&format!("/sandbox/sms/messages?phone={phone}")).await.json().await.unwrap();
    assert!(sms[0]["body"].as_str().unwrap().contains("验证码"), "{sms}");
    assert_eq!(sms[0]["phone"], format!("+86{phone}"));

    let code = app.latest_sms_code(&phone).await;
    let first = app.post_json("/api/v1/auth/otp/login", &json!({ "phone": phone, "code": code })).await;
    assert_eq!(first.status(), 201, "a new number is registered");
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["created"], true);
    assert_eq!(body["user"]["has_password"], false);
    let nickname = body["user"]["nickname"].as_str().unwrap();
    assert!(nickname.starts_with("用户") && nickname.ends_with(&phone[7..]), "{nickname}");

    let (again, status) = app.login_with_sms(&phone).await;
    assert_eq!(status, 200, "the second time it is a login");
    assert_eq!(again.id, body["user"]["id"].as_i64().unwrap());
}

async fn codes_are_single_use(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let phone = fresh_phone();
    let (_, _) = app.login_with_sms(&phone).await;
    let code = app.latest_sms_code(&phone).await;
    let replay = app.post_json("/api/v1/auth/otp/login", &json!({ "phone": phone, "code": code })).await;
    assert_eq!(replay.status(), 401);
    assert_eq!(problem(replay).await["code"], "otp_expired");
}

async fn five_wrong_codes_burn_the_code(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let phone = fresh_phone();
    assert_eq!(app.post_json("/api/v1/auth/otp/send", &send(&phone)).await.status(), 202);
    let right = app.latest_sms_code(&phone).await;
    let wrong = if right == "000000" { "111111" } else { "000000" };
    for attempts_left in [4, 3, 2, 1] {
        let response = app.post_json("/api/v1/auth/otp/login", &json!({ "phone": phone, "code": wrong })).await;
        let body = problem(response).await;
        assert_eq!(body["code"], "otp_invalid");
        assert_eq!(body["attempts_left"], attempts_left);
        assert_eq!(body["field"], "code");
    }
    let fifth = app.post_json("/api/v1/auth/otp/login", &json!({ "phone": phone, "code": wrong })).await;
    assert_eq!(problem(fifth).await["code"], "otp_burned");
    let too_late = app.post_json("/api/v1/auth/otp/login", &json!({ "phone": phone, "code": right })).await;
    assert_eq!(too_late.status(), 401, "the right code no longer works once burnt");
    assert_eq!(problem(too_late).await["code"], "otp_expired");
}

async fn codes_expire(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.crates.identity.otp_code_ttl_secs = 1).await else { return };
    let phone = fresh_phone();
    assert_eq!(app.post_json("/api/v1/auth/otp/send", &send(&phone)).await.status(), 202);
    let code = app.latest_sms_code(&phone).await;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let late = app.post_json("/api/v1/auth/otp/login", &json!({ "phone": phone, "code": code })).await;
    assert_eq!(problem(late).await["code"], "otp_expired");
}

async fn sending_is_rate_limited_per_phone_with_retry_after(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.crates.identity.otp_per_phone_per_day = 2).await else { return };
    let phone = fresh_phone();
    assert_eq!(app.post_json("/api/v1/auth/otp/send", &send(&phone)).await.status(), 202);
    let again = app.post_json("/api/v1/auth/otp/send", &send(&phone)).await;
    assert_eq!(again.status(), 429, "one code per phone per minute");
    let retry_after: u64 = again.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(problem(again).await["code"], "rate_limited");
    assert_eq!(app.post_json("/api/v1/auth/otp/send", &send(&fresh_phone())).await.status(), 202, "per phone");

    // The daily ceiling, once the minute window has been lifted for the test.
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.crates.identity.otp_per_phone_per_minute = 100;
        c.crates.identity.otp_per_phone_per_day = 2
    })
    .await
    else {
        return;
    };
    let phone = fresh_phone();
    for _ in 0..2 {
        assert_eq!(app.post_json("/api/v1/auth/otp/send", &send(&phone)).await.status(), 202);
    }
    let daily = app.post_json("/api/v1/auth/otp/send", &send(&phone)).await;
    assert_eq!(daily.status(), 429);
    let retry_after: u64 = daily.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after > 3600, "the daily window, not the minute one: {retry_after}");
}

async fn sending_is_rate_limited_per_ip_and_globally(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.crates.identity.otp_per_ip_per_hour = 3).await else { return };
    for _ in 0..3 {
        assert_eq!(app.post_json("/api/v1/auth/otp/send", &send(&fresh_phone())).await.status(), 202);
    }
    let pumped = app.post_json("/api/v1/auth/otp/send", &send(&fresh_phone())).await;
    assert_eq!(pumped.status(), 429, "one IP cannot pump SMS to many numbers");
    assert!(pumped.headers().contains_key("retry-after"));

    let Some(app) = TestApp::spawn_with(backend, |c| c.crates.identity.otp_global_per_minute = 2).await else { return };
    for _ in 0..2 {
        assert_eq!(app.post_json("/api/v1/auth/otp/send", &send(&fresh_phone())).await.status(), 202);
    }
    assert_eq!(app.post_json("/api/v1/auth/otp/send", &send(&fresh_phone())).await.status(), 429, "global ceiling");
}

async fn sandbox_endpoints_are_off_in_production(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.sandbox = false).await else { return };
    let response = app.get(&format!("/sandbox/sms/messages?phone={}", fresh_phone())).await;
    assert_eq!(response.status(), 404);
    let bad_purpose =
        app.post_json("/api/v1/auth/otp/send", &json!({ "phone": fresh_phone(), "purpose": "payment" })).await;
    assert_eq!(problem(bad_purpose).await["field"], "purpose");
}
