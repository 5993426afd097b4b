//! Accounts and tokens over real HTTP: registration, password login, refresh rotation with reuse
//! detection, logout, and every way an access token can be wrong.

use bazaar_tests::{Backend, PASSWORD, TestApp, fresh_phone, on_both_backends, problem};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

on_both_backends!(
    register_then_login_then_read_me,
    phone_numbers_are_normalised_and_unique,
    weak_passwords_and_bad_fields_are_named,
    wrong_passwords_are_401_then_rate_limited,
    refresh_rotates_and_reuse_revokes_the_session,
    logout_ends_access_and_refresh_at_once,
    forged_expired_and_foreign_tokens_are_refused,
    request_bodies_are_checked_end_to_end,
);

async fn register_then_login_then_read_me(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let user = app.register().await;
    assert!(user.phone.starts_with("+86139"));
    let again = app.login(&user.phone).await;
    assert_eq!(again.id, user.id);
    assert_ne!(again.refresh_token, user.refresh_token, "each login is its own session");

    let me: Value = app.get_as(&again, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["id"], user.id);
    assert_eq!(me["nickname"], "买家");
    assert_eq!(me["roles"], json!(["buyer"]));
    assert_eq!(me["has_password"], true);
    assert!(me.get("password_hash").is_none());

    let anonymous = app.get("/api/v1/me").await;
    assert_eq!(anonymous.status(), 401);
    assert!(anonymous.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    assert_eq!(problem(anonymous).await["code"], "unauthenticated");
}

async fn phone_numbers_are_normalised_and_unique(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.crates.identity.otp_per_phone_per_minute = 5).await else {
        return;
    };
    let national = fresh_phone();
    let spaced = format!("+86 {} {} {}", &national[..3], &national[3..7], &national[7..]);
    let sent = app.post_json("/api/v1/auth/otp/send", &json!({ "phone": spaced, "purpose": "register" })).await;
    assert_eq!(sent.status(), 202);
    let code = app.latest_sms_code(&national).await;
    let created =
        app.post_json("/api/v1/auth/register", &json!({ "phone": spaced, "password": PASSWORD, "code": code })).await;
    assert_eq!(created.status(), 201);
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["user"]["phone"], format!("+86{national}"));
    assert_eq!(body["created"], true);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);

    // Only someone who proved the phone learns that it is taken.
    let duplicate = app.register_with(json!({ "phone": national, "password": PASSWORD })).await;
    assert_eq!(duplicate.status(), 409);
    let body = problem(duplicate).await;
    assert_eq!((body["code"].as_str(), body["field"].as_str()), (Some("phone_taken"), Some("phone")));

    // The national form logs in to the same account.
    assert_eq!(app.login(&national).await.phone, format!("+86{national}"));
}

async fn weak_passwords_and_bad_fields_are_named(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    for (body, code, field) in [
        (json!({ "phone": fresh_phone(), "password": "short1" }), "weak_password", "password"),
        (json!({ "phone": fresh_phone(), "password": "onlyletters" }), "weak_password", "password"),
        (json!({ "phone": "12345", "password": PASSWORD }), "invalid_field", "phone"),
        (json!({ "phone": fresh_phone(), "password": PASSWORD, "nickname": "" }), "invalid_field", "nickname"),
        (json!({ "phone": fresh_phone() }), "invalid_field", "password"),
        (json!({ "phone": fresh_phone(), "password": PASSWORD, "role": "admin" }), "invalid_field", "."),
    ] {
        let response = app.post_json("/api/v1/auth/register", &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let problem = problem(response).await;
        assert_eq!(problem["code"], code, "{body} -> {problem}");
        if field != "." {
            assert_eq!(problem["field"], field, "{body} -> {problem}");
        }
    }
}

async fn wrong_passwords_are_401_then_rate_limited(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |config| config.crates.identity.login_failures_per_phone = 3).await
    else {
        return;
    };
    let user = app.register().await;
    let wrong = json!({ "phone": user.phone, "password": "not-the-password-1" });
    for _ in 0..3 {
        let response = app.post_json("/api/v1/auth/login", &wrong).await;
        assert_eq!(response.status(), 401);
        assert_eq!(problem(response).await["code"], "invalid_credentials");
    }
    let unknown = app.post_json("/api/v1/auth/login", &json!({ "phone": fresh_phone(), "password": PASSWORD })).await;
    assert_eq!(unknown.status(), 401, "an unknown number looks like a wrong password");

    let limited = app.post_json("/api/v1/auth/login", &json!({ "phone": user.phone, "password": PASSWORD })).await;
    assert_eq!(limited.status(), 429, "even the right password waits once the limit is reached");
    let retry_after: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert_eq!(problem(limited).await["code"], "rate_limited");
}

