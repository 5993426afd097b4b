//! Users: rows, the view a client sees, and the queries over them.

use crate::{IdentityError, Phone, Role};
use bazaar_core::ids::UserId;
use bazaar_db::DbConn;
use bazaar_db::schema::{shop_members, users};
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub(crate) struct UserRow {
    pub id: UserId,
    pub phone: String,
    pub nickname: String,
    pub avatar_url: Option<String>,
    pub password_hash: Option<String>,
    pub is_admin: bool,
    pub created_at: NaiveDateTime,
}

/// A user as they see themselves (full phone number).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserView {
    pub id: UserId,
    pub phone: String,
    pub nickname: String,
    pub avatar_url: Option<String>,
    pub roles: Vec<Role>,
    pub has_password: bool,
    pub created_at: chrono::DateTime<Utc>,
}

/// What `PATCH /me` may change.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfilePatch {
    pub nickname: Option<String>,
    /// `null` removes the avatar.
    #[serde(default, with = "double_option")]
    pub avatar_url: Option<Option<String>>,
}

/// Tells "absent" (leave alone) from `null` (clear) in a PATCH body.
mod double_option {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(deserializer).map(Some)
    }
}

pub(crate) fn validate_nickname(raw: &str) -> Result<String, IdentityError> {
    bazaar_core::user_text(raw, 1, 32, false).map_err(|err| IdentityError::invalid("nickname", err.to_string()))
}

pub(crate) fn validate_url(field: &'static str, raw: &str) -> Result<String, IdentityError> {
    let url = raw.trim();
    let looks_right = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 512
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if !looks_right {
        return Err(IdentityError::invalid(field, "must be an http(s) URL of at most 512 characters"));
    }
    Ok(url.to_string())
}

/// A default nickname for users who signed up with only a code: 用户 and the last four digits.
pub(crate) fn default_nickname(phone: &Phone) -> String {
    let digits = phone.as_str();
    format!("用户{}", &digits[digits.len().saturating_sub(4)..])
}

pub(crate) fn find_by_phone(conn: &mut DbConn, phone: &Phone) -> Result<Option<UserRow>, IdentityError> {
    Ok(users::table.filter(users::phone.eq(phone.as_str())).select(UserRow::as_select()).first(conn).optional()?)
}

/// The user registered with `phone`, if any (for a shop giving a coupon to a customer by number).
pub fn user_id_by_phone(conn: &mut DbConn, phone: &Phone) -> Result<Option<UserId>, IdentityError> {
    Ok(find_by_phone(conn, phone)?.map(|user| user.id))
}

/// The nickname a user shows others (`None`: no such user).
pub fn nickname_of(conn: &mut DbConn, user_id: UserId) -> Result<Option<String>, IdentityError> {
    Ok(users::table.find(user_id).select(users::nickname).first(conn).optional()?)
}

/// How each of `ids` shows to others — nickname and avatar — for a list of conversations; unknown
/// ids are left out.
pub fn public_profiles(
    conn: &mut DbConn,
    ids: &[UserId],
) -> Result<std::collections::HashMap<UserId, (String, Option<String>)>, IdentityError> {
    let rows: Vec<(UserId, String, Option<String>)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::nickname, users::avatar_url))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, nickname, avatar)| (id, (nickname, avatar))).collect())
}

pub(crate) fn get(conn: &mut DbConn, user_id: UserId) -> Result<UserRow, IdentityError> {
    users::table
        .find(user_id)
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(IdentityError::not_found("user"))
}

pub(crate) fn insert(
    conn: &mut DbConn,
    phone: &Phone,
    nickname: &str,
    password_hash: Option<&str>,
    now: NaiveDateTime,
) -> Result<UserRow, IdentityError> {
    let inserted = diesel::insert_into(users::table)
        .values((
            users::phone.eq(phone.as_str()),
            users::nickname.eq(nickname),
            users::password_hash.eq(password_hash),
            users::is_admin.eq(false),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .returning(users::id)
        .get_result::<UserId>(conn);
    match inserted {
        Ok(id) => get(conn, id),
        Err(err) if crate::error::is_unique_violation(&err) => Err(IdentityError::PhoneTaken),
        Err(err) => Err(err.into()),
    }
}

pub(crate) fn roles(conn: &mut DbConn, user: &UserRow) -> Result<Vec<Role>, IdentityError> {
    let mut roles = vec![Role::Buyer];
    let member_of_a_shop: bool =
        diesel::select(diesel::dsl::exists(shop_members::table.filter(shop_members::user_id.eq(user.id))))
            .get_result(conn)?;
    if member_of_a_shop {
        roles.push(Role::Seller);
    }
    if user.is_admin {
        roles.push(Role::Admin);
    }
    Ok(roles)
}

pub(crate) fn view(conn: &mut DbConn, user: &UserRow) -> Result<UserView, IdentityError> {
    Ok(UserView {
        id: user.id,
        phone: user.phone.clone(),
        nickname: user.nickname.clone(),
        avatar_url: user.avatar_url.clone(),
        roles: roles(conn, user)?,
        has_password: user.password_hash.is_some(),
        created_at: user.created_at.and_utc(),
    })
}

pub(crate) fn update_profile(
    conn: &mut DbConn,
    user_id: UserId,
    patch: ProfilePatch,
    now: NaiveDateTime,
) -> Result<UserRow, IdentityError> {
    let nickname = patch.nickname.as_deref().map(validate_nickname).transpose()?;
    let avatar = match patch.avatar_url {
        Some(Some(url)) => Some(Some(validate_url("avatar_url", &url)?)),
        Some(None) => Some(None),
        None => None,
    };
    let target = users::table.find(user_id);
    if let Some(nickname) = nickname {
        diesel::update(target).set((users::nickname.eq(nickname), users::updated_at.eq(now))).execute(conn)?;
    }
    if let Some(avatar) = avatar {
        diesel::update(target).set((users::avatar_url.eq(avatar), users::updated_at.eq(now))).execute(conn)?;
    }
    get(conn, user_id)
}

pub(crate) fn set_password_hash(
    conn: &mut DbConn,
    user_id: UserId,
    hash: &str,
    now: NaiveDateTime,
) -> Result<(), IdentityError> {
    diesel::update(users::table.find(user_id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Creates the user if needed and makes them an admin (the `bazaar admin create` command).
pub(crate) fn make_admin(
    conn: &mut DbConn,
    phone: &Phone,
    nickname: Option<&str>,
    password_hash: Option<&str>,
    now: NaiveDateTime,
) -> Result<(UserRow, bool), IdentityError> {
    let (user, created) = match find_by_phone(conn, phone)? {
        Some(user) => (user, false),
        None => {
            let nickname = nickname.map_or_else(|| Ok(default_nickname(phone)), validate_nickname)?;
            (insert(conn, phone, &nickname, password_hash, now)?, true)
        }
    };
    diesel::update(users::table.find(user.id))
        .set((users::is_admin.eq(true), users::updated_at.eq(now)))
        .execute(conn)?;
    if let (Some(hash), false) = (password_hash, created) {
        set_password_hash(conn, user.id, hash, now)?;
    }
    Ok((get(conn, user.id)?, created))
}

/// A user's phone as others may see it (`138****8000`), for a shop's list of prize winners.
pub fn masked_phone(conn: &mut DbConn, user_id: UserId) -> Result<Option<String>, IdentityError> {
    let stored: Option<String> = users::table.find(user_id).select(users::phone).first(conn).optional()?;
    Ok(stored.map(|phone| crate::Phone::from_stored(phone).masked()))
}
