//! Short links: created with a placement (or on their own), followed by `/s/{code}`. Following a
//! link must stay fast, so a gateway keeps each link it has followed in memory for
//! `short_link_cache_secs` (unknown codes too), and visits are written in batches by
//! [`crate::visits`] rather than on the redirect's path.

use crate::targets::external_allowed;
use crate::{CampaignError, codes};
use bazaar_core::ids::{CampaignId, ShopId, ShortLinkId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::short_links as sl;
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a new link is.
pub(crate) struct NewLink<'a> {
    pub shop: Option<ShopId>,
    pub campaign: Option<CampaignId>,
    pub target: &'a str,
    pub starts_at: NaiveDateTime,
    pub ends_at: Option<NaiveDateTime>,
    pub max_visits: Option<i64>,
    pub created_by: UserId,
}

/// Writes a link under a fresh code (a new code is drawn if one is taken, which the unique index
/// reports), inside the caller's transaction.
pub(crate) fn create(conn: &mut DbConn, link: &NewLink<'_>) -> Result<(ShortLinkId, String), CampaignError> {
    for _ in 0..4 {
        let code = codes::new_code();
        let taken: bool = diesel::select(diesel::dsl::exists(sl::table.filter(sl::code.eq(&code)))).get_result(conn)?;
        if taken {
            continue;
        }
        let id = diesel::insert_into(sl::table)
            .values((
                sl::code.eq(&code),
                sl::shop_id.eq(link.shop),
                sl::campaign_id.eq(link.campaign),
                sl::target.eq(link.target),
                sl::starts_at.eq(link.starts_at),
                sl::ends_at.eq(link.ends_at),
                sl::max_visits.eq(link.max_visits),
                sl::visits.eq(0_i64),
                sl::disabled.eq(false),
                sl::created_by.eq(link.created_by),
                sl::created_at.eq(Utc::now().naive_utc()),
            ))
            .returning(sl::id)
            .get_result(conn)?;
        return Ok((id, code));
    }
    Err(CampaignError::conflict("code_space_busy", "no free short code was found; try again"))
}

/// Turns a link off (or on again).
pub(crate) fn set_disabled(conn: &mut DbConn, id: ShortLinkId, disabled: bool) -> Result<(), CampaignError> {
    diesel::update(sl::table.find(id)).set(sl::disabled.eq(disabled)).execute(conn)?;
    Ok(())
}

/// A link as a gateway keeps it.
#[derive(Debug)]
pub(crate) struct CachedLink {
    pub id: ShortLinkId,
    pub campaign: Option<CampaignId>,
    pub target: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: Option<NaiveDateTime>,
    pub max_visits: Option<i64>,
    pub disabled: bool,
    /// Visits written when it was read, and those this gateway has counted since.
    pub visits_at_load: i64,
    pub counted_here: AtomicI64,
}

/// Why a link sends nowhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadLink {
    Unknown,
    NotYet,
    Expired,
    Disabled,
    Exhausted,
}

/// Where following a link leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Followed {
    /// Send the visitor here; record the visit against `link`.
    To {
        link: ShortLinkId,
        campaign: Option<CampaignId>,
        location: String,
    },
    Dead(DeadLink),
}

impl CachedLink {
    fn follow(&self, now: NaiveDateTime, allowed_hosts: &[String]) -> Followed {
        let dead = if self.disabled {
            Some(DeadLink::Disabled)
        } else if now < self.starts_at {
            Some(DeadLink::NotYet)
        } else if self.ends_at.is_some_and(|end| now >= end) {
            Some(DeadLink::Expired)
        } else if self
            .max_visits
            .is_some_and(|max| self.visits_at_load + self.counted_here.load(Ordering::Relaxed) >= max)
        {
            Some(DeadLink::Exhausted)
        } else if !self.target.starts_with('/') && !external_allowed(&self.target, allowed_hosts) {
            // The allow-list changed since the link was made: it no longer leaves the site.
            Some(DeadLink::Disabled)
        } else {
            None
        };
        match dead {
            Some(dead) => Followed::Dead(dead),
            None => Followed::To { link: self.id, campaign: self.campaign, location: self.target.clone() },
        }
    }
}

