//! A shop's visitors by day, for its console: distinct people who opened its product or shop
//! pages, counted in kv (shared by every gateway with Redis; in-process without it, where the
//! counts start again at a restart). A visitor is counted once per shop per day (China time); the
//! keys live eight days, enough for a week's chart.

use crate::{Catalog, CatalogError};
use bazaar_core::clock::china_day;
use bazaar_core::ids::ShopId;
use bazaar_identity::Principal;
use chrono::{Duration, NaiveDate, Utc};

/// How long a day's counters are kept.
const KEPT: std::time::Duration = std::time::Duration::from_secs(8 * 24 * 3600);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayVisitors {
    pub day: NaiveDate,
    pub visitors: i64,
}

fn count_key(shop_id: ShopId, day: NaiveDate) -> String {
    format!("visitors:{shop_id}:{day}")
}

impl Catalog {
    /// Counts `visitor` (an opaque, stable key: a user id, or a hash of a browser's cookie) as a
    /// visitor of the shop today, once. Best effort: a kv outage loses the count, never the page.
    pub async fn note_visit(&self, shop_id: ShopId, visitor: &str) {
        let day = china_day(Utc::now().naive_utc());
        let seen = format!("visited:{shop_id}:{day}:{visitor}");
        let counted = async {
            if self.kv.set_if_absent(&seen, "1", Some(KEPT)).await? {
                self.kv.incr(&count_key(shop_id, day), 1, Some(KEPT)).await?;
            }
            Ok::<_, bazaar_kv::KvError>(())
        };
        if let Err(err) = counted.await {
            tracing::debug!(error = %err, %shop_id, "a shop visit was not counted");
        }
    }

    /// Visitors of each of the `days` days ending with `last_day`, oldest first, for the shop's
    /// members.
    pub async fn visitors(
        &self,
        principal: &Principal,
        shop_id: ShopId,
        last_day: NaiveDate,
        days: u32,
    ) -> Result<Vec<DayVisitors>, CatalogError> {
        let member = principal.clone();
        self.db.run(move |conn| member.shop_role(conn, shop_id).map(|_| ()).map_err(CatalogError::from)).await?;
        let first_day = last_day - Duration::days(i64::from(days.max(1)) - 1);
        let mut table = Vec::new();
        for offset in 0..i64::from(days.max(1)) {
            let day = first_day + Duration::days(offset);
            let visitors = self.kv.get(&count_key(shop_id, day)).await?.and_then(|n| n.parse().ok()).unwrap_or(0);
            table.push(DayVisitors { day, visitors });
        }
        Ok(table)
    }
}
