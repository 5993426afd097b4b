//! Seller onboarding: applications, admin review (every decision kept on the application row),
//! the shop an approval creates, and the shop's members (owner and staff).

use crate::{IdentityError, Phone};
use bazaar_core::ids::{ApplicationId, ShopId, UserId};
use bazaar_db::DbConn;
use bazaar_db::outbox::{self, NewOutboxEvent};
use bazaar_db::schema::{shop_applications, shop_members, shops, users};
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ApplicationStatus {
    Pending,
    Approved,
    Rejected,
}

impl ApplicationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationStatus::Pending => "pending",
            ApplicationStatus::Approved => "approved",
            ApplicationStatus::Rejected => "rejected",
        }
    }
}

/// A member's standing in a shop. Staff manage listings, orders and chat; only the owner manages
/// the shop's settings and staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ShopRole {
    Owner,
    Staff,
}

impl ShopRole {
    fn as_str(self) -> &'static str {
        match self {
            ShopRole::Owner => "owner",
            ShopRole::Staff => "staff",
        }
    }

    fn parse(stored: &str) -> ShopRole {
        if stored == "owner" { ShopRole::Owner } else { ShopRole::Staff }
    }
}

/// Whether a shop sells. Identity owns a shop's row and its status (it creates the row when an
/// application is approved); catalog owns the page columns and calls [`set_shop_status`] when an
/// administrator suspends or reinstates the shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShopStatus {
    Active,
    Suspended,
}

impl ShopStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            ShopStatus::Active => "active",
            ShopStatus::Suspended => "suspended",
        }
    }
}

/// A shop's status (`None`: no such shop). A status this build does not know reads as suspended,
/// so an unknown state never sells.
pub fn shop_status(conn: &mut DbConn, shop_id: ShopId) -> Result<Option<ShopStatus>, IdentityError> {
    let stored: Option<String> = shops::table.find(shop_id).select(shops::status).get_result(conn).optional()?;
    Ok(stored.map(
        |stored| {
            if stored == ShopStatus::Active.as_str() { ShopStatus::Active } else { ShopStatus::Suspended }
        },
    ))
}

/// A shop's name (`None`: no such shop), for other crates to show it without reading the table.
pub fn shop_name(conn: &mut DbConn, shop_id: ShopId) -> Result<Option<String>, IdentityError> {
    Ok(shops::table.find(shop_id).select(shops::name).get_result(conn).optional()?)
}

