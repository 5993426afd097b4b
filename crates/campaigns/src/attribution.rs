//! Crediting orders to the last campaign touch. A touch is a counted visit of a campaign's link
//! by the signed-in buyer or from the browser carrying the attribution cookie; an order placed
//! within that campaign's attribution window is credited to the newest such touch. Each order has
//! one credit row under its primary key, so no path (another device, cleared cookies, a retried
//! placement) credits an order twice.

use crate::CampaignError;
use bazaar_core::ids::{CampaignId, OrderId, ShortLinkId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{campaigns as c, link_visits as lv, short_links as sl};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// How far back a touch is looked for: longer than any campaign's attribution window.
const LOOK_BACK_DAYS: i64 = 90;

/// A new attribution cookie's value: 32 hex digits, the first 12 the time in milliseconds and the
/// rest 80 random bits. Time first so that new visitors' rows land at the end of the index by
/// visitor instead of on a random page each: under a scan storm random keys dirtied a page of the
/// index per visit. The value names a browser for statistics and grants nothing, and 80 random
/// bits still cannot be guessed.
pub fn new_visitor_id(now: chrono::DateTime<chrono::Utc>) -> String {
    use rand::RngCore;
    let millis = u64::try_from(now.timestamp_millis()).unwrap_or_default() & 0xffff_ffff_ffff;
    let mut random = [0u8; 10];
    rand::rng().fill_bytes(&mut random);
    format!("{millis:012x}{}", hex::encode(random))
}

/// Whether an attribution cookie's value is one we issue (32 hex digits): anything else is ignored.
pub fn visitor_id_ok(raw: &str) -> bool {
    raw.len() == 32 && raw.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The campaign touch an order placed at `now` by `user` (with the cookie `visitor`) is credited to.
fn last_touch(
    conn: &mut DbConn,
    user: UserId,
    visitor: Option<&str>,
    now: NaiveDateTime,
) -> Result<Option<(CampaignId, ShortLinkId, NaiveDateTime)>, CampaignError> {
    let oldest = now - chrono::Duration::days(LOOK_BACK_DAYS);
    let by_user = lv::user_id.eq(user).nullable();
    let mut query = lv::table
        .inner_join(sl::table)
        .inner_join(c::table.on(sl::campaign_id.eq(c::id.nullable())))
        .filter(lv::bot.eq(false))
        .filter(lv::visited_at.ge(oldest))
        .filter(lv::visited_at.le(now))
        .select((c::id, sl::id, lv::visited_at, c::attribution_days))
        .order(lv::visited_at.desc())
        .limit(20)
        .into_boxed();
    query = match visitor.filter(|v| visitor_id_ok(v)) {
        Some(visitor) => query.filter(by_user.or(lv::visitor.eq(visitor).nullable())),
        None => query.filter(lv::user_id.eq(user)),
    };
    let touches: Vec<(CampaignId, ShortLinkId, NaiveDateTime, i64)> = query.load(conn)?;
    Ok(touches
        .into_iter()
        .find(|(_, _, at, days)| *at >= now - chrono::Duration::days(*days))
        .map(|(campaign, link, at, _)| (campaign, link, at)))
}

/// Credits each of `orders` (just placed by `user`) to the last campaign touch within its window,
/// once per order. Returns the campaign credited, if any.
pub(crate) fn attribute(
    conn: &mut DbConn,
    orders: &[OrderId],
    user: UserId,
    visitor: Option<&str>,
    now: NaiveDateTime,
) -> Result<Option<CampaignId>, CampaignError> {
    let Some((campaign, link, touched_at)) = last_touch(conn, user, visitor, now)? else { return Ok(None) };
    let placement = crate::campaigns::placement_of_link(conn, link)?.map(|(_, placement)| placement);
    let fmt = |at: NaiveDateTime| at.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    for order in orders {
        // Every value is ours (ids and timestamps): the portable insert-once.
        diesel::sql_query(format!(
            "INSERT INTO order_attributions (order_id, campaign_id, placement_id, link_id, touched_at, created_at) \
             VALUES ({order}, {campaign}, {placement}, {link}, '{touched}', '{now}') ON CONFLICT DO NOTHING",
            placement = placement.map_or_else(|| "NULL".to_string(), |p| p.to_string()),
            touched = fmt(touched_at),
            now = fmt(now),
        ))
        .execute(conn)?;
    }
    Ok(Some(campaign))
}

/// Links a browser's anonymous visits within the look-back to the user who signed in on it. A
/// visit already linked keeps its user.
pub(crate) fn claim_visits(
    conn: &mut DbConn,
    user: UserId,
    visitor: &str,
    now: NaiveDateTime,
) -> Result<usize, CampaignError> {
    if !visitor_id_ok(visitor) {
        return Ok(0);
    }
    Ok(diesel::update(
        lv::table
            .filter(lv::visitor.eq(visitor))
            .filter(lv::user_id.is_null())
            .filter(lv::visited_at.ge(now - chrono::Duration::days(LOOK_BACK_DAYS))),
    )
    .set(lv::user_id.eq(user))
    .execute(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_visitor_ids_are_valid_and_ordered_by_time() {
        let earlier = chrono::Utc::now();
        let later = earlier + chrono::Duration::milliseconds(1);
        let (a, b) = (new_visitor_id(earlier), new_visitor_id(later));
        assert!(visitor_id_ok(&a) && visitor_id_ok(&b));
        assert!(a < b, "{a} then {b}");
        assert_ne!(new_visitor_id(earlier), new_visitor_id(earlier));
    }
}
