//! A shop's sales by day, for its console: how many orders were paid each day and what they came
//! to (GMV, before any later refund). Days are China's (UTC+8): a shop's "today" starts at its
//! midnight, not at London's.

use crate::CheckoutError;
use bazaar_core::Money;
use bazaar_core::clock::{china_day, china_day_start};
use bazaar_core::ids::ShopId;
use bazaar_db::DbConn;
use bazaar_db::schema::orders;
use bazaar_identity::Principal;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// One day of a shop's sales.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DaySales {
    pub day: NaiveDate,
    pub paid_orders: i64,
    pub gmv: Money,
}

/// `days` days of sales ending with `last_day`, oldest first, every day present (zero when
/// nothing was paid). Members of the shop only.
pub(crate) fn by_day(
    conn: &mut DbConn,
    member: &Principal,
    shop_id: ShopId,
    last_day: NaiveDate,
    days: u32,
) -> Result<Vec<DaySales>, CheckoutError> {
    member.shop_role(conn, shop_id)?;
    let first_day = last_day - Duration::days(i64::from(days.max(1)) - 1);
    let from = china_day_start(first_day);
    let until = from + Duration::days(i64::from(days.max(1)));
    // The rows rather than a GROUP BY: the date arithmetic of SQLite and PostgreSQL differ, and a
    // week of one shop's orders is small.
    let paid: Vec<(Option<NaiveDateTime>, i64)> = orders::table
        .filter(orders::shop_id.eq(shop_id).and(orders::paid_at.ge(from)).and(orders::paid_at.lt(until)))
        .select((orders::paid_at, orders::total))
        .load(conn)?;
    // (day, paid orders, GMV in fen)
    let mut table: Vec<(NaiveDate, i64, i64)> =
        (0..i64::from(days.max(1))).map(|offset| (first_day + Duration::days(offset), 0, 0)).collect();
    for (at, total) in paid {
        let Some(at) = at else { continue };
        if let Some(row) = table.iter_mut().find(|row| row.0 == china_day(at)) {
            row.1 += 1;
            row.2 = row.2.saturating_add(total);
        }
    }
    Ok(table
        .into_iter()
        .map(|(day, paid_orders, gmv)| DaySales { day, paid_orders, gmv: Money::from_minor(gmv) })
        .collect())
}
