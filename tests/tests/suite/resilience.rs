//! Faults that must lose nothing: kv (Redis) losing its data must not change who is signed in
//! (the database is the truth for signed-out sessions, kv only a copy), and an acknowledged SQLite
//! commit is on disk.

use bazaar_tests::{Backend, TestApp, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(a_signed_out_session_stays_out_when_kv_forgets, sqlite_commits_are_on_disk_when_acknowledged);

/// The current session's id, as the device list shows it.
async fn current_session(app: &TestApp, user: &bazaar_tests::User) -> i64 {
    let sessions: Value = app.get_as(user, "/api/v1/me/sessions").await.json().await.unwrap();
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
        app.app_state.kv.delete(&bazaar_identity::session_state_key(session)).await.unwrap();
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