type Entry = (Instant, Option<Arc<CachedLink>>);

/// The links this gateway has followed lately, by code.
pub(crate) struct LinkCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

impl LinkCache {
    pub fn new(ttl: Duration) -> LinkCache {
        LinkCache { ttl, entries: Mutex::new(HashMap::new()) }
    }

    /// The cached entry for `code`, when fresh (`Some(None)`: known not to exist).
    pub fn get(&self, code: &str) -> Option<Option<Arc<CachedLink>>> {
        let entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.get(code).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, link)| link.clone())
    }

    pub fn put(&self, code: &str, link: Option<Arc<CachedLink>>) {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Bounded: a flood of made-up codes cannot grow it without end.
        if entries.len() >= 100_000 {
            let ttl = self.ttl;
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
            if entries.len() >= 100_000 {
                entries.clear();
            }
        }
        entries.insert(code.to_string(), (Instant::now(), link));
    }

    /// Forgets every cached link (a link was changed through this gateway).
    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
    }
}

/// Reads the link `code` names.
pub(crate) fn load(conn: &mut DbConn, code: &str) -> Result<Option<CachedLink>, CampaignError> {
    type Row = (ShortLinkId, Option<CampaignId>, String, NaiveDateTime, Option<NaiveDateTime>, Option<i64>, bool, i64);
    let row: Option<Row> = sl::table
        .filter(sl::code.eq(code))
        .select((
            sl::id,
            sl::campaign_id,
            sl::target,
            sl::starts_at,
            sl::ends_at,
            sl::max_visits,
            sl::disabled,
            sl::visits,
        ))
        .get_result(conn)
        .optional()?;
    Ok(row.map(|(id, campaign, target, starts_at, ends_at, max_visits, disabled, visits)| CachedLink {
        id,
        campaign,
        target,
        starts_at,
        ends_at,
        max_visits,
        disabled,
        visits_at_load: visits,
        counted_here: AtomicI64::new(0),
    }))
}

/// Follows a cached (or just loaded) link; a counted visit is added to what this gateway counted.
pub(crate) fn follow(link: Option<&CachedLink>, counted: bool, allowed_hosts: &[String]) -> Followed {
    let Some(link) = link else { return Followed::Dead(DeadLink::Unknown) };
    let followed = link.follow(Utc::now().naive_utc(), allowed_hosts);
    if counted && matches!(followed, Followed::To { .. }) {
        link.counted_here.fetch_add(1, Ordering::Relaxed);
    }
    followed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(max_visits: Option<i64>, target: &str) -> CachedLink {
        let now = Utc::now().naive_utc();
        CachedLink {
            id: ShortLinkId(1),
            campaign: None,
            target: target.into(),
            starts_at: now - chrono::Duration::hours(1),
            ends_at: Some(now + chrono::Duration::hours(1)),
            max_visits,
            disabled: false,
            visits_at_load: 0,
            counted_here: AtomicI64::new(0),
        }
    }

    #[test]
    fn a_link_dies_at_its_maximum_visits() {
        let link = link(Some(2), "/m/");
        assert!(matches!(follow(Some(&link), true, &[]), Followed::To { .. }));
        assert!(matches!(follow(Some(&link), false, &[]), Followed::To { .. }));
        assert!(matches!(follow(Some(&link), true, &[]), Followed::To { .. }));
        assert_eq!(follow(Some(&link), true, &[]), Followed::Dead(DeadLink::Exhausted));
    }

    #[test]
    fn an_external_target_no_longer_allowed_goes_nowhere() {
        let link = link(None, "https://example.com/");
        assert_eq!(follow(Some(&link), true, &[]), Followed::Dead(DeadLink::Disabled));
        assert!(matches!(follow(Some(&link), true, &["example.com".into()]), Followed::To { .. }));
    }
}
