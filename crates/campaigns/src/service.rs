//! [`Campaigns`]: the operations the gateway calls, each in one transaction on the blocking pool,
//! each checking the caller's rights itself.

use crate::campaigns::{self, CampaignInput, CampaignView, PlacementInput};
use crate::draws::{self, DrawInput, DrawView};
use crate::funnel::{self, Funnel, FunnelEvent};
use crate::links::{self, Followed, LinkCache};
use crate::play::{self, PlayView};
use crate::prizes::{self, DrawAudit};
use crate::visits::{self, Visit, VisitRecorder};
use crate::{CampaignError, CampaignsConfig};
use bazaar_core::ids::{CampaignId, DrawId, PlacementId, ShopId, UserId};
use bazaar_db::{Database, DbConn, write_transaction};
use bazaar_identity::Principal;
use chrono::Utc;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

/// How a chance is earned on request.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EarnChance {
    /// The code of a placement of the draw's campaign, as scanned (once per placement per day).
    Scan { code: String },
    /// Pay the draw's points price.
    Points,
}

/// Who followed a link, as the gateway saw the request.
#[derive(Debug, Clone, Default)]
pub struct Follower {
    pub ip: String,
    pub user_agent: String,
    /// A HEAD request or a prefetch: recorded as a bot (not a visit).
    pub prefetch: bool,
    pub user: Option<UserId>,
    /// The attribution cookie's id.
    pub visitor: Option<String>,
}

/// A campaign's landing page, as the storefront shows it.
#[derive(Debug, Clone)]
pub struct Landing {
    pub campaign: CampaignView,
    pub placement: Option<PlacementId>,
    pub draws: Vec<DrawView>,
}

#[derive(Clone)]
pub struct Campaigns {
    pub(crate) db: Database,
    config: Arc<CampaignsConfig>,
    public_url: Arc<str>,
    cache: Arc<LinkCache>,
    recorder: VisitRecorder,
    salt: Arc<[u8]>,
}

impl Campaigns {
    /// Starts the visit writer on the current tokio runtime.
    pub fn new(db: Database, config: &CampaignsConfig, public_url: &str) -> Campaigns {
        let salt: Arc<[u8]> = match &config.link_visit_salt {
            Some(secret) => secret.as_bytes().into(),
            None => {
                use rand::RngCore;
                let mut salt = [0_u8; 32];
                rand::rng().fill_bytes(&mut salt);
                salt.as_slice().into()
            }
        };
        let flush = Duration::from_millis(u64::try_from(config.link_visit_flush_ms).unwrap_or(500));
        Campaigns {
            recorder: VisitRecorder::start(db.clone(), flush),
            db,
            cache: Arc::new(LinkCache::new(Duration::from_secs(
                u64::try_from(config.short_link_cache_secs).unwrap_or(10),
            ))),
            config: Arc::new(config.clone()),
            public_url: public_url.trim_end_matches('/').into(),
            salt,
        }
    }

    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T, CampaignError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, CampaignError> + Send + 'static,
    {
        self.db.run(move |conn| write_transaction(conn, work)).await
    }

    /// Follows `/s/{code}`: where to send the visitor, with the visit queued (never written on
    /// this path).
    pub async fn follow(&self, code: &str, who: Follower) -> Result<Followed, CampaignError> {
        if !crate::codes::well_formed(code) {
            return Ok(Followed::Dead(links::DeadLink::Unknown));
        }
        let link = match self.cache.get(code) {
            Some(link) => link,
            None => {
                let wanted = code.to_string();
                let loaded = self.db.run_short_read(move |conn| links::load(conn, &wanted)).await?.map(Arc::new);
                self.cache.put(code, loaded.clone());
                loaded
            }
        };
        let (looks_like_bot, device) = visits::classify(&who.user_agent);
        let bot = who.prefetch || looks_like_bot;
        let followed = links::follow(link.as_deref(), !bot, &self.config.short_link_allowed_hosts);
        if let Followed::To { link, .. } = &followed {
            let now = Utc::now().naive_utc();
            let day = bazaar_core::clock::china_day(now).to_string();
            self.recorder.record(Visit {
                link: *link,
                at: now,
                client: visits::client_hash(&self.salt, &day, &who.ip, &who.user_agent),
                device,
                bot,
                user: who.user,
                visitor: who.visitor.filter(|v| crate::attribution::visitor_id_ok(v)),
            });
        }
        Ok(followed)
    }

