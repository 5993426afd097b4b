//! Faults that must lose nothing: kv (Redis) losing its data must not change who is signed in
//! (the database is the truth for signed-out sessions, kv only a copy), and an acknowledged SQLite
//! commit is on disk; a payment is never settled without the notification that settled it.

use bazaar_tests::{Backend, TestApp, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(
    a_signed_out_session_stays_out_when_kv_forgets,
    sqlite_commits_are_on_disk_when_acknowledged,
    a_payment_settles_only_with_its_stored_notification,
);

/// The current session's id, as the device list shows it.
async fn current_session(app: &TestApp, user: &bazaar_tests::User) -> i64 {
    let sessions: Value = app.get_as(user, "/api/v1/me/sessions").await.json::<Value>().await.unwrap()["items"].clone();
    let current = sessions.as_array().unwrap().iter().find(|session| session["current"] == true).expect("current");
    current["id"].as_i64().unwrap()
}

async fn a_signed_out_session_stays_out_when_kv_forgets(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let user = app.register().await;
    let other_device = app.login(&user.phone).await;
    let (out, stays) = (current_session(&app, &user).await, current_session(&app, &other_device).await);
    assert_eq!(app.post_as(&user, "/api/v1/auth/logout", &json!({})).await.status(), 204);
    assert_eq!(problem(app.get_as(&user, "/api/v1/me").await).await["code"], "session_revoked");
    // kv forgets every session state it held (a Redis restart, a flush).
    for session in [out, stays] {
        app.app_state.kv.delete(&bazaar_identity::session_state_key(session.into())).await.unwrap();
    }
    let after = app.get_as(&user, "/api/v1/me").await;
    assert_eq!(after.status(), 401, "the signed-out session did not come back");
    assert_eq!(problem(after).await["code"], "session_revoked");
    assert_eq!(app.get_as(&other_device, "/api/v1/me").await.status(), 200, "and the other one was not signed out");
}

/// SQLite runs with `synchronous = FULL` (2) on every pooled connection: an acknowledged order
/// survives a storage fault. (PostgreSQL's default, `synchronous_commit = on`, already does.)
async fn sqlite_commits_are_on_disk_when_acknowledged(backend: Backend) {
    if backend != Backend::Sqlite {
        return;
    }
    let Some(app) = TestApp::spawn(backend).await else { return };
    let db = app.app_state.db.clone();
    let level = tokio::task::spawn_blocking(move || {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Level {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            synchronous: i32,
        }
        let mut conn = db.get().expect("a connection");
        bazaar_db::native!(&mut *conn, |c| diesel::sql_query("PRAGMA synchronous").get_result::<Level>(c))
            .expect("the pragma")
            .synchronous
    })
    .await
    .unwrap();
    assert_eq!(level, 2, "FULL");
}

/// Runs `sql` on the test database (for a fault no API can cause).
async fn execute(app: &TestApp, sql: &'static str) {
    let db = app.app_state.db.clone();
    tokio::task::spawn_blocking(move || {
        use diesel::RunQueryDsl;
        let mut conn = db.get().expect("a connection");
        bazaar_db::native!(&mut *conn, |c| diesel::sql_query(sql).execute(c)).expect(sql);
    })
    .await
    .unwrap();
}

/// Storing a notification for audit fails (a trigger stands in for a full disk at that moment):
/// the payment must not settle without it — settling and storing are one transaction. Once
/// storing works again, the provider's retry settles the payment and its notification is there.
async fn a_payment_settles_only_with_its_stored_notification(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let category = app.category("Snacks").await;
    let product = app.publish_product(&seller, &bazaar_tests::catalog::simple(shop, category, "青团", "9.90", 5)).await;
    let buyer = app.register().await;
    let checkout = app.place_checkout(&buyer, &[(&product["skus"][0]["id"], 1)]).await;
    let payment = app.create_payment(&buyer, checkout["checkout_id"].as_i64().unwrap(), "alipay", "qr").await;

    match backend {
        Backend::Sqlite => {
            execute(
                &app,
                "CREATE TRIGGER audit_fault BEFORE INSERT ON payment_notifications \
                 BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
            )
            .await;
        }
        Backend::Postgres => {
            execute(
                &app,
                "CREATE FUNCTION audit_fault() RETURNS trigger AS $$ BEGIN \
                 RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql",
            )
            .await;
            execute(
                &app,
                "CREATE TRIGGER audit_fault BEFORE INSERT ON payment_notifications \
                 FOR EACH ROW EXECUTE FUNCTION audit_fault()",
            )
            .await;
        }
    }
    let (status, _) = app.wallet(&payment, json!({})).await;
    assert_eq!(status, 200);
    // Let the sandbox deliver (and be refused) a few times.
    let mut refused = false;
    for _ in 0..100 {
        let deliveries: Value = app
            .get(&format!("/sandbox/wallet/notifications?out_trade_no={}", payment["out_trade_no"].as_str().unwrap()))
            .await
            .json()
            .await
            .unwrap();
        if deliveries.as_array().unwrap().iter().any(|d| d["last_status"].as_u64().is_some_and(|s| s >= 500)) {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(refused, "the notification was refused while it could not be stored");
    let now: Value = app.get_as(&buyer, &format!("/api/v1/payments/{}", payment["id"])).await.json().await.unwrap();
    assert_eq!(now["status"], "pending", "no settlement without its audit record: {now}");

    match backend {
        Backend::Sqlite => execute(&app, "DROP TRIGGER audit_fault").await,
        Backend::Postgres => execute(&app, "DROP TRIGGER audit_fault ON payment_notifications").await,
    }
    app.payment_when(&buyer, &payment["id"], "paid").await;
    let stored = app.stored_notifications(&admin, &payment["id"], 1).await;
    assert!(stored.iter().any(|n| n["outcome"] == "applied"), "{stored:?}");
}

/// With the gateway's Redis gone (a server of the test's own, killed), signing in by password and
/// a signed-in request still work: the session state comes from the database, the failure count
/// that a right password clears is best effort, and the kv breaker refuses Redis commands at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_login_and_signed_in_requests_work_with_redis_gone() {
    if bazaar_kv::testing::redis_url_from_env().is_none() {
        return;
    }
    let redis = bazaar_kv::testing::OwnRedis::start(bazaar_kv::testing::free_port());
    let url = redis.url();
    let Some(app) = TestApp::spawn_with(Backend::Postgres, |config| config.redis_url = Some(url)).await else { return };
    let user = app.register().await;
    redis.kill();
    let login =
        app.post_json("/api/v1/auth/login", &json!({ "phone": user.phone, "password": bazaar_tests::PASSWORD })).await;
    let status = login.status();
    let body: Value = login.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().expect("a token");
    let me = app.client.get(app.url("/api/v1/me")).bearer_auth(token).send().await.unwrap();
    assert_eq!(me.status(), 200);
}
