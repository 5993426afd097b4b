//! Sessions (one per logged-in device) and refresh-token rotation with reuse detection.

use crate::IdentityError;
use crate::tokens::{hash_refresh_token, new_refresh_token, successor_refresh_token};
use bazaar_core::ids::{SessionId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{refresh_tokens, sessions};
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

/// What a device told us about itself when it logged in or refreshed.
#[derive(Debug, Clone, Default)]
pub struct DeviceInfo {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

impl DeviceInfo {
    fn user_agent(&self) -> Option<String> {
        // Stored for display; a hostile client may send anything, so keep it bounded.
        self.user_agent.as_ref().map(|agent| agent.chars().take(256).collect())
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionView {
    pub id: SessionId,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
    pub last_seen_at: chrono::DateTime<Utc>,
    /// True for the session the request was made with.
    pub current: bool,
}

/// Opens a session for `user_id`; returns its id and its first refresh token.
pub(crate) fn start(
    conn: &mut DbConn,
    user_id: UserId,
    device: &DeviceInfo,
    now: NaiveDateTime,
    lifetime: chrono::Duration,
) -> Result<(SessionId, String), IdentityError> {
    let session_id: SessionId = diesel::insert_into(sessions::table)
        .values((
            sessions::user_id.eq(user_id),
            sessions::user_agent.eq(device.user_agent()),
            sessions::ip.eq(&device.ip),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(now + lifetime),
        ))
        .returning(sessions::id)
        .get_result(conn)?;
    let token = issue_refresh(conn, session_id, now, new_refresh_token())?;
    Ok((session_id, token))
}

/// How long after a refresh token was spent presenting it again still answers with its successor
/// (a double submit), instead of signing the session out as a replayed stolen token.
pub(crate) const REFRESH_GRACE: chrono::Duration = chrono::Duration::seconds(5);

fn issue_refresh(
    conn: &mut DbConn,
    session_id: SessionId,
    now: NaiveDateTime,
    (token, hash): (String, String),
) -> Result<String, IdentityError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::token_hash.eq(hash),
            refresh_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(token)
}

/// What presenting a refresh token led to.
pub(crate) enum Rotation {
    /// A fresh refresh token for the same session.
    Rotated { user_id: UserId, session_id: SessionId, refresh_token: String },
    /// The token was already spent: the session is now revoked (the caller records it in kv).
    Reused { session_id: SessionId },
}

/// Spends `token` and issues its successor. Spending is a conditional update, so two concurrent
/// uses of one token cannot both spend it. Within [`REFRESH_GRACE`] of its spending, the same
/// token gets the same successor back (while that is unspent); later, or once the successor was
/// used, presenting it again is reuse and revokes the session.
pub(crate) fn rotate(
    conn: &mut DbConn,
    token: &str,
    key: &[u8],
    device: &DeviceInfo,
    now: NaiveDateTime,
    lifetime: chrono::Duration,
) -> Result<Rotation, IdentityError> {
    /// token id, session id, token spent at, user id, session revoked at, session expires at
    type Presented = (i64, SessionId, Option<NaiveDateTime>, UserId, Option<NaiveDateTime>, NaiveDateTime);
    let found: Option<Presented> = refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::token_hash.eq(hash_refresh_token(token)))
        .select((
            refresh_tokens::id,
            sessions::id,
            refresh_tokens::spent_at,
            sessions::user_id,
            sessions::revoked_at,
            sessions::expires_at,
        ))
        .first(conn)
        .optional()?;
    let Some((token_id, session_id, spent_at, user_id, revoked_at, expires_at)) = found else {
        return Err(IdentityError::InvalidRefreshToken);
    };
    if revoked_at.is_some() {
        return Err(IdentityError::SessionRevoked);
    }
    if expires_at <= now {
        return Err(IdentityError::InvalidRefreshToken);
    }
    let spent_now = spent_at.is_none()
        && diesel::update(refresh_tokens::table.find(token_id).filter(refresh_tokens::spent_at.is_null()))
            .set(refresh_tokens::spent_at.eq(now))
            .execute(conn)?
            == 1;
    let successor = successor_refresh_token(key, token);
    if !spent_now {
        if let Some(refresh_token) = repeated_within_grace(conn, token_id, session_id, &successor, now)? {
            return Ok(Rotation::Rotated { user_id, session_id, refresh_token });
        }
        revoke(conn, session_id, "refresh_token_reused", now)?;
        return Ok(Rotation::Reused { session_id });
    }
    diesel::update(sessions::table.find(session_id))
        .set((
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(now + lifetime),
            sessions::ip.eq(&device.ip),
            sessions::user_agent.eq(device.user_agent()),
        ))
        .execute(conn)?;
    let refresh_token = issue_refresh(conn, session_id, now, successor)?;
    Ok(Rotation::Rotated { user_id, session_id, refresh_token })
}

/// The successor of a token spent moments ago, if it is still unspent: the answer the first
/// submit got.
fn repeated_within_grace(
    conn: &mut DbConn,
    token_id: i64,
    session_id: SessionId,
    (successor, successor_hash): &(String, String),
    now: NaiveDateTime,
) -> Result<Option<String>, IdentityError> {
    // Read again: a concurrent submit may have spent it after this one first looked.
    let spent_at: Option<NaiveDateTime> =
        refresh_tokens::table.find(token_id).select(refresh_tokens::spent_at).get_result(conn)?;
    if spent_at.is_none_or(|spent_at| now - spent_at > REFRESH_GRACE) {
        return Ok(None);
    }
    let unspent_successor: Option<i64> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(successor_hash))
        .filter(refresh_tokens::session_id.eq(session_id))
        .filter(refresh_tokens::spent_at.is_null())
        .select(refresh_tokens::id)
        .first(conn)
        .optional()?;
    Ok(unspent_successor.map(|_| successor.clone()))
}

/// Revokes a session (idempotent). Returns false if it was already revoked.
pub(crate) fn revoke(
    conn: &mut DbConn,
    session_id: SessionId,
    reason: &str,
    now: NaiveDateTime,
) -> Result<bool, IdentityError> {
    let changed = diesel::update(sessions::table.find(session_id).filter(sessions::revoked_at.is_null()))
        .set((sessions::revoked_at.eq(now), sessions::revoked_reason.eq(reason)))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Revokes every live session of the user but `keep`; the revoked ids, for the deny-list.
pub(crate) fn revoke_others(
    conn: &mut DbConn,
    user_id: UserId,
    keep: SessionId,
    reason: &str,
    now: NaiveDateTime,
) -> Result<Vec<SessionId>, IdentityError> {
    let others = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::id.ne(keep))
        .filter(sessions::revoked_at.is_null());
    let ids: Vec<SessionId> = others.select(sessions::id).load(conn)?;
    diesel::update(sessions::table.filter(sessions::id.eq_any(&ids)).filter(sessions::revoked_at.is_null()))
        .set((sessions::revoked_at.eq(now), sessions::revoked_reason.eq(reason)))
        .execute(conn)?;
    Ok(ids)
}

/// The user's live sessions, most recently seen first.
pub(crate) fn list(
    conn: &mut DbConn,
    user_id: UserId,
    current_session: SessionId,
    now: NaiveDateTime,
) -> Result<Vec<SessionView>, IdentityError> {
    type Row = (SessionId, Option<String>, Option<String>, NaiveDateTime, NaiveDateTime);
    let rows: Vec<Row> = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order((sessions::last_seen_at.desc(), sessions::id.desc()))
        .select((sessions::id, sessions::user_agent, sessions::ip, sessions::created_at, sessions::last_seen_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, user_agent, ip, created_at, last_seen_at)| SessionView {
            id,
            user_agent,
            ip,
            created_at: created_at.and_utc(),
            last_seen_at: last_seen_at.and_utc(),
            current: id == current_session,
        })
        .collect())
}

/// The owner of a session, if `session_id` exists.
/// Whether the session was revoked or has ended (an unknown session counts as revoked).
pub(crate) fn is_revoked(conn: &mut DbConn, session_id: SessionId) -> Result<bool, IdentityError> {
    let found: Option<(Option<NaiveDateTime>, NaiveDateTime)> = sessions::table
        .find(session_id)
        .select((sessions::revoked_at, sessions::expires_at))
        .get_result(conn)
        .optional()?;
    Ok(found.is_none_or(|(revoked_at, expires_at)| revoked_at.is_some() || expires_at <= Utc::now().naive_utc()))
}

pub(crate) fn owner(conn: &mut DbConn, session_id: SessionId) -> Result<Option<UserId>, IdentityError> {
    Ok(sessions::table.find(session_id).select(sessions::user_id).get_result(conn).optional()?)
}