    /// Waits until every visit queued so far is written.
    pub async fn flush_visits(&self) {
        self.recorder.flush().await;
    }

    fn public_url(&self) -> String {
        self.public_url.to_string()
    }

    pub async fn create_campaign(
        &self,
        principal: &Principal,
        shop: Option<ShopId>,
        input: CampaignInput,
    ) -> Result<CampaignView, CampaignError> {
        let principal = principal.clone();
        let (config, url) = (self.config.clone(), self.public_url());
        self.write(move |conn| {
            works_for(conn, &principal, shop)?;
            let id = campaigns::create(
                conn,
                shop,
                principal.user_id,
                &input,
                config.attribution_days,
                &config.short_link_allowed_hosts,
            )?;
            let row = campaigns::load(conn, id)?;
            campaigns::view(conn, &row, &url)
        })
        .await
    }

    /// A shop's campaigns (`None`: the platform's, for administrators).
    pub async fn campaigns(
        &self,
        principal: &Principal,
        shop: Option<ShopId>,
    ) -> Result<Vec<CampaignView>, CampaignError> {
        let principal = principal.clone();
        let url = self.public_url();
        self.db
            .run(move |conn| {
                works_for(conn, &principal, shop)?;
                campaigns::of_shop(conn, shop)?.iter().map(|row| campaigns::view(conn, row, &url)).collect()
            })
            .await
    }

    pub async fn campaign(&self, principal: &Principal, id: CampaignId) -> Result<CampaignView, CampaignError> {
        let principal = principal.clone();
        let url = self.public_url();
        self.db
            .run(move |conn| {
                let row = campaigns::load_managed(conn, &principal, id)?;
                campaigns::view(conn, &row, &url)
            })
            .await
    }

    pub async fn add_placement(
        &self,
        principal: &Principal,
        id: CampaignId,
        input: PlacementInput,
    ) -> Result<CampaignView, CampaignError> {
        let principal = principal.clone();
        let url = self.public_url();
        self.write(move |conn| {
            let row = campaigns::load_managed(conn, &principal, id)?;
            campaigns::add_placement(conn, id, row.shop_id, principal.user_id, &input, row.starts_at)?;
            campaigns::view(conn, &row, &url)
        })
        .await
    }

    /// The short link a placement's QR code holds, and the placement's name (its caption).
    pub async fn placement_link(
        &self,
        principal: &Principal,
        id: CampaignId,
        placement: PlacementId,
    ) -> Result<(String, String), CampaignError> {
        let view = self.campaign(principal, id).await?;
        view.placements
            .into_iter()
            .find(|p| p.id == placement)
            .map(|p| (p.short_url, p.name))
            .ok_or(CampaignError::not_found("placement"))
    }

    /// Turns a placement's short link off (a poster taken down) or on again; every gateway follows
    /// within `short_link_cache_secs`.
    pub async fn set_placement_disabled(
        &self,
        principal: &Principal,
        id: CampaignId,
        placement: PlacementId,
        disabled: bool,
    ) -> Result<CampaignView, CampaignError> {
        let principal = principal.clone();
        let url = self.public_url();
        let view = self
            .write(move |conn| {
                let row = campaigns::load_managed(conn, &principal, id)?;
                let link = campaigns::placements(conn, id)?
                    .into_iter()
                    .find(|p| p.id == placement)
                    .ok_or(CampaignError::not_found("placement"))?
                    .link;
                links::set_disabled(conn, link, disabled)?;
                campaigns::view(conn, &row, &url)
            })
            .await?;
        self.cache.clear();
        Ok(view)
    }

    pub async fn funnel(&self, principal: &Principal, id: CampaignId) -> Result<Funnel, CampaignError> {
        let principal = principal.clone();
        self.db
            .run(move |conn| {
                campaigns::load_managed(conn, &principal, id)?;
                funnel::funnel(conn, id)
            })
            .await
    }

