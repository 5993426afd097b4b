//! [`Promotions`]' flash-sale operations: shops and the platform offer them, anyone lists them.

use crate::flash::{self, FlashSaleInput, FlashSaleReport, FlashSaleView, Organizer};
use crate::{PromotionError, Promotions};
use bazaar_core::ids::{FlashSaleId, ShopId};
use bazaar_identity::Principal;
use chrono::{Timelike, Utc};

/// Live and upcoming sales listed at most.
const LISTED: i64 = 100;

impl Promotions {
    /// A shop's owner or staff offers a flash sale of one of its SKUs.
    pub async fn create_flash_sale(
        &self,
        principal: &Principal,
        shop: ShopId,
        input: FlashSaleInput,
    ) -> Result<FlashSaleView, PromotionError> {
        let principal = principal.clone();
        self.write(move |conn| {
            principal.shop_role(conn, shop)?;
            flash::create(conn, Organizer::Shop, shop, principal.user_id, &input, Utc::now().naive_utc())
        })
        .await
    }

    /// An administrator schedules a platform session (秒杀场次) for a shop's SKU: it starts on the
    /// hour at one of the configured session hours, China time.
    pub async fn create_platform_flash_sale(
        &self,
        principal: &Principal,
        shop: ShopId,
        input: FlashSaleInput,
    ) -> Result<FlashSaleView, PromotionError> {
        principal.require_admin()?;
        let start = bazaar_core::clock::china_time(input.starts_at.naive_utc());
        let on_the_hour = start.minute() == 0 && start.second() == 0 && start.nanosecond() == 0;
        if !on_the_hour || !self.flash.session_hours.contains(&start.hour()) {
            let hours: Vec<String> = self.flash.session_hours.iter().map(|hour| format!("{hour:02}:00")).collect();
            return Err(PromotionError::invalid(
                "starts_at",
                format!("a platform session starts at {} China time", hours.join(", ")),
            ));
        }
        let principal = principal.clone();
        self.write(move |conn| {
            flash::create(conn, Organizer::Platform, shop, principal.user_id, &input, Utc::now().naive_utc())
        })
        .await
    }

    /// A shop's flash sales with what sold, what unpaid orders hold and what the gate refused.
    pub async fn shop_flash_sales(
        &self,
        principal: &Principal,
        shop: ShopId,
    ) -> Result<Vec<FlashSaleReport>, PromotionError> {
        let principal = principal.clone();
        let mut reports = self
            .db
            .run(move |conn| {
                principal.shop_role(conn, shop)?;
                flash::of_shop(conn, shop, Utc::now().naive_utc())
            })
            .await?;
        for report in &mut reports {
            report.refused_at_gate = self.gate.refused(report.sale.id).await;
        }
        Ok(reports)
    }

    /// Live and upcoming flash sales, soonest first, with what is left of each.
    pub async fn flash_sales(&self) -> Result<Vec<FlashSaleView>, PromotionError> {
        self.db.run_short_read(move |conn| flash::live_and_upcoming(conn, Utc::now().naive_utc(), LISTED)).await
    }

    pub async fn flash_sale(&self, id: FlashSaleId) -> Result<FlashSaleView, PromotionError> {
        self.db.run_short_read(move |conn| flash::view(conn, id, Utc::now().naive_utc())).await
    }
}