/// Sets a shop's status inside the caller's transaction; false when there is no such shop.
pub fn set_shop_status(conn: &mut DbConn, shop_id: ShopId, status: ShopStatus) -> Result<bool, IdentityError> {
    let changed = diesel::update(shops::table.find(shop_id))
        .set((shops::status.eq(status.as_str()), shops::updated_at.eq(Utc::now().naive_utc())))
        .execute(conn)?;
    Ok(changed > 0)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationInput {
    pub shop_name: String,
    pub main_category: String,
    /// The 18-character unified social credit code (统一社会信用代码), or an old 15-digit number.
    pub licence_number: String,
    pub contact_phone: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = shop_applications)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationView {
    pub id: ApplicationId,
    pub applicant_id: UserId,
    pub shop_name: String,
    pub main_category: String,
    pub licence_number: String,
    pub contact_phone: String,
    pub description: String,
    pub status: String,
    pub reviewer_id: Option<UserId>,
    pub review_reason: Option<String>,
    #[serde(serialize_with = "bazaar_core::clock::as_utc_opt")]
    pub reviewed_at: Option<NaiveDateTime>,
    pub shop_id: Option<ShopId>,
    #[serde(serialize_with = "bazaar_core::clock::as_utc")]
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = shops)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShopView {
    pub id: ShopId,
    pub owner_id: UserId,
    pub name: String,
    pub main_category: String,
    pub description: String,
    pub status: String,
    #[serde(serialize_with = "bazaar_core::clock::as_utc")]
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffView {
    pub user_id: UserId,
    pub nickname: String,
    /// Masked unless the viewer is that member.
    pub phone: String,
    pub role: ShopRole,
    pub added_at: chrono::DateTime<Utc>,
}

fn bounded(field: &'static str, raw: &str, min: usize, max: usize) -> Result<String, IdentityError> {
    bazaar_core::user_text(raw, min, max, true).map_err(|err| IdentityError::invalid(field, err.to_string()))
}

/// 统一社会信用代码: 18 characters from digits and upper-case letters without I, O, S, V, Z;
/// older registration numbers are 15 digits.
fn licence_number(raw: &str) -> Result<String, IdentityError> {
    let number = raw.trim().to_ascii_uppercase();
    let unified =
        number.len() == 18 && number.bytes().all(|b| b.is_ascii_digit() || b"ABCDEFGHJKLMNPQRTUWXY".contains(&b));
    let legacy = number.len() == 15 && number.bytes().all(|b| b.is_ascii_digit());
    if !(unified || legacy) {
        return Err(IdentityError::invalid(
            "licence_number",
            "must be an 18-character unified social credit code or a 15-digit registration number",
        ));
    }
    Ok(number)
}

pub(crate) fn apply(
    conn: &mut DbConn,
    applicant_id: UserId,
    input: ApplicationInput,
) -> Result<ApplicationView, IdentityError> {
    let contact =
        Phone::parse(&input.contact_phone).map_err(|err| IdentityError::invalid("contact_phone", err.to_string()))?;
    let inserted = diesel::insert_into(shop_applications::table)
        .values((
            shop_applications::applicant_id.eq(applicant_id),
            shop_applications::shop_name.eq(bounded("shop_name", &input.shop_name, 2, 40)?),
            shop_applications::main_category.eq(bounded("main_category", &input.main_category, 1, 40)?),
            shop_applications::licence_number.eq(licence_number(&input.licence_number)?),
            shop_applications::contact_phone.eq(contact.as_str()),
            shop_applications::description.eq(bounded("description", &input.description, 0, 2000)?),
            shop_applications::status.eq(ApplicationStatus::Pending.as_str()),
            shop_applications::created_at.eq(Utc::now().naive_utc()),
        ))
        .returning(shop_applications::id)
        .get_result::<i64>(conn);
    match inserted {
        Ok(id) => application(conn, id),
        Err(err) if crate::error::is_unique_violation(&err) => {
            Err(IdentityError::conflict("application_pending", "you already have an application waiting for review"))
        }
        Err(err) => Err(err.into()),
    }
}

pub(crate) fn application(conn: &mut DbConn, id: i64) -> Result<ApplicationView, IdentityError> {
    shop_applications::table
        .find(id)
        .select(ApplicationView::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(IdentityError::not_found("shop application"))
}

pub(crate) fn applications_of(conn: &mut DbConn, applicant_id: UserId) -> Result<Vec<ApplicationView>, IdentityError> {
    Ok(shop_applications::table
        .filter(shop_applications::applicant_id.eq(applicant_id))
        .order(shop_applications::id.desc())
        .select(ApplicationView::as_select())
        .load(conn)?)
}

/// The review queue: applications in `status`, oldest first, after id `after`.
pub(crate) fn review_queue(
    conn: &mut DbConn,
    status: ApplicationStatus,
    after: i64,
    limit: i64,
) -> Result<Vec<ApplicationView>, IdentityError> {
    Ok(shop_applications::table
        .filter(shop_applications::status.eq(status.as_str()))
        .filter(shop_applications::id.gt(after))
        .order(shop_applications::id.asc())
        .limit(limit)
        .select(ApplicationView::as_select())
        .load(conn)?)
}

/// Records the decision if the application is still pending (a conditional update, so two admins
/// deciding at once cannot both win).
fn decide(
    conn: &mut DbConn,
    id: i64,
    reviewer_id: UserId,
    status: ApplicationStatus,
    reason: Option<String>,
    now: NaiveDateTime,
) -> Result<ApplicationView, IdentityError> {
    let decided = diesel::update(
        shop_applications::table.find(id).filter(shop_applications::status.eq(ApplicationStatus::Pending.as_str())),
    )
    .set((
        shop_applications::status.eq(status.as_str()),
        shop_applications::reviewer_id.eq(reviewer_id),
        shop_applications::review_reason.eq(reason),
        shop_applications::reviewed_at.eq(now),
    ))
    .execute(conn)?;
    let current = application(conn, id)?;
    if decided == 0 {
        return Err(IdentityError::conflict(
            "already_reviewed",
            format!("this application is already {}", current.status),
        ));
    }
    Ok(current)
}

/// Approves: creates the shop, makes the applicant its owner (and so a seller), and announces the
/// shop on the outbox, all in the caller's transaction.
pub(crate) fn approve(
    conn: &mut DbConn,
    id: i64,
    reviewer_id: UserId,
    reason: Option<String>,
) -> Result<ApplicationView, IdentityError> {
    let now = Utc::now().naive_utc();
    let reason = reason.map(|r| bounded("reason", &r, 0, 500)).transpose()?;
    let decided = decide(conn, id, reviewer_id, ApplicationStatus::Approved, reason, now)?;
    let shop_id: ShopId = diesel::insert_into(shops::table)
        .values((
            shops::owner_id.eq(decided.applicant_id),
            shops::name.eq(&decided.shop_name),
            shops::main_category.eq(&decided.main_category),
            shops::description.eq(&decided.description),
            shops::contact_phone.eq(&decided.contact_phone),
            shops::status.eq(ShopStatus::Active.as_str()),
            shops::created_at.eq(now),
            shops::updated_at.eq(now),
        ))
        .returning(shops::id)
        .get_result(conn)?;
    add_member(conn, shop_id, decided.applicant_id, ShopRole::Owner, Some(reviewer_id), now)?;
    diesel::update(shop_applications::table.find(id)).set(shop_applications::shop_id.eq(shop_id)).execute(conn)?;
    let payload = serde_json::json!({ "shop_id": shop_id, "name": decided.shop_name }).to_string();
    outbox::append(
        conn,
        &NewOutboxEvent {
            topic: "shop",
            entity_id: shop_id.get(),
            kind: "created",
            payload: &payload,
            created_at: now,
        },
    )?;
    application(conn, id)
}

pub(crate) fn reject(
    conn: &mut DbConn,
    id: i64,
    reviewer_id: UserId,
    reason: &str,
) -> Result<ApplicationView, IdentityError> {
    let reason = bounded("reason", reason, 1, 500)?;
    decide(conn, id, reviewer_id, ApplicationStatus::Rejected, Some(reason), Utc::now().naive_utc())
}

pub(crate) fn add_member(
    conn: &mut DbConn,
    shop_id: ShopId,
    user_id: UserId,
    role: ShopRole,
    added_by: Option<UserId>,
    now: NaiveDateTime,
) -> Result<(), IdentityError> {
    let inserted = diesel::insert_into(shop_members::table)
        .values((
            shop_members::shop_id.eq(shop_id),
            shop_members::user_id.eq(user_id),
            shop_members::role.eq(role.as_str()),
            shop_members::added_by.eq(added_by),
            shop_members::created_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(()),
        Err(err) if crate::error::is_unique_violation(&err) => {
            Err(IdentityError::conflict("already_member", "that user already works for this shop"))
        }
        Err(err) => Err(err.into()),
    }
}

/// The caller's role in `shop_id`, or `None` if they are not a member.
/// Everyone who works in `shop` (owner and staff): who a conversation with the shop reaches.
pub fn shop_members(conn: &mut DbConn, shop_id: ShopId) -> Result<Vec<UserId>, IdentityError> {
    Ok(shop_members::table.filter(shop_members::shop_id.eq(shop_id)).select(shop_members::user_id).load(conn)?)
}

/// The shops `user_id` works in, as owner or staff.
pub fn shops_of_member(conn: &mut DbConn, user_id: UserId) -> Result<Vec<ShopId>, IdentityError> {
    Ok(shop_members::table.filter(shop_members::user_id.eq(user_id)).select(shop_members::shop_id).load(conn)?)
}

pub fn shop_role(conn: &mut DbConn, shop_id: ShopId, user_id: UserId) -> Result<Option<ShopRole>, IdentityError> {
    let role: Option<String> =
        shop_members::table.find((shop_id, user_id)).select(shop_members::role).get_result(conn).optional()?;
    Ok(role.as_deref().map(ShopRole::parse))
}

/// A shop the user works for, with their role in it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberShop {
    #[serde(flatten)]
    pub shop: ShopView,
    pub role: ShopRole,
}

/// The shops `user_id` owns or staffs, oldest membership first.
pub(crate) fn shops_of(conn: &mut DbConn, user_id: UserId) -> Result<Vec<MemberShop>, IdentityError> {
    let rows: Vec<(ShopView, String)> = shops::table
        .inner_join(shop_members::table)
        .filter(shop_members::user_id.eq(user_id))
        .order(shop_members::created_at.asc())
        .select((ShopView::as_select(), shop_members::role))
        .load(conn)?;
    Ok(rows.into_iter().map(|(shop, role)| MemberShop { shop, role: ShopRole::parse(&role) }).collect())
}

pub(crate) fn shop(conn: &mut DbConn, shop_id: ShopId) -> Result<ShopView, IdentityError> {
    shops::table
        .find(shop_id)
        .select(ShopView::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(IdentityError::not_found("shop"))
}

/// Only the owner manages staff; staff and outsiders are refused (outsiders as "not found" would
/// hide nothing: shops are public).
fn require_owner(conn: &mut DbConn, shop_id: ShopId, user_id: UserId) -> Result<(), IdentityError> {
    shop(conn, shop_id)?;
    match shop_role(conn, shop_id, user_id)? {
        Some(ShopRole::Owner) => Ok(()),
        _ => Err(IdentityError::forbidden("only the shop's owner may manage its staff")),
    }
}

pub(crate) fn add_staff(
    conn: &mut DbConn,
    shop_id: ShopId,
    owner_id: UserId,
    phone: &str,
) -> Result<Vec<StaffView>, IdentityError> {
    require_owner(conn, shop_id, owner_id)?;
    let phone = Phone::parse(phone).map_err(|err| IdentityError::invalid("phone", err.to_string()))?;
    let user =
        crate::users::find_by_phone(conn, &phone)?.ok_or(IdentityError::not_found("user with that phone number"))?;
    add_member(conn, shop_id, user.id, ShopRole::Staff, Some(owner_id), Utc::now().naive_utc())?;
    staff(conn, shop_id, owner_id)
}

pub(crate) fn remove_staff(
    conn: &mut DbConn,
    shop_id: ShopId,
    owner_id: UserId,
    staff_id: UserId,
) -> Result<(), IdentityError> {
    require_owner(conn, shop_id, owner_id)?;
    let removed = diesel::delete(
        shop_members::table.find((shop_id, staff_id)).filter(shop_members::role.eq(ShopRole::Staff.as_str())),
    )
    .execute(conn)?;
    if removed == 0 {
        return Err(IdentityError::not_found("staff member"));
    }
    Ok(())
}

/// Members of `shop_id`, for its members only.
pub(crate) fn staff(conn: &mut DbConn, shop_id: ShopId, viewer_id: UserId) -> Result<Vec<StaffView>, IdentityError> {
    shop(conn, shop_id)?;
    if shop_role(conn, shop_id, viewer_id)?.is_none() {
        return Err(IdentityError::forbidden("only the shop's members may see its staff"));
    }
    let rows: Vec<(UserId, String, String, String, NaiveDateTime)> = shop_members::table
        .inner_join(users::table.on(users::id.eq(shop_members::user_id)))
        .filter(shop_members::shop_id.eq(shop_id))
        .order(shop_members::created_at.asc())
        .select((users::id, users::nickname, users::phone, shop_members::role, shop_members::created_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, nickname, phone, role, added_at)| StaffView {
            user_id,
            nickname,
            phone: if user_id == viewer_id { phone } else { Phone::from_stored(phone).masked() },
            role: ShopRole::parse(&role),
            added_at: added_at.and_utc(),
        })
        .collect())
}