    /// A campaign's landing page; the view is counted in the funnel. `via` is the placement's code
    /// the visitor came through; a signed-in visitor's scan earns the draws' scan chances.
    pub async fn landing(
        &self,
        id: CampaignId,
        via: Option<String>,
        user: Option<UserId>,
    ) -> Result<Landing, CampaignError> {
        let url = self.public_url();
        self.write(move |conn| {
            let row = campaigns::load(conn, id)?;
            let placement = match via.as_deref().filter(|code| crate::codes::well_formed(code)) {
                Some(code) => placement_by_code(conn, id, code)?,
                None => None,
            };
            funnel::record(conn, id, placement, FunnelEvent::LandingView, user)?;
            if let (Some(placement), Some(user)) = (placement, user) {
                play::grant_scan(conn, id, placement, user)?;
            }
            let now = Utc::now().naive_utc();
            let mut shown = Vec::new();
            for draw in draws::of_campaign(conn, id)? {
                let prizes = draws::prizes(conn, draw.id)?;
                shown.push(draws::view(&draw, &prizes, now));
            }
            Ok(Landing { campaign: campaigns::view(conn, &row, &url)?, placement, draws: shown })
        })
        .await
    }

    /// Claims the campaign's coupon from its landing page: within the campaign's budget (a
    /// conditional update) and the coupon's own limits, all or nothing.
    pub async fn claim_coupon(
        &self,
        principal: &Principal,
        id: CampaignId,
        placement: Option<PlacementId>,
    ) -> Result<bazaar_promotions::WalletCoupon, CampaignError> {
        let user = principal.user_id;
        self.write(move |conn| {
            let row = campaigns::load(conn, id)?;
            if row.state(Utc::now().naive_utc()) != campaigns::CampaignState::Live {
                return Err(CampaignError::conflict("campaign_not_live", "this campaign is not running"));
            }
            let template = row.coupon_template_id.ok_or(CampaignError::not_found("coupon"))?;
            if !campaigns::take_coupon_budget(conn, id)? {
                return Err(CampaignError::conflict(
                    "campaign_budget_spent",
                    "this campaign has given all its coupons",
                ));
            }
            let coupon = bazaar_promotions::issue_coupon(conn, user, template)?;
            funnel::record(conn, id, placement, FunnelEvent::CouponClaimed, Some(user))?;
            Ok(coupon)
        })
        .await
    }

    /// The placement of `campaign` whose short link has `code`.
    pub async fn placement_of_code(
        &self,
        campaign: CampaignId,
        code: String,
    ) -> Result<Option<PlacementId>, CampaignError> {
        self.db.run(move |conn| placement_by_code(conn, campaign, &code)).await
    }

    /// Credits orders just placed to the buyer's last campaign touch.
    /// Crediting the orders a checkout places to the buyer's last campaign touch (by the user or
    /// by the browser's attribution cookie `visitor`), written in the orders' own transaction.
    pub fn credit_alongside(&self, visitor: Option<String>) -> bazaar_checkout::Alongside {
        bazaar_checkout::Alongside::step(move |conn, user, orders, now| {
            crate::attribution::attribute(conn, orders, user, visitor.as_deref(), now)
                .map(drop)
                .map_err(|err| bazaar_checkout::AlongsideFailed(err.to_string()))
        })
    }

    /// Hands the visits this browser (`visitor`, its attribution cookie) made before signing in
    /// to `user`, so an order the user places later from another device is credited to them.
    /// Visits still queued are written first.
    pub async fn claim_visits(&self, user: UserId, visitor: String) -> Result<usize, CampaignError> {
        self.recorder.flush().await;
        self.write(move |conn| crate::attribution::claim_visits(conn, user, &visitor, Utc::now().naive_utc())).await
    }

    pub async fn create_draw(
        &self,
        principal: &Principal,
        shop: Option<ShopId>,
        input: DrawInput,
    ) -> Result<DrawView, CampaignError> {
        let principal = principal.clone();
        self.write(move |conn| {
            works_for(conn, &principal, shop)?;
            let id = draws::create(conn, shop, principal.user_id, &input)?;
            public_draw(conn, id)
        })
        .await
    }

    /// Replaces a draw before its start (its seed stays); refused once it has started.
    pub async fn replace_draw(
        &self,
        principal: &Principal,
        id: DrawId,
        input: DrawInput,
    ) -> Result<DrawView, CampaignError> {
        let principal = principal.clone();
        self.write(move |conn| {
            let shop = managed_draw(conn, &principal, id)?;
            draws::replace(conn, id, shop, &input)?;
            public_draw(conn, id)
        })
        .await
    }

