//! [`Orders`]: placing and reading orders, on the blocking pool.

use crate::CheckoutError;
use crate::lifecycle::{self, Actor, OrderEvent};
use crate::orders::{self, CheckoutResult, OrderView, PlaceOrder, Placed};
use crate::refunds::{self, RefundRequest};
use bazaar_core::ids::{FlashSaleId, OrderId, ProductId, RefundRequestId, ShopId, UserId};
use bazaar_db::schema::orders as orders_table;
use bazaar_identity::Principal;
use chrono::Utc;
use diesel::prelude::*;
use serde::Serialize;
use std::time::Duration;

/// An order with its shipment and its history.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderDetail {
    #[serde(flatten)]
    pub order: OrderView,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    /// Who paid, when it was someone other than the buyer (pay-for-another).
    pub payer_id: Option<UserId>,
    pub events: Vec<OrderEvent>,
}
use bazaar_catalog::Catalog;
use bazaar_db::{Database, DbConn};

#[derive(Clone)]
pub struct Orders {
    db: Database,
    catalog: Catalog,
    settings: crate::CheckoutSettings,
    flash_gate: Option<bazaar_promotions::FlashGate>,
}

impl Orders {
    pub fn new(db: Database, catalog: Catalog) -> Orders {
        Orders { db, catalog, settings: crate::CheckoutSettings::default(), flash_gate: None }
    }

    /// Buy-now orders pass this gate before the database (see [`bazaar_promotions::FlashGate`]).
    pub fn with_flash_gate(mut self, gate: bazaar_promotions::FlashGate) -> Orders {
        self.flash_gate = Some(gate);
        self
    }

    /// With these ceilings and caps instead of the defaults.
    pub fn with_settings(mut self, settings: crate::CheckoutSettings) -> Orders {
        self.settings = settings;
        self
    }

    /// Places the checkout (or replays it for a repeated key). Returns the result and whether it
    /// was placed now (false: the same request was already placed under this key).
    pub async fn place(
        &self,
        principal: &Principal,
        key: String,
        request: PlaceOrder,
        alongside: crate::Alongside,
    ) -> Result<(CheckoutResult, bool), CheckoutError> {
        self.place_with(principal, key, request, None, alongside).await
    }

    /// Buy now (立即抢购) in a flash sale: one order of `quantity` × the sale's SKU at its flash
    /// price, without the cart, coupons or points. The gate (if any) turns the crowd away first;
    /// the database decides.
    pub async fn buy_now(
        &self,
        principal: &Principal,
        key: String,
        sale: FlashSaleId,
        request: crate::BuyNow,
        alongside: crate::Alongside,
    ) -> Result<(CheckoutResult, bool), CheckoutError> {
        let gate = self.flash_gate.as_ref();
        let terms = match gate {
            Some(gate) => gate.terms(sale).await?,
            None => self.db.run(move |conn| Ok::<_, CheckoutError>(bazaar_promotions::terms_of(conn, sale)?)).await?,
        };
        let quantity = i64::from(request.quantity);
        terms.check(request.sku_id, quantity, Utc::now().naive_utc())?;
        let taken = match gate {
            Some(gate) => match gate.admit(&terms, principal.user_id, &key, quantity).await {
                bazaar_promotions::Admission::Through { taken } => taken,
                bazaar_promotions::Admission::Refused(refusal) => return Err(refusal.into()),
            },
            None => 0,
        };
        let order = PlaceOrder {
            address_id: request.address_id,
            items: Some(vec![crate::OrderLine { sku_id: request.sku_id, quantity: request.quantity }]),
            coupon_ids: Some(Vec::new()),
            points: None,
        };
        let placed = self.place_with(principal, key.clone(), order, Some(terms), alongside).await;
        if let Some(gate) = gate {
            // Units the gate counted stay taken only by an order placed now; a replay took none.
            let placed_now = matches!(placed, Ok((_, true)));
            gate.settle(&terms, principal.user_id, &key, if placed_now { 0 } else { taken }, placed_now).await;
        }
        placed
    }

