//! The checkout preview: what placing would charge, per shop, computed by the same `quote`.

use crate::CheckoutError;
use crate::orders::{Adjustment, OrderLine, PlaceOrder, lines};
use crate::pricing::{grand_total, quote};
use bazaar_core::Money;
use bazaar_core::ids::{AddressId, CouponId, ShopId, SkuId, UserId};
use bazaar_db::DbConn;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// What to buy; without it, the cart.
    pub items: Option<Vec<OrderLine>>,
    /// The coupons to spend (one per shop order); `[]` for none; without it, the best for you.
    #[serde(default)]
    pub coupon_ids: Option<Vec<CouponId>>,
    /// Points to pay with; none by default.
    #[serde(default)]
    pub points: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewLine {
    pub sku_id: SkuId,
    pub title: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub unit_price: Money,
    pub quantity: i32,
    /// Enough stock right now (placing reserves it; this only looks).
    pub in_stock: bool,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewShop {
    pub shop_id: ShopId,
    pub lines: Vec<PreviewLine>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub subtotal: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub shipping_fee: Money,
    pub adjustments: Vec<Adjustment>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub total: Money,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preview {
    pub shops: Vec<PreviewShop>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub total: Money,
}

/// Totals per shop before placing, computed exactly as placing will.
pub(crate) fn preview(
    conn: &mut DbConn,
    user_id: UserId,
    request: &PreviewRequest,
    settings: &crate::CheckoutSettings,
) -> Result<Preview, CheckoutError> {
    let as_order =
        PlaceOrder { address_id: AddressId(0), items: request.items.clone(), coupon_ids: None, points: None };
    let (wanted, _) = lines(conn, user_id, &as_order)?;
    let points = request.points.unwrap_or(0);
    if points > 0 {
        bazaar_promotions::ensure_balance(conn, user_id, points)?;
    }
    let promotions = crate::pricing::Wanted { coupons: request.coupon_ids.as_deref(), points, flash: None };
    let quotes = quote(conn, user_id, &wanted, &promotions, settings)?;
    let mut shops_out = Vec::with_capacity(quotes.len());
    let grand = grand_total(quotes.iter().map(|quote| quote.total))?;
    for quote in quotes {
        let mut lines = Vec::with_capacity(quote.lines.len());
        for (sku, quantity) in &quote.lines {
            lines.push(PreviewLine {
                sku_id: sku.sku_id,
                title: sku.title.clone(),
                unit_price: Money::from_minor(sku.price),
                quantity: *quantity,
                in_stock: sku.stock >= i64::from(*quantity),
            });
        }
        shops_out.push(PreviewShop {
            shop_id: quote.shop_id,
            lines,
            subtotal: quote.subtotal,
            shipping_fee: quote.shipping,
            adjustments: quote.adjustments,
            total: quote.total,
        });
    }
    Ok(Preview { shops: shops_out, total: grand })
}
