//! Accounts that cannot be pre-claimed, password checks that cannot outrun their limits, password
//! changes that sign out the other devices, forwarded addresses the client cannot choose.

use bazaar_tests::{Backend, PASSWORD, TestApp, fresh_phone, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(
    registering_a_phone_needs_its_sms_code,
    a_burst_of_guesses_is_evaluated_at_most_the_limit,
    the_password_change_form_is_no_oracle,
    changing_the_password_signs_out_every_other_device,
    password_logins_are_limited_per_ip,
    a_forged_forwarded_for_does_not_move_the_client,
    a_double_submitted_refresh_gets_the_same_new_token,
);

async fn registering_a_phone_needs_its_sms_code(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.crates.identity.otp_per_phone_per_minute = 5).await else {
        return;
    };
    let victim = fresh_phone();
    // The squatter has no code for the victim's phone: no account is made.
    let missing = app.post_json("/api/v1/auth/register", &json!({ "phone": victim, "password": PASSWORD })).await;
    assert_eq!(missing.status(), 422);
    assert_eq!(problem(missing).await["field"], "code");
    let guessed = app
        .post_json("/api/v1/auth/register", &json!({ "phone": victim, "password": PASSWORD, "code": "000000" }))
        .await;
    assert_eq!(guessed.status(), 401);
    let refused = problem(guessed).await;
    assert!(matches!(refused["code"].as_str(), Some("otp_invalid" | "otp_expired")), "{refused}");
    let login = app.post_json("/api/v1/auth/login", &json!({ "phone": victim, "password": PASSWORD })).await;
    assert_eq!(login.status(), 401, "the squatter's password opens nothing");
    // The real owner signs in by SMS and gets a new account of their own.
    let (owner, status) = app.login_with_sms(&victim).await;
    assert_eq!(status, 201, "created by the owner's own sign-in");
    let me: Value = app.get_as(&owner, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["has_password"], false);
    // Asking for a registration code does not tell whether a number is registered.
    let taken = app.post_json("/api/v1/auth/otp/send", &json!({ "phone": owner.phone, "purpose": "register" })).await;
    let fresh = app.post_json("/api/v1/auth/otp/send", &json!({ "phone": fresh_phone(), "purpose": "register" })).await;
    assert_eq!((taken.status(), fresh.status()), (fresh.status(), fresh.status()));
    assert_eq!(taken.json::<Value>().await.unwrap(), fresh.json::<Value>().await.unwrap());
}

async fn a_burst_of_guesses_is_evaluated_at_most_the_limit(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let user = app.register().await;
    let app = std::sync::Arc::new(app);
    // 40 guesses at once, the right password hidden at the end of the burst.
    let guesses: Vec<_> = (0..40)
        .map(|n| {
            let (app, phone) = (app.clone(), user.phone.clone());
            let password = if n == 39 { PASSWORD.to_string() } else { format!("wrong-guess-{n}") };
            tokio::spawn(async move {
                if n == 39 {
                    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                }
                app.post_json("/api/v1/auth/login", &json!({ "phone": phone, "password": password })).await.status()
            })
        })
        .collect();
    let mut evaluated = 0;
    let mut limited = 0;
    for guess in guesses {
        match guess.await.unwrap().as_u16() {
            200 | 401 => evaluated += 1,
            429 => limited += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(evaluated, 10, "the configured 10 checks per window, however many arrive at once");
    assert_eq!(limited, 30);
}

async fn the_password_change_form_is_no_oracle(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let user = app.register().await;
    let wrong = json!({ "current_password": "not-it-123", "new_password": "new-pass-42" });
    for n in 0..10 {
        let response = app.post_as(&user, "/api/v1/me/password", &wrong).await;
        assert_eq!(response.status(), 422, "guess {n}");
    }
    let limited = app.post_as(&user, "/api/v1/me/password", &wrong).await;
    assert_eq!(limited.status(), 429);
    // The same count guards the login form.
    let login = app.post_json("/api/v1/auth/login", &json!({ "phone": user.phone, "password": PASSWORD })).await;
    assert_eq!(login.status(), 429);
}

async fn changing_the_password_signs_out_every_other_device(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let here = app.register().await;
    let other = app.login(&here.phone).await;
    let changed = app
        .post_as(&here, "/api/v1/me/password", &json!({ "current_password": PASSWORD, "new_password": "new-pass-42" }))
        .await;
    assert_eq!(changed.status(), 204);
    let old_device = app.get_as(&other, "/api/v1/me").await;
    assert_eq!(old_device.status(), 401);
    assert_eq!(problem(old_device).await["code"], "session_revoked");
    let refresh = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": other.refresh_token })).await;
    assert_eq!(refresh.status(), 401);
    assert_eq!(app.get_as(&here, "/api/v1/me").await.status(), 200, "this device stays signed in");
}

async fn password_logins_are_limited_per_ip(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.crates.identity.password_attempts_per_ip_per_hour = 5).await
    else {
        return;
    };
    // Spraying one password over many phones from one address.
    for n in 0..5 {
        let response =
            app.post_json("/api/v1/auth/login", &json!({ "phone": fresh_phone(), "password": PASSWORD })).await;
        assert_eq!(response.status(), 401, "attempt {n}");
    }
    let sprayed = app.post_json("/api/v1/auth/login", &json!({ "phone": fresh_phone(), "password": PASSWORD })).await;
    assert_eq!(sprayed.status(), 429);
    assert!(sprayed.headers().contains_key("retry-after"));
}

async fn a_forged_forwarded_for_does_not_move_the_client(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.trust_forwarded_for = true;
        c.trusted_proxies = vec!["10.0.0.0/8".into()];
        c.crates.identity.otp_per_ip_per_hour = 1;
    })
    .await
    else {
        return;
    };
    // Behind our proxy (10.0.0.2), which appends the client it saw (203.0.113.7). The client
    // prepends a different made-up address each time to escape the per-IP limit.
    let send = |forged: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/otp/send"))
            .header("x-forwarded-for", format!("{forged}, 203.0.113.7, 10.0.0.2"))
            .json(&json!({ "phone": fresh_phone(), "purpose": "login" }))
            .send()
    };
    assert_eq!(send("1.1.1.1").await.unwrap().status(), 202);
    assert_eq!(send("2.2.2.2").await.unwrap().status(), 429, "the same client, whatever it prepends");
}

async fn a_double_submitted_refresh_gets_the_same_new_token(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let user = app.register().await;
    let body = json!({ "refresh_token": user.refresh_token });
    let (first, second) =
        tokio::join!(app.post_json("/api/v1/auth/refresh", &body), app.post_json("/api/v1/auth/refresh", &body));
    assert_eq!((first.status(), second.status()), (reqwest::StatusCode::OK, reqwest::StatusCode::OK));
    let (first, second): (Value, Value) = (first.json().await.unwrap(), second.json().await.unwrap());
    assert_eq!(first["refresh_token"], second["refresh_token"], "one new refresh token for both submits");
    // A sequential repeat (a retry after a lost answer) gets it too, and it keeps working.
    let again: Value = app.post_json("/api/v1/auth/refresh", &body).await.json().await.unwrap();
    assert_eq!(again["refresh_token"], first["refresh_token"]);
    let next = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": first["refresh_token"] })).await;
    assert_eq!(next.status(), 200, "the session is alive");
    // Once that successor is spent, the first token is a replay: the session ends.
    let replay = app.post_json("/api/v1/auth/refresh", &body).await;
    assert_eq!(problem(replay).await["code"], "refresh_token_reused");
}
