//! [`Promotions`]: the operations the gateway calls, each in one transaction on the blocking pool.

use crate::PromotionError;
use crate::claims::{self, WalletCoupon, WalletFilter};
use crate::templates::{self, TemplateInput, TemplatePatch, TemplateStatus, TemplateView};
use bazaar_core::ids::{CouponTemplateId, ProductId, PromotionId, ShopId};
use bazaar_db::{Database, DbConn, write_transaction};
use bazaar_identity::Principal;

#[derive(Clone)]
pub struct Promotions {
    pub(crate) db: Database,
    points: crate::PointsRules,
    pub(crate) flash: crate::FlashSettings,
    pub(crate) gate: crate::FlashGate,
    offers: std::sync::Arc<crate::offers_cache::OffersCache>,
}

/// The shop of a template, for the membership check (platform templates have none).
fn shop_of(conn: &mut DbConn, principal: &Principal, id: CouponTemplateId) -> Result<(), PromotionError> {
    match templates::load(conn, id)?.shop_id {
        Some(shop) => Ok(principal.shop_role(conn, shop).map(drop)?),
        None => Ok(principal.require_admin()?),
    }
}

/// Every template of `shop`, for its owner and staff, inside the caller's transaction.
pub fn shop_templates(
    conn: &mut DbConn,
    principal: &Principal,
    shop: ShopId,
) -> Result<Vec<TemplateView>, PromotionError> {
    principal.shop_role(conn, shop)?;
    templates::of_shop(conn, Some(shop))
}

/// Every automatic promotion of `shop`, for its owner and staff, inside the caller's transaction.
pub fn shop_promotions(
    conn: &mut DbConn,
    principal: &Principal,
    shop: ShopId,
) -> Result<Vec<crate::PromotionView>, PromotionError> {
    principal.shop_role(conn, shop)?;
    crate::automatic::of_shop(conn, shop)
}

/// Every platform template, for administrators, inside the caller's transaction.
pub fn platform_templates(conn: &mut DbConn, principal: &Principal) -> Result<Vec<TemplateView>, PromotionError> {
    principal.require_admin()?;
    templates::of_shop(conn, None)
}

impl Promotions {
    pub fn new(db: Database, kv: bazaar_kv::Kv, config: &crate::PromotionsConfig) -> Promotions {
        let gate = crate::FlashGate::new(db.clone(), kv);
        Promotions {
            db,
            points: config.points_rules(),
            flash: config.flash_settings(),
            gate,
            offers: std::sync::Arc::default(),
        }
    }

    /// The flash sales' front gate, which buy-now orders pass first.
    pub fn flash_gate(&self) -> crate::FlashGate {
        self.gate.clone()
    }

    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T, PromotionError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, PromotionError> + Send + 'static,
    {
        self.db.run(move |conn| write_transaction(conn, work)).await
    }

    /// A shop's owner or staff offers a coupon.
    pub async fn create_template(
        &self,
        principal: &Principal,
        shop: ShopId,
        input: TemplateInput,
    ) -> Result<TemplateView, PromotionError> {
        let principal = principal.clone();
        self.write(move |conn| {
            principal.shop_role(conn, shop)?;
            templates::create(conn, Some(shop), principal.user_id, &input)
        })
        .await
    }

    pub async fn update_template(
        &self,
        principal: &Principal,
        id: CouponTemplateId,
        patch: TemplatePatch,
    ) -> Result<TemplateView, PromotionError> {
        let principal = principal.clone();
        self.write(move |conn| {
            shop_of(conn, &principal, id)?;
            templates::update(conn, id, &patch)
        })
        .await
    }

    pub async fn set_template_status(
        &self,
        principal: &Principal,
        id: CouponTemplateId,
        to: TemplateStatus,
    ) -> Result<TemplateView, PromotionError> {
        let principal = principal.clone();
        self.write(move |conn| {
            shop_of(conn, &principal, id)?;
            templates::set_status(conn, id, to)
        })
        .await
    }

    /// The coupons anyone may claim from a shop now.
    pub async fn claimable_in_shop(&self, shop: ShopId) -> Result<Vec<TemplateView>, PromotionError> {
        self.db.run_short_read(move |conn| templates::claimable(conn, Some(shop))).await
    }

    /// An administrator offers a platform coupon (funded by the platform, usable in every shop
    /// its scope covers, split across the shops' orders of a checkout).
    pub async fn create_platform_template(
        &self,
        principal: &Principal,
        input: TemplateInput,
    ) -> Result<TemplateView, PromotionError> {
        let principal = principal.clone();
        self.write(move |conn| {
            principal.require_admin()?;
            templates::create(conn, None, principal.user_id, &input)
        })
        .await
    }

    /// The platform coupons anyone may claim now.
    pub async fn claimable_on_platform(&self) -> Result<Vec<TemplateView>, PromotionError> {
        self.db.run_short_read(move |conn| templates::claimable(conn, None)).await
    }

    /// The claimable coupons that apply to a product (its shop's whole-shop coupons and those
    /// naming it or its category).
    pub async fn claimable_for_product(&self, product: ProductId) -> Result<Vec<TemplateView>, PromotionError> {
        self.db
            .run_short_read(move |conn| {
                let facts = bazaar_catalog::product_facts(conn, &[product])?;
                let fact = facts.into_iter().next().ok_or(PromotionError::not_found("product"))?;
                let mut all = templates::claimable(conn, Some(fact.shop_id))?;
                all.extend(templates::claimable(conn, None)?);
                Ok(all
                    .into_iter()
                    .filter(|template| match template.scope {
                        templates::CouponScope::Shop => true,
                        templates::CouponScope::Products => template.product_ids.contains(&product),
                        templates::CouponScope::ExceptProducts => !template.product_ids.contains(&product),
                        templates::CouponScope::Categories => template.category_ids.iter().any(|c| fact.is_in(*c)),
                    })
                    .collect())
            })
            .await
    }