async fn refresh_rotates_and_reuse_revokes_the_session(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let user = app.register().await;
    let first = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": user.refresh_token })).await;
    assert_eq!(first.status(), 200);
    let pair: Value = first.json().await.unwrap();
    let (new_access, new_refresh) = (pair["access_token"].as_str().unwrap(), pair["refresh_token"].as_str().unwrap());
    assert_ne!(new_refresh, user.refresh_token);
    let rotated =
        bazaar_tests::User { access_token: new_access.into(), refresh_token: new_refresh.into(), ..user.clone() };
    assert_eq!(app.get_as(&rotated, "/api/v1/me").await.status(), 200);

    // The app rotates again; then a thief replays the first spent token (whose successor has
    // been used, so it is no double submit): the whole session is signed out.
    let second: Value =
        app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": new_refresh })).await.json().await.unwrap();
    let latest = second["refresh_token"].as_str().unwrap();
    let replay = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": user.refresh_token })).await;
    assert_eq!(replay.status(), 401);
    assert_eq!(problem(replay).await["code"], "refresh_token_reused");
    let after = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": latest })).await;
    assert_eq!(problem(after).await["code"], "session_revoked", "the legitimate successor dies too");
    let access = app.get_as(&rotated, "/api/v1/me").await;
    assert_eq!(problem(access).await["code"], "session_revoked", "access tokens of the family stop at once");

    let garbage = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": "nonsense" })).await;
    assert_eq!(problem(garbage).await["code"], "invalid_refresh_token");
}

async fn logout_ends_access_and_refresh_at_once(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let user = app.register().await;
    let phone_two = app.login(&user.phone).await;
    assert_eq!(app.post_as(&user, "/api/v1/auth/logout", &json!({})).await.status(), 204);
    assert_eq!(problem(app.get_as(&user, "/api/v1/me").await).await["code"], "session_revoked");
    let refresh = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": user.refresh_token })).await;
    assert_eq!(refresh.status(), 401);
    assert_eq!(app.get_as(&phone_two, "/api/v1/me").await.status(), 200, "other devices stay signed in");
}

fn token(secret: &str, kid: &str, claims: Value, alg: Algorithm) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

async fn forged_expired_and_foreign_tokens_are_refused(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let user = app.register().await;
    let secret = app.app_state.config.crates.identity.jwt_secret.clone().expect("a secret");
    let kid = bazaar_identity::tokens::key_id(&secret);
    let now = chrono::Utc::now().timestamp();
    let claims = |exp: i64, aud: &str| {
        json!({ "sub": user.id.to_string(), "sid": 1, "roles": ["buyer", "admin"], "iss": "bazaar",
                "aud": aud, "iat": now, "exp": exp })
    };
    let none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
    let payload =
        jsonwebtoken::encode(&Header::default(), &claims(now + 600, "bazaar-app"), &EncodingKey::from_secret(b"x"))
            .unwrap()
            .split('.')
            .nth(1)
            .unwrap()
            .to_string();
    let cases = [
        ("expired", token(&secret, &kid, claims(now - 60, "bazaar-app"), Algorithm::HS256), "token_expired"),
        (
            "wrong signature",
            token("not-the-server-secret-at-all-xxxxx", &kid, claims(now + 600, "bazaar-app"), Algorithm::HS256),
            "invalid_token",
        ),
        ("alg none", format!("{none_header}.{payload}."), "invalid_token"),
        ("wrong audience", token(&secret, &kid, claims(now + 600, "someone-else"), Algorithm::HS256), "invalid_token"),
        ("HS512", token(&secret, &kid, claims(now + 600, "bazaar-app"), Algorithm::HS512), "invalid_token"),
        ("unknown kid", token(&secret, "0000", claims(now + 600, "bazaar-app"), Algorithm::HS256), "invalid_token"),
        ("not a JWT", "abc.def".to_string(), "invalid_token"),
    ];
    for (name, token, code) in cases {
        let forged = bazaar_tests::User { access_token: token, ..user.clone() };
        let response = app.get_as(&forged, "/api/v1/me").await;
        assert_eq!(response.status(), 401, "{name}");
        assert_eq!(problem(response).await["code"], code, "{name}");
    }
    let admin_queue = bazaar_tests::User {
        access_token: token(
            "forged-secret-forged-secret-forged",
            &kid,
            claims(now + 600, "bazaar-app"),
            Algorithm::HS256,
        ),
        ..user.clone()
    };
    assert_eq!(app.get_as(&admin_queue, "/api/v1/admin/shop-applications").await.status(), 401);
}

async fn request_bodies_are_checked_end_to_end(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |config| config.body_limit_bytes = 4096).await else { return };
    let url = app.url("/api/v1/auth/register");
    let broken =
        app.client.post(&url).header("content-type", "application/json").body("{\"phone\": ").send().await.unwrap();
    assert_eq!(broken.status(), 400);
    let body = problem(broken).await;
    assert_eq!((body["code"].as_str(), body["line"].as_u64()), (Some("malformed_json"), Some(1)));
    assert!(body["column"].as_u64().unwrap() > 0);

    let huge = format!(r#"{{"phone":"{}","password":"x"}}"#, "1".repeat(8000));
    let too_large = app.client.post(&url).header("content-type", "application/json").body(huge).send().await.unwrap();
    assert_eq!(too_large.status(), 413);
    assert_eq!(problem(too_large).await["code"], "payload_too_large");

    let form = app.client.post(&url).header("content-type", "text/plain").body("phone=1").send().await.unwrap();
    assert_eq!(form.status(), 415);

    let wrong_type =
        app.post_json("/api/v1/auth/register", &json!({ "phone": 13800138000_u64, "password": PASSWORD })).await;
    let body = problem(wrong_type).await;
    assert_eq!((body["code"].as_str(), body["field"].as_str()), (Some("invalid_field"), Some("phone")));
}