    async fn place_with(
        &self,
        principal: &Principal,
        key: String,
        request: PlaceOrder,
        flash: Option<bazaar_promotions::FlashTerms>,
        alongside: crate::Alongside,
    ) -> Result<(CheckoutResult, bool), CheckoutError> {
        let user_id = principal.user_id;
        // Two requests with one key at once on PostgreSQL: the loser's insert hits the unique index
        // only after the winner has committed, so running again finds and replays the winner's
        // answer. (SQLite's IMMEDIATE transactions already serialise them.)
        let mut attempts = 0;
        let placed = loop {
            attempts += 1;
            let (key, request, settings, alongside) = (key.clone(), request.clone(), self.settings, alongside.clone());
            let placing = move |conn: &mut DbConn| {
                orders::place(conn, user_id, &key, &request, flash.as_ref(), &settings, &alongside)
            };
            match self.db.run(placing).await {
                Err(CheckoutError::Db(bazaar_db::DbError::Query(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                )))) if attempts < 3 => continue,
                other => break other?,
            }
        };
        match placed {
            Placed::New(result, changed) => {
                self.catalog.products_changed(&changed).await;
                Ok((result, true))
            }
            Placed::Replayed(result) => Ok((result, false)),
        }
    }

    /// Totals per shop before placing.
    pub async fn preview(
        &self,
        principal: &Principal,
        request: crate::PreviewRequest,
    ) -> Result<crate::Preview, CheckoutError> {
        let user_id = principal.user_id;
        let settings = self.settings;
        self.db.run(move |conn| crate::preview::preview(conn, user_id, &request, &settings)).await
    }

    /// The buyer's orders, newest first: all, or those of one tab of the app's order list.
    pub async fn list(
        &self,
        principal: &Principal,
        tab: Option<crate::OrderTab>,
        before: Option<OrderId>,
        limit: i64,
    ) -> Result<Vec<OrderView>, CheckoutError> {
        let user_id = principal.user_id;
        let statuses = tab.map(crate::OrderTab::statuses).unwrap_or_default();
        self.db.run(move |conn| orders::list(conn, user_id, statuses, before, limit)).await
    }

    pub async fn get(&self, principal: &Principal, order_id: OrderId) -> Result<OrderDetail, CheckoutError> {
        let user_id = principal.user_id;
        self.db
            .run(move |conn| {
                let order = orders::load(conn, user_id, order_id)?;
                detail(conn, order)
            })
            .await
    }

    async fn released(&self, outcome: Result<Vec<ProductId>, CheckoutError>) -> Result<(), CheckoutError> {
        self.catalog.products_changed(&outcome?).await;
        Ok(())
    }

    /// The buyer cancels an unpaid order; its stock goes back.
    pub async fn cancel_by_buyer(
        &self,
        principal: &Principal,
        order_id: OrderId,
        reason: Option<String>,
    ) -> Result<(), CheckoutError> {
        let user_id = principal.user_id;
        let outcome = self.db.run(move |conn| lifecycle::cancel(conn, order_id, Actor::Buyer(user_id), reason)).await;
        self.released(outcome).await
    }

    /// The shop cancels an order it has not shipped, with a reason; its stock goes back. A paid
    /// order is refunded in full: the approved refund request is returned for the caller to send
    /// the money back, exactly as after approving a buyer's request.
    pub async fn cancel_by_shop(
        &self,
        principal: &Principal,
        order_id: OrderId,
        reason: Option<String>,
    ) -> Result<Option<RefundRequest>, CheckoutError> {
        let member = principal.clone();
        let outcome = self.db.run(move |conn| lifecycle::cancel_by_shop(conn, order_id, &member, reason)).await?;
        self.catalog.products_changed(&outcome.restocked).await;
        Ok(outcome.refund)
    }

    /// For payments: `pending_payment → paid`, safe to call twice (false the second time).
    pub async fn mark_paid(&self, order_id: OrderId, payment_reference: String) -> Result<bool, CheckoutError> {
        self.db.run(move |conn| lifecycle::mark_paid(conn, order_id, &payment_reference)).await
    }

    pub async fn ship(
        &self,
        principal: &Principal,
        order_id: OrderId,
        carrier: String,
        tracking: String,
    ) -> Result<(), CheckoutError> {
        let member = principal.clone();
        self.db.run(move |conn| lifecycle::ship_order(conn, order_id, &member, carrier, tracking)).await
    }

    pub async fn confirm_receipt(&self, principal: &Principal, order_id: OrderId) -> Result<(), CheckoutError> {
        let user_id = principal.user_id;
        self.db.run(move |conn| lifecycle::confirm_receipt(conn, order_id, user_id)).await
    }

    /// Cancels orders left unpaid for longer than `timeout` (the sweeper); returns how many.
    pub async fn expire_unpaid(&self, timeout: Duration) -> Result<usize, CheckoutError> {
        let cutoff = Utc::now().naive_utc() - chrono::Duration::from_std(timeout).unwrap_or(chrono::Duration::MAX);
        let due = self.db.run(move |conn| lifecycle::unpaid_before(conn, cutoff, 500)).await?;
        let mut expired = 0;
        for order_id in due {
            let outcome = self.db.run(move |conn| lifecycle::cancel(conn, order_id, Actor::System, None)).await;
            match outcome {
                Ok(products) => {
                    self.catalog.products_changed(&products).await;
                    expired += 1;
                }
                // Paid or cancelled meanwhile: nothing to do.
                Err(CheckoutError::InvalidTransition { .. }) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(expired)
    }

    /// The buyer asks for a refund of `lines` of a paid order (every unit left when `None`).
    pub async fn request_refund(
        &self,
        principal: &Principal,
        order_id: OrderId,
        reason: String,
        lines: Option<Vec<crate::RefundLine>>,
    ) -> Result<RefundRequest, CheckoutError> {
        let user_id = principal.user_id;
        self.db.run(move |conn| refunds::request(conn, user_id, order_id, &reason, lines.as_deref())).await
    }

    /// The shop approves (restocking an unshipped order once) or rejects (with a reason).
    pub async fn decide_refund(
        &self,
        principal: &Principal,
        request_id: RefundRequestId,
        approve: bool,
        reason: Option<String>,
    ) -> Result<RefundRequest, CheckoutError> {
        let member = principal.clone();
        let (request, restocked) =
            self.db.run(move |conn| refunds::decide(conn, &member, request_id, approve, reason)).await?;
        self.catalog.products_changed(&restocked).await;
        Ok(request)
    }

    /// For payments: the money is back with the buyer. Safe to call twice.
    pub async fn mark_refunded(&self, request_id: RefundRequestId) -> Result<bool, CheckoutError> {
        self.db.run(move |conn| refunds::mark_refunded(conn, request_id)).await
    }

    pub async fn shop_refunds(
        &self,
        principal: &Principal,
        shop_id: ShopId,
    ) -> Result<Vec<RefundRequest>, CheckoutError> {
        let member = principal.clone();
        self.db.run(move |conn| refunds::for_shop(conn, &member, shop_id)).await
    }

    /// Confirms receipt of orders shipped longer than `wait` ago; returns how many.
    pub async fn auto_receive(&self, wait: Duration) -> Result<usize, CheckoutError> {
        let cutoff = Utc::now().naive_utc() - chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
        let due = self.db.run(move |conn| lifecycle::shipped_before(conn, cutoff, 500)).await?;
        let mut confirmed = 0;
        for order_id in due {
            match self.db.run(move |conn| lifecycle::auto_receive(conn, order_id)).await {
                Ok(()) => confirmed += 1,
                Err(CheckoutError::InvalidTransition { .. }) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(confirmed)
    }

    /// Completes received orders whose after-sales window (`window`) has closed; returns how many.
    pub async fn complete_settled(&self, window: Duration) -> Result<usize, CheckoutError> {
        let cutoff = Utc::now().naive_utc() - chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
        let due = self.db.run(move |conn| lifecycle::received_before(conn, cutoff, 500)).await?;
        let mut completed = 0;
        for order_id in due {
            let rules = self.settings.points;
            match self.db.run(move |conn| lifecycle::complete(conn, order_id, &rules)).await {
                Ok(()) => completed += 1,
                Err(CheckoutError::InvalidTransition { .. }) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(completed)
    }

    /// The shop's paid orders and GMV for each of the `days` days (China time) ending with
    /// `last_day`, for its members.
    pub async fn shop_sales(
        &self,
        principal: &Principal,
        shop_id: ShopId,
        last_day: chrono::NaiveDate,
        days: u32,
    ) -> Result<Vec<crate::DaySales>, CheckoutError> {
        let member = principal.clone();
        self.db.run(move |conn| crate::sales::by_day(conn, &member, shop_id, last_day, days)).await
    }

    /// How many of the shop's orders are in `status`, counting at most `up_to` (a dashboard's
    /// badge: the ids alone, not the orders).
    pub async fn count_shop_orders(
        &self,
        principal: &Principal,
        shop_id: ShopId,
        status: crate::OrderStatus,
        up_to: i64,
    ) -> Result<usize, CheckoutError> {
        let member = principal.clone();
        let wanted = Some(status.as_str().to_string());
        self.db
            .run(move |conn| lifecycle::shop_orders(conn, &member, shop_id, wanted, (None, None), None, up_to))
            .await
            .map(|ids| ids.len())
    }

    /// A shop's orders for its members, newest first.
    pub async fn shop_orders(
        &self,
        principal: &Principal,
        shop_id: ShopId,
        status: Option<String>,
        placed_between: (Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>),
        before: Option<OrderId>,
        limit: i64,
    ) -> Result<Vec<OrderDetail>, CheckoutError> {
        let member = principal.clone();
        // An unknown status is a mistake to report, not a filter that matches nothing.
        if let Some(wanted) = status.as_deref()
            && !crate::ORDER_STATUSES.contains(&wanted)
        {
            let allowed = crate::ORDER_STATUSES.join(", ");
            return Err(CheckoutError::invalid("status", format!("must be one of {allowed}")));
        }
        self.db
            .run(move |conn| {
                let ids = lifecycle::shop_orders(conn, &member, shop_id, status, placed_between, before, limit)?;
                ids.into_iter()
                    .map(|id| {
                        let order = orders::load_any(conn, id)?;
                        detail(conn, order)
                    })
                    .collect()
            })
            .await
    }

    /// A shop's coupon templates for its owner and staff, each with the paid orders that used it
    /// and what they came to.
    pub async fn shop_coupons(
        &self,
        principal: &Principal,
        shop_id: ShopId,
    ) -> Result<Vec<bazaar_promotions::TemplateView>, CheckoutError> {
        let member = principal.clone();
        self.db
            .run(move |conn| {
                let templates = bazaar_promotions::shop_templates(conn, &member, shop_id)?;
                with_sales(conn, templates)
            })
            .await
    }

    /// A shop's automatic promotions for its owner and staff, each with the paid orders it
    /// discounted, what it took off them and what they came to.
    pub async fn shop_promotions(
        &self,
        principal: &Principal,
        shop_id: ShopId,
    ) -> Result<Vec<bazaar_promotions::PromotionView>, CheckoutError> {
        let member = principal.clone();
        self.db
            .run(move |conn| {
                let mut promotions = bazaar_promotions::shop_promotions(conn, &member, shop_id)?;
                let ids: Vec<_> = promotions.iter().map(|promotion| promotion.id).collect();
                let sales = crate::discounts::promotion_sales(conn, &ids)?;
                for promotion in &mut promotions {
                    if let Some((orders, off, gmv)) = sales.get(&promotion.id) {
                        (promotion.paid_orders, promotion.discount_given, promotion.gmv) = (*orders, *off, *gmv);
                    }
                }
                Ok(promotions)
            })
            .await
    }

    /// The platform's coupon templates with the paid orders and GMV each brought, for
    /// administrators.
    pub async fn platform_coupons(
        &self,
        principal: &Principal,
    ) -> Result<Vec<bazaar_promotions::TemplateView>, CheckoutError> {
        let admin = principal.clone();
        self.db
            .run(move |conn| {
                let templates = bazaar_promotions::platform_templates(conn, &admin)?;
                with_sales(conn, templates)
            })
            .await
    }
}

/// Templates with what orders using their coupons brought (paid, not refunded).
fn with_sales(
    conn: &mut bazaar_db::DbConn,
    mut templates: Vec<bazaar_promotions::TemplateView>,
) -> Result<Vec<bazaar_promotions::TemplateView>, CheckoutError> {
    let ids: Vec<_> = templates.iter().map(|template| template.id).collect();
    let sales = crate::discounts::coupon_sales(conn, &ids)?;
    for template in &mut templates {
        if let Some((orders, gmv)) = sales.get(&template.id) {
            template.paid_orders = *orders;
            template.gmv = *gmv;
        }
    }
    Ok(templates)
}

fn detail(conn: &mut bazaar_db::DbConn, order: OrderView) -> Result<OrderDetail, CheckoutError> {
    let (carrier, tracking_number, payer_id): (Option<String>, Option<String>, Option<UserId>) = orders_table::table
        .find(order.id)
        .select((orders_table::carrier, orders_table::tracking_number, orders_table::payer_id))
        .get_result(conn)?;
    let events = lifecycle::events(conn, order.id)?;
    Ok(OrderDetail { order, carrier, tracking_number, payer_id, events })
}