    /// Claims a public coupon into the caller's wallet.
    pub async fn claim(&self, principal: &Principal, id: CouponTemplateId) -> Result<WalletCoupon, PromotionError> {
        let buyer = principal.user_id;
        self.write(move |conn| {
            let template = templates::load(conn, id)?;
            claims::claim(conn, buyer, &template, claims::ClaimedBy::Buyer)
        })
        .await
    }

    /// Claims the coupon a redeem code names.
    pub async fn redeem(&self, principal: &Principal, code: String) -> Result<WalletCoupon, PromotionError> {
        let buyer = principal.user_id;
        self.write(move |conn| {
            let template = claims::by_code(conn, &code)?;
            claims::claim(conn, buyer, &template, claims::ClaimedBy::Code)
        })
        .await
    }

    pub async fn wallet(
        &self,
        principal: &Principal,
        filter: WalletFilter,
    ) -> Result<Vec<WalletCoupon>, PromotionError> {
        let buyer = principal.user_id;
        self.db.run(move |conn| claims::wallet(conn, buyer, filter)).await
    }

    /// The caller's points balance and their newest changes.
    pub async fn points(&self, principal: &Principal) -> Result<crate::PointsView, PromotionError> {
        let user = principal.user_id;
        self.db.run(move |conn| crate::points::view(conn, user)).await
    }

    /// Today's check-in (签到): points once per China-time day, however often it is asked.
    pub async fn check_in(&self, principal: &Principal) -> Result<crate::CheckIn, PromotionError> {
        let (user, rules) = (principal.user_id, self.points);
        self.write(move |conn| crate::points::check_in(conn, user, &rules)).await
    }

    /// A shop's owner or staff (an administrator, for a platform coupon) gives a coupon to each of
    /// `phones`, within the template's quantity and per-buyer limits: one transaction per buyer,
    /// so a refusal for one gives nothing away for the others. Answers each phone's outcome.
    pub async fn issue(
        &self,
        principal: &Principal,
        id: CouponTemplateId,
        phones: Vec<String>,
    ) -> Result<Vec<crate::Issued>, PromotionError> {
        if phones.is_empty() || phones.len() > 100 {
            return Err(PromotionError::invalid("phones", "give 1 to 100 phone numbers"));
        }
        let principal = principal.clone();
        self.db
            .run(move |conn| {
                shop_of(conn, &principal, id)?;
                let mut outcomes = Vec::with_capacity(phones.len());
                for phone in phones {
                    let outcome = write_transaction(conn, |conn| {
                        let parsed = bazaar_identity::Phone::parse(&phone)
                            .map_err(|err| PromotionError::invalid("phones", err.to_string()))?;
                        let buyer = bazaar_identity::user_id_by_phone(conn, &parsed)?
                            .ok_or(PromotionError::not_found("user with this phone"))?;
                        let template = templates::load(conn, id)?;
                        claims::claim(conn, buyer, &template, claims::ClaimedBy::Issuer)
                    });
                    outcomes.push(match outcome {
                        Ok(coupon) => crate::Issued { phone, coupon_id: Some(coupon.id), refused: None, detail: None },
                        Err(PromotionError::Refused(refusal)) => crate::Issued {
                            phone,
                            coupon_id: None,
                            refused: Some(refusal.code().to_string()),
                            detail: Some(refusal.to_string()),
                        },
                        Err(other) => return Err(other),
                    });
                }
                Ok(outcomes)
            })
            .await
    }

    /// A shop's owner or staff starts an automatic promotion.
    pub async fn create_promotion(
        &self,
        principal: &Principal,
        shop: ShopId,
        input: crate::PromotionInput,
    ) -> Result<crate::PromotionView, PromotionError> {
        let principal = principal.clone();
        self.write(move |conn| {
            principal.shop_role(conn, shop)?;
            crate::automatic::create(conn, shop, principal.user_id, &input)
        })
        .await
    }

    /// Ends an automatic promotion now (orders already placed keep what it gave them).
    pub async fn end_promotion(
        &self,
        principal: &Principal,
        id: PromotionId,
    ) -> Result<crate::PromotionView, PromotionError> {
        let principal = principal.clone();
        self.write(move |conn| {
            let shop = crate::automatic::load(conn, id)?.shop_id;
            principal.shop_role(conn, shop)?;
            crate::automatic::end(conn, id)
        })
        .await
    }

    /// A product's limited-time prices (live and upcoming, with countdowns) and its shop's live
    /// order promotions.
    /// The coupons claimable on a product and the deals that apply to it, as its page shows
    /// them: from memory when asked within the last few seconds (`offers_cache`).
    pub async fn product_offers(
        &self,
        product: ProductId,
    ) -> Result<std::sync::Arc<crate::ProductOffers>, PromotionError> {
        if let Some(offers) = self.offers.get(product) {
            return Ok(offers);
        }
        let coupons = self.claimable_for_product(product).await?;
        let deals = self.product_promotions(product).await?;
        let offers = std::sync::Arc::new(crate::ProductOffers { coupons, deals });
        self.offers.put(product, offers.clone());
        Ok(offers)
    }

    pub async fn product_promotions(&self, product: ProductId) -> Result<crate::ProductPromotions, PromotionError> {
        self.db.run_short_read(move |conn| crate::automatic::for_product(conn, product)).await
    }
}