    /// A shop's draws, or the platform's (`None`, administrators).
    pub async fn shop_draws(
        &self,
        principal: &Principal,
        shop: Option<ShopId>,
    ) -> Result<Vec<DrawView>, CampaignError> {
        let principal = principal.clone();
        self.db
            .run(move |conn| {
                works_for(conn, &principal, shop)?;
                let now = Utc::now().naive_utc();
                let mut all = Vec::new();
                for row in draws::of_shop(conn, shop)? {
                    let prizes = draws::prizes(conn, row.id)?;
                    all.push(draws::view(&row, &prizes, now));
                }
                Ok(all)
            })
            .await
    }

    /// A draw as anyone sees it: odds, stock left, the commitment (and the seed after the end).
    pub async fn draw(&self, id: DrawId) -> Result<DrawView, CampaignError> {
        self.db.run(move |conn| public_draw(conn, id)).await
    }

    pub async fn audit(&self, id: DrawId) -> Result<DrawAudit, CampaignError> {
        self.db.run(move |conn| prizes::audit(conn, id)).await
    }

    pub async fn play(&self, principal: &Principal, id: DrawId, key: String) -> Result<PlayView, CampaignError> {
        let user = principal.user_id;
        self.write(move |conn| play::play(conn, id, user, &key)).await
    }

    /// The caller's unused chances (what time and orders have earned is granted first).
    pub async fn chances(&self, principal: &Principal, id: DrawId) -> Result<i64, CampaignError> {
        let user = principal.user_id;
        self.write(move |conn| play::chances(conn, id, user)).await
    }

    /// Earns a chance on request: a scan's code, or points.
    pub async fn earn_chance(
        &self,
        principal: &Principal,
        id: DrawId,
        how: EarnChance,
        key: String,
    ) -> Result<i64, CampaignError> {
        let user = principal.user_id;
        self.write(move |conn| match how {
            EarnChance::Points => play::buy_chance(conn, id, user, &key),
            EarnChance::Scan { code } => {
                let draw = draws::load(conn, id)?;
                let campaign = draw.campaign_id.filter(|_| draw.scan_chances).ok_or_else(|| {
                    CampaignError::conflict("no_scan_chances", "this draw does not give chances for scans")
                })?;
                let placement = placement_by_code(conn, campaign, code.trim())?
                    .ok_or_else(|| CampaignError::invalid("code", "is not a code of this draw's campaign"))?;
                if !play::grant_scan(conn, campaign, placement, user)?.contains(&id) {
                    return Err(CampaignError::conflict("draw_not_running", "this draw is not running"));
                }
                play::chances(conn, id, user)
            }
        })
        .await
    }
}

fn public_draw(conn: &mut DbConn, id: DrawId) -> Result<DrawView, CampaignError> {
    let row = draws::load(conn, id)?;
    let prizes = draws::prizes(conn, id)?;
    Ok(draws::view(&row, &prizes, Utc::now().naive_utc()))
}

/// The caller is a member of `shop`, or an administrator when it is the platform's (`None`).
fn works_for(conn: &mut DbConn, principal: &Principal, shop: Option<ShopId>) -> Result<(), CampaignError> {
    match shop {
        Some(shop) => drop(principal.shop_role(conn, shop)?),
        None => principal.require_admin()?,
    }
    Ok(())
}

/// The shop of a draw the caller works for (`None`: a platform draw, for administrators);
/// anyone else is told it does not exist.
pub(crate) fn managed_draw(
    conn: &mut DbConn,
    principal: &Principal,
    id: DrawId,
) -> Result<Option<ShopId>, CampaignError> {
    match draws::shop_of(conn, id)? {
        Some(Some(shop)) if principal.role_in(conn, shop)?.is_some() => Ok(Some(shop)),
        Some(None) if principal.is_admin() => Ok(None),
        _ => Err(CampaignError::not_found("draw")),
    }
}

/// The placement of `campaign` whose link has `code`.
fn placement_by_code(
    conn: &mut DbConn,
    campaign: CampaignId,
    code: &str,
) -> Result<Option<PlacementId>, CampaignError> {
    Ok(campaigns::placements(conn, campaign)?.into_iter().find(|p| p.code == code).map(|p| p.id))
}
